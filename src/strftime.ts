/**
 * strftime-style time formatting as Python's `datetime.strftime` does it in
 * the C locale (glibc's directives and flags, plus Python's `%f` and `%:z`),
 * compiled once per format string.
 */

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** `"000"` … `"999"`: number-to-text conversion is the costly part of a timestamp. */
export const DIGITS3: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));

/**
 * The six digits of the microseconds within the second of an epoch-
 * milliseconds time (`%f`, and the fraction of record timestamps).
 */
export function microsText(ms: number): string {
  // Python's arithmetic (`int(ms * 1000) % 1000000`), so both editions print the same digits for the same double.
  const total = Math.floor(ms * 1000);
  const micros = total - Math.floor(total / 1_000_000) * 1_000_000;
  const high = (micros / 1000) | 0;
  return DIGITS3[high] + DIGITS3[micros - high * 1000];
}

/** Day of the year, 1-based, from the calendar date (immune to summer time). */
function dayOfYear(d: Date): number {
  return (Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) - Date.UTC(d.getFullYear(), 0, 1)) / 86_400_000 + 1;
}

/** ISO 8601 week-based year and week number. */
function isoWeek(d: Date): [number, number] {
  const wday = (d.getDay() + 6) % 7; // Monday 0
  const thursday = new Date(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate() - wday + 3));
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000)) + 1;
  return [year, week];
}

function offsetText(d: Date, colon: boolean): string {
  const minutes = -d.getTimezoneOffset();
  const sign = minutes >= 0 ? "+" : "-";
  const abs = Math.abs(minutes);
  const h = String(Math.floor(abs / 60)).padStart(2, "0");
  const m = String(abs % 60).padStart(2, "0");
  return sign + h + (colon ? ":" : "") + m;
}

/** The locale whose CLDR names match the tz database's abbreviations for a zone. */
function zoneLocale(zone: string): string {
  if (zone.startsWith("Europe/")) return "en-GB";
  if (zone.startsWith("Australia/")) return "en-AU";
  if (zone === "Pacific/Auckland" || zone === "NZ") return "en-NZ";
  if (zone === "Asia/Kolkata" || zone === "Asia/Calcutta") return "en-IN";
  return "en-US";
}

const zoneNames = new Map<string, string>();

/**
 * The zone abbreviation, as `time.tzname` gives it (`UTC`, `CEST`, `EST`,
 * `AEDT`, `IST`); where the runtime knows none, the numeric form the tz
 * database uses for such zones (`+04`, `-03`, `+0530`).
 */
function zoneName(d: Date): string {
  const minutes = -d.getTimezoneOffset();
  let zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone ?? "";
  } catch {
    // No Intl: numeric below.
  }
  const key = zone + " " + minutes;
  let name = zoneNames.get(key);
  if (name !== undefined) return name;
  try {
    if (zone === "UTC" || zone === "Etc/UTC" || zone === "Etc/Universal") name = "UTC";
    else if (zone !== "") {
      const parts = new Intl.DateTimeFormat(zoneLocale(zone), { timeZone: zone, timeZoneName: "short" })
        .formatToParts(d);
      const short = parts.find((p) => p.type === "timeZoneName")?.value ?? "";
      if (/^[A-Z]{2,6}$/.test(short)) name = short;
    }
  } catch {
    // Fall back to the numeric form.
  }
  if (name === undefined) {
    const sign = minutes >= 0 ? "+" : "-";
    const abs = Math.abs(minutes);
    name = sign + String(Math.floor(abs / 60)).padStart(2, "0") + (abs % 60 ? String(abs % 60).padStart(2, "0") : "");
  }
  zoneNames.set(key, name);
  return name;
}

/** A numeric directive: its value, default width and default pad. */
type NumberDirective = [(d: Date, ms: number) => number, number, "0" | " "];

const NUMBERS: Record<string, NumberDirective> = {
  Y: [(d) => d.getFullYear(), 1, "0"],
  C: [(d) => Math.floor(d.getFullYear() / 100), 2, "0"],
  y: [(d) => d.getFullYear() % 100, 2, "0"],
  G: [(d) => isoWeek(d)[0], 1, "0"],
  g: [(d) => isoWeek(d)[0] % 100, 2, "0"],
  m: [(d) => d.getMonth() + 1, 2, "0"],
  d: [(d) => d.getDate(), 2, "0"],
  e: [(d) => d.getDate(), 2, " "],
  j: [(d) => dayOfYear(d), 3, "0"],
  H: [(d) => d.getHours(), 2, "0"],
  k: [(d) => d.getHours(), 2, " "],
  I: [(d) => d.getHours() % 12 || 12, 2, "0"],
  l: [(d) => d.getHours() % 12 || 12, 2, " "],
  M: [(d) => d.getMinutes(), 2, "0"],
  S: [(d) => d.getSeconds(), 2, "0"],
  u: [(d) => d.getDay() || 7, 1, "0"],
  w: [(d) => d.getDay(), 1, "0"],
  U: [(d) => Math.floor((dayOfYear(d) - 1 + 7 - d.getDay()) / 7), 2, "0"],
  W: [(d) => Math.floor((dayOfYear(d) - 1 + 7 - ((d.getDay() + 6) % 7)) / 7), 2, "0"],
  V: [(d) => isoWeek(d)[1], 2, "0"],
  s: [(_d, ms) => Math.floor(ms / 1000), 1, "0"],
};

