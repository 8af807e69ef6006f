/**
 * Request bodies of the REST backend, built from records in the wire shape
 * (one JSON text per record):
 *
 * - `jinpy`: the Python edition's `{"logs":[…],"timestamp","source","count"}`;
 * - `ndjson`: one record per line (ClickHouse `JSONEachRow`, Vector, Fluent Bit);
 * - `loki`: the Loki push API (`/loki/api/v1/push`), one stream per logger and level;
 * - `otlp`: OTLP/HTTP JSON logs (`/v1/logs`), one scope per logger;
 * - `otlp-protobuf`: the same request as OTLP/HTTP protobuf;
 * - `elasticsearch`: the `_bulk` API, a `create` action line before each record.
 */
import type { PayloadFormat } from "./config/config.ts";
import { encodeLogsRequest, type OtlpLogsRequest } from "./otel/otlp_protobuf.ts";
import type { LogRecord } from "./record.ts";

/** Options of a body. */
export interface PayloadOptions {
  /** The body shape. */
  format: PayloadFormat;
  /** Loki stream labels, or OTLP resource attributes. */
  labels?: Record<string, string>;
  /** Elasticsearch index or data stream. */
  index?: string;
  /** The batch's idempotency key; Elasticsearch document ids derive from it. */
  batchKey?: string;
  /** Elasticsearch document ids of the records, when kept from an earlier batch. */
  itemKeys?: readonly string[];
  /** Time of sending, epoch milliseconds (the `jinpy` body's `timestamp`). */
  now?: number;
  /** The application's identity: OTLP resource, Loki labels, fields of NDJSON and Elasticsearch documents. */
  service?: ServiceIdentity;
}

/** The logger's `appName`, `environment` and `version`. */
export interface ServiceIdentity {
  appName?: string;
  environment?: string;
  version?: string;
}

/** `,"app_name":…,"environment":…,"version":…` for the keys that are set (the Python edition's names). */
function serviceFields(service: ServiceIdentity | undefined): string {
  if (service === undefined) return "";
  let out = "";
  if (service.appName !== undefined) out += ',"app_name":' + JSON.stringify(service.appName);
  if (service.environment !== undefined) out += ',"environment":' + JSON.stringify(service.environment);
  if (service.version !== undefined) out += ',"version":' + JSON.stringify(service.version);
  return out;
}

/** A record's JSON text with the service fields added at its end. */
function withService(line: string, fields: string): string {
  return fields === "" || !line.endsWith("}") ? line : line.slice(0, -1) + fields + "}";
}

/** A body and its content type. */
export interface Payload {
  body: string | Uint8Array<ArrayBuffer>;
  contentType: string;
}

/** Library name and version, the OTLP instrumentation scope's attributes. */
export const LIBRARY_NAME = "@jinpy/logger";
const LIBRARY_VERSION = "0.1.0";

/**
 * Builds the request body of a batch.
 *
 * @param lines Records as JSON texts, oldest first.
 * @param options The format and its settings.
 */
export function buildPayload(lines: readonly string[], options: PayloadOptions): Payload {
  switch (options.format) {
    case "ndjson": {
      const fields = serviceFields(options.service);
      const body = lines.length === 0 ? "" : lines.map((l) => withService(l, fields)).join("\n") + "\n";
      return { body, contentType: "application/x-ndjson" };
    }
    case "loki":
      return {
        body: JSON.stringify(lokiBody(lines.map(parseRecord), options.labels ?? {}, options.service)),
        contentType: "application/json",
      };
    case "otlp":
      return {
        body: JSON.stringify(otlpBody(lines.map(parseRecord), options.labels ?? {}, options.service)),
        contentType: "application/json",
      };
    case "otlp-protobuf":
      return {
        body: encodeLogsRequest(
          otlpBody(lines.map(parseRecord), options.labels ?? {}, options.service) as OtlpLogsRequest,
        ),
        contentType: "application/x-protobuf",
      };
    case "elasticsearch":
      return {
        body: bulkBody(lines, options.index ?? "logs", options.batchKey, options.itemKeys, options.service),
        contentType: "application/x-ndjson",
      };
    default:
      return { body: jinpyBody(lines, options), contentType: "application/json" };
  }
}

/**
 * The body of records held as NDJSON bytes (each record followed by a
 * newline), built without splitting them into lines, for the formats that
 * allow it: `ndjson` without service fields, and `jinpy`. Undefined for the
 * others, which are built from the lines by `buildPayload`.
 */
