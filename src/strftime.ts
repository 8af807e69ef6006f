/**
 * strftime-style time formatting, compiled once per format string.
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

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

function offset(d: Date, colon: boolean): string {
  const minutes = -d.getTimezoneOffset();
  const sign = minutes >= 0 ? "+" : "-";
  const abs = Math.abs(minutes);
  return sign + pad(Math.floor(abs / 60)) + (colon ? ":" : "") + pad(abs % 60);
}

function dayOfYear(d: Date): number {
  const start = new Date(d.getFullYear(), 0, 1);
  return Math.floor((d.getTime() - start.getTime()) / 86_400_000) + 1;
}

type Part = string | ((d: Date, ms: number) => string);

const DIRECTIVES: Record<string, (d: Date, ms: number) => string> = {
  Y: (d) => String(d.getFullYear()),
  y: (d) => pad(d.getFullYear() % 100),
  m: (d) => pad(d.getMonth() + 1),
  d: (d) => pad(d.getDate()),
  e: (d) => String(d.getDate()).padStart(2, " "),
  H: (d) => pad(d.getHours()),
  I: (d) => pad(d.getHours() % 12 || 12),
  p: (d) => d.getHours() < 12 ? "AM" : "PM",
  M: (d) => pad(d.getMinutes()),
  S: (d) => pad(d.getSeconds()),
  f: (_d, ms) => pad(Math.floor(ms % 1000), 3) + "000",
  L: (_d, ms) => pad(Math.floor(ms % 1000), 3),
  z: (d) => offset(d, false),
  Z: (d) => {
    const m = /\(([^)]+)\)/.exec(d.toString());
    return m ? m[1] : offset(d, true);
  },
  j: (d) => pad(dayOfYear(d), 3),
  a: (d) => DAYS[d.getDay()].slice(0, 3),
  A: (d) => DAYS[d.getDay()],
  b: (d) => MONTHS[d.getMonth()].slice(0, 3),
  B: (d) => MONTHS[d.getMonth()],
  s: (_d, ms) => String(Math.floor(ms / 1000)),
  F: (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
  T: (d) => `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`,
  "%": () => "%",
};

/**
 * Compiles a strftime format (`%Y %m %d %H %M %S %f %z %j %a %b …`; `%f` is
 * microseconds, `%L` milliseconds) into a function of epoch milliseconds,
 * in local time. Parts that do not change within a second are cached.
 *
 * @param format The format string, e.g. `"%H:%M:%S.%f"`.
 * @returns A formatter.
 *
 * @example
 * ```ts
 * import { compileStrftime } from "@jinpy/logger";
 * const format = compileStrftime("%Y-%m-%d");
 * console.log(format(Date.UTC(2026, 0, 2, 12)));
 * ```
 */
export function compileStrftime(format: string): (ms: number) => string {
  const parts: Part[] = [];
  let literal = "";
  let subSecond = false;
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c === "%" && i + 1 < format.length) {
      const fn = DIRECTIVES[format[i + 1]];
      if (fn) {
        if (literal) parts.push(literal);
        literal = "";
        parts.push(fn);
        if (format[i + 1] === "f" || format[i + 1] === "L") subSecond = true;
        i++;
        continue;
      }
    }
    literal += c;
  }
  if (literal) parts.push(literal);

  const render = (ms: number): string => {
    const d = new Date(ms);
    let out = "";
    for (const p of parts) out += typeof p === "string" ? p : p(d, ms);
    return out;
  };
  if (subSecond) return render;
  let lastSecond = NaN;
  let last = "";
  return (ms: number): string => {
    const second = Math.floor(ms / 1000);
    if (second !== lastSecond) {
      lastSecond = second;
      last = render(ms);
    }
    return last;
  };
}