const TEXTS: Record<string, (d: Date) => string> = {
  a: (d) => DAYS[d.getDay()].slice(0, 3),
  A: (d) => DAYS[d.getDay()],
  b: (d) => MONTHS[d.getMonth()].slice(0, 3),
  h: (d) => MONTHS[d.getMonth()].slice(0, 3),
  B: (d) => MONTHS[d.getMonth()],
  p: (d) => d.getHours() < 12 ? "AM" : "PM",
  P: (d) => d.getHours() < 12 ? "am" : "pm",
  z: (d) => offsetText(d, false),
  Z: (d) => zoneName(d),
  n: () => "\n",
  t: () => "\t",
  "%": () => "%",
};

/** Composite directives of the C locale. */
const COMPOSITES: Record<string, string> = {
  c: "%a %b %e %H:%M:%S %Y",
  x: "%m/%d/%y",
  D: "%m/%d/%y",
  X: "%H:%M:%S",
  T: "%H:%M:%S",
  F: "%Y-%m-%d",
  R: "%H:%M",
  r: "%I:%M:%S %p",
};

type Render = (d: Date, ms: number) => string;
/** The renders of `%f` and `%L`, the parts that change within a second. */
const SUB_SECOND = new WeakSet<Render>();
interface Compiled {
  parts: (string | Render)[];
  subSecond: (string | Render)[] | null;
}

function compile(format: string, out: (string | Render)[], marks: { subSecond: boolean }): void {
  let literal = "";
  const push = (r: Render) => {
    if (literal) out.push(literal);
    literal = "";
    out.push(r);
  };
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c !== "%" || i + 1 >= format.length) {
      literal += c;
      continue;
    }
    let j = i + 1;
    let flag = "";
    if ("-_0^#".includes(format[j])) flag = format[j++];
    if (format[j] === "E" || format[j] === "O") j++;
    const name = format[j];
    if (name === ":" && format[j + 1] === "z") {
      push((d) => offsetText(d, true));
      i = j + 1;
      continue;
    }
    if (name === "f" || name === "L") {
      marks.subSecond = true;
      const r: Render = name === "f"
        ? (_d, ms) => microsText(ms)
        : (_d, ms) => DIGITS3[Math.floor(ms - Math.floor(ms / 1000) * 1000)];
      SUB_SECOND.add(r);
      push(r);
    } else if (NUMBERS[name] !== undefined) {
      const [fn, width, defaultPad] = NUMBERS[name];
      const pad = flag === "-" ? "" : flag === "_" ? " " : flag === "0" ? "0" : defaultPad;
      push(pad === "" ? (d, ms) => String(fn(d, ms)) : (d, ms) => String(fn(d, ms)).padStart(width, pad));
    } else if (TEXTS[name] !== undefined) {
      const fn = TEXTS[name];
      push(
        flag === "^" || (flag === "#" && "aAbBh".includes(name))
          ? (d) => fn(d).toUpperCase()
          : flag === "#" && "pZ".includes(name)
          ? (d) => fn(d).toLowerCase()
          : fn,
      );
    } else if (COMPOSITES[name] !== undefined) {
      if (literal) out.push(literal);
      literal = "";
      const inner: (string | Render)[] = [];
      compile(COMPOSITES[name], inner, marks);
      if (flag === "^") {
        push((d, ms) => inner.map((p) => typeof p === "string" ? p : p(d, ms)).join("").toUpperCase());
      } else out.push(...inner);
    } else {
      // Unknown directive: written as it stands, as glibc does.
      literal += format.slice(i, j + 1);
    }
    i = j;
  }
  if (literal) out.push(literal);
}

function build(format: string): Compiled {
  const parts: (string | Render)[] = [];
  const marks = { subSecond: false };
  compile(format, parts, marks);
  return { parts, subSecond: marks.subSecond ? parts : null };
}

/**
 * Compiles a strftime format into a function of epoch milliseconds, in local
 * time, with the directives of Python's `datetime.strftime` in the C locale:
 * `%Y %m %d %H %M %S %f` (microseconds) `%z %:z %Z %j %a %A %b %B %c %x %X
 * %D %F %T %R %r %p %P %u %w %U %W %G %g %V %C %y %e %k %l %s %n %t %%`, the
 * flags `-` (no padding), `_` (spaces), `0`, `^` (upper case), and `%L`
 * (milliseconds). What does not change within a second is computed once per
 * second.
 *
 * @param format The format string, e.g. `"%H:%M:%S.%f"`.
 * @returns A formatter.
 *
 * @example
 * ```ts
 * import { compileStrftime } from "@jinpy/logger";
 * const format = compileStrftime("%Y-%m-%d %H:%M:%S.%f %Z");
 * console.log(format(Date.UTC(2026, 0, 2, 12)));
 * ```
 */
export function compileStrftime(format: string): (ms: number) => string {
  const { parts, subSecond } = build(format);
  let lastSecond = NaN;
  let date = new Date(0);
  if (subSecond === null) {
    let last = "";
    return (ms: number): string => {
      const second = Math.floor(ms / 1000);
      if (second !== lastSecond) {
        lastSecond = second;
        date = new Date(ms);
        last = "";
        for (const p of parts) last += typeof p === "string" ? p : p(date, ms);
      }
      return last;
    };
  }
  // Sub-second parts change every call; the rest is cached per second.
  let cached: string[] = [];
  return (ms: number): string => {
    const second = Math.floor(ms / 1000);
    if (second !== lastSecond) {
      lastSecond = second;
      date = new Date(second * 1000);
      cached = parts.map((p) => typeof p === "string" ? p : "");
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i];
        if (typeof p !== "string" && !SUB_SECOND.has(p)) cached[i] = p(date, ms);
      }
    }
    let out = "";
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      out += typeof p !== "string" && SUB_SECOND.has(p) ? p(date, ms) : cached[i];
    }
    return out;
  };
}