export function buildPayloadFromNdjson(
  ndjson: Uint8Array<ArrayBuffer>,
  count: number,
  options: PayloadOptions,
): Payload | undefined {
  if (count === 0) return undefined;
  if (options.format === "ndjson") {
    return serviceFields(options.service) === "" ? { body: ndjson, contentType: "application/x-ndjson" } : undefined;
  }
  if (options.format !== "jinpy") return undefined;
  const records = ndjson.length - 1;
  const head = encoder.encode('{"logs":[');
  const tail = encoder.encode(
    jinpyTail(sourceOf(decoder.decode(ndjson.subarray(0, ndjson.indexOf(10)))), count, options),
  );
  const body = new Uint8Array(head.length + records + tail.length);
  body.set(head);
  body.set(ndjson.subarray(0, records), head.length);
  // The newlines between records become the array's commas.
  for (let i = body.indexOf(10, head.length); i !== -1; i = body.indexOf(10, i + 1)) body[i] = 44;
  body.set(tail, head.length + records);
  return { body, contentType: "application/json" };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The `source` of a `jinpy` body: the first record's logger name. */
function sourceOf(first: string | undefined): string {
  if (first === undefined) return "";
  try {
    return String(JSON.parse(first).logger_name ?? "");
  } catch {
    // Leave the source empty for a malformed spooled line.
    return "";
  }
}

function jinpyTail(source: string, count: number, options: PayloadOptions): string {
  return '],"timestamp":"' + new Date(options.now ?? Date.now()).toISOString() + '","source":' +
    JSON.stringify(source) + ',"count":' + count + "}";
}

function jinpyBody(lines: readonly string[], options: PayloadOptions): string {
  return '{"logs":[' + lines.join(",") + jinpyTail(sourceOf(lines[0]), lines.length, options);
}

/** A record from its JSON text; a line that is not a record becomes its message. */
function parseRecord(line: string): LogRecord {
  try {
    const r = JSON.parse(line);
    if (r !== null && typeof r === "object" && !Array.isArray(r)) {
      const record: LogRecord = {
        timestamp: typeof r.timestamp === "string" ? r.timestamp : new Date().toISOString(),
        level: typeof r.level === "string" ? r.level : "info",
        message: typeof r.message === "string" ? r.message : JSON.stringify(r.message ?? ""),
        logger_name: typeof r.logger_name === "string" ? r.logger_name : "",
        correlation_id: typeof r.correlation_id === "string" ? r.correlation_id : null,
        context: r.context !== null && typeof r.context === "object" ? r.context : {},
        module: typeof r.module === "string" ? r.module : null,
        function: typeof r.function === "string" ? r.function : null,
        line_number: typeof r.line_number === "number" ? r.line_number : null,
      };
      if (typeof r.trace_id === "string" && typeof r.span_id === "string") {
        record.trace_id = r.trace_id;
        record.span_id = r.span_id;
      }
      return record;
    }
  } catch {
    // Fall through: not JSON.
  }
  return {
    timestamp: new Date().toISOString(),
    level: "info",
    message: line,
    logger_name: "",
    correlation_id: null,
    context: {},
    module: null,
    function: null,
    line_number: null,
  };
}

const ISO = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?$/i;

/**
 * Nanoseconds since the epoch of an ISO 8601 time, as a decimal string
 * (exact to the digits given; the value exceeds 2^53).
 */
export function isoToUnixNano(iso: string): string {
  const m = ISO.exec(iso.trim());
  const ms = m ? Date.parse(m[1] + (m[3] ?? "Z")) : NaN;
  if (!m || Number.isNaN(ms)) return String(Date.now()) + "000000";
  const seconds = Math.floor(ms / 1000);
  const fraction = (m[2] ?? "").slice(0, 9).padEnd(9, "0");
  return seconds === 0 ? String(Number(fraction)) : String(seconds) + fraction;
}

function lokiLabelName(name: string): string {
  const clean = name.replace(/[^a-zA-Z0-9_]/g, "_");
  return /^[0-9]/.test(clean) ? "_" + clean : clean;
}

function lokiBody(records: LogRecord[], labels: Record<string, string>, service: ServiceIdentity | undefined) {
  const base: Record<string, string> = {};
  if (service?.appName !== undefined) base.app = service.appName;
  if (service?.environment !== undefined) base.env = service.environment;
  for (const k of Object.keys(labels)) base[lokiLabelName(k)] = labels[k];
  const streams = new Map<string, { stream: Record<string, string>; values: [string, string][] }>();
  for (const r of records) {
    const id = r.logger_name + "\u0000" + r.level;
    let s = streams.get(id);
    if (s === undefined) {
      s = { stream: { ...base, logger: r.logger_name, level: r.level }, values: [] };
      streams.set(id, s);
    }
    s.values.push([isoToUnixNano(r.timestamp), JSON.stringify(r)]);
  }
  return { streams: [...streams.values()] };
}

/** OTLP severity numbers (logs data model): TRACE 1, DEBUG 5, INFO 9, WARN 13, ERROR 17, FATAL 21. */
const SEVERITY: Record<string, number> = {
  trace: 1,
  debug: 5,
  info: 9,
  warning: 13,
  warn: 13,
  error: 17,
  critical: 21,
  fatal: 21,
};

function severityOf(level: string): { number: number; text: string } {
  // A level the table does not know is "unspecified" (0) in OTLP terms.
  return { number: SEVERITY[level.toLowerCase()] ?? 0, text: level.toUpperCase() };
}

/** An OTLP AnyValue. */
type AnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { arrayValue: { values: AnyValue[] } }
  | { kvlistValue: { values: KeyValue[] } }
  | Record<string, never>;
interface KeyValue {
  key: string;
  value: AnyValue;
}

function anyValue(v: unknown, depth = 0): AnyValue {
  if (v === null || v === undefined) return {};
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  if (typeof v === "number") return Number.isSafeInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  if (depth > 16) return { stringValue: JSON.stringify(v) ?? "" };
  if (Array.isArray(v)) return { arrayValue: { values: v.map((x) => anyValue(x, depth + 1)) } };
  if (typeof v === "object") return { kvlistValue: { values: keyValues(v as Record<string, unknown>, depth + 1) } };
  return { stringValue: String(v) };
}

function keyValues(o: Record<string, unknown>, depth = 0): KeyValue[] {
  return Object.keys(o).map((key) => ({ key, value: anyValue(o[key], depth) }));
}

function otlpBody(records: LogRecord[], labels: Record<string, string>, service: ServiceIdentity | undefined) {
  // The resource names the application, the same for every batch; loggers are scopes.
  const resource: Record<string, unknown> = { "service.name": service?.appName ?? "unknown_service" };
  if (service?.environment !== undefined) resource["deployment.environment.name"] = service.environment;
  if (service?.version !== undefined) resource["service.version"] = service.version;
  Object.assign(resource, labels);
  const observed = String(Date.now()) + "000000";
  const scopes = new Map<string, { scope: { name: string; version: string }; logRecords: unknown[] }>();
  for (const r of records) {
    let s = scopes.get(r.logger_name);
    if (s === undefined) {
      s = { scope: { name: r.logger_name || LIBRARY_NAME, version: LIBRARY_VERSION }, logRecords: [] };
      scopes.set(r.logger_name, s);
    }
    const attributes = keyValues(r.context);
    if (r.correlation_id !== null) attributes.push({ key: "correlation_id", value: { stringValue: r.correlation_id } });
    if (r.module !== null) attributes.push({ key: "code.file.path", value: { stringValue: r.module } });
    if (r.function !== null) attributes.push({ key: "code.function.name", value: { stringValue: r.function } });
    if (r.line_number !== null) {
      attributes.push({ key: "code.line.number", value: { intValue: String(r.line_number) } });
    }
    const severity = severityOf(r.level);
    const logRecord: Record<string, unknown> = {
      timeUnixNano: isoToUnixNano(r.timestamp),
      observedTimeUnixNano: observed,
      severityNumber: severity.number,
      severityText: severity.text,
      body: { stringValue: r.message },
      attributes,
    };
    if (r.trace_id !== undefined && r.span_id !== undefined) {
      logRecord.traceId = r.trace_id;
      logRecord.spanId = r.span_id;
    }
    s.logRecords.push(logRecord);
  }
  return {
    resourceLogs: [{
      resource: { attributes: keyValues(resource) },
      scopeLogs: [...scopes.values()],
    }],
  };
}

function bulkBody(
  lines: readonly string[],
  index: string,
  batchKey: string | undefined,
  itemKeys: readonly string[] | undefined,
  service: ServiceIdentity | undefined,
): string {
  const fields = serviceFields(service);
  let out = "";
  for (let i = 0; i < lines.length; i++) {
    const r = parseRecord(lines[i]);
    const action: Record<string, string> = { _index: index };
    const id = itemKeys?.[i] ?? (batchKey !== undefined ? `${batchKey}-${i}` : undefined);
    if (id !== undefined) action._id = id;
    out += JSON.stringify({ create: action }) + "\n" +
      withService(JSON.stringify({ "@timestamp": r.timestamp, ...r }), fields) + "\n";
  }
  return out;
}
