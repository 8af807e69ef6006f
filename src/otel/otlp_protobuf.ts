/**
 * OTLP/HTTP protobuf bodies (`Content-Type: application/x-protobuf`, the
 * collector's default): an `ExportLogsServiceRequest` of
 * `opentelemetry/proto/collector/logs/v1/logs_service.proto`, written from the
 * OTLP JSON mapping of the same request, so both formats carry the same data.
 *
 * Field numbers, from `logs.proto`, `common.proto` and `resource.proto`:
 * - ExportLogsServiceRequest: resource_logs 1
 * - ResourceLogs: resource 1, scope_logs 2, schema_url 3
 * - Resource: attributes 1, dropped_attributes_count 2
 * - ScopeLogs: scope 1, log_records 2, schema_url 3
 * - InstrumentationScope: name 1, version 2, attributes 3, dropped_attributes_count 4
 * - LogRecord: time_unix_nano 1 (fixed64), severity_number 2, severity_text 3, body 5,
 *   attributes 6, dropped_attributes_count 7, flags 8 (fixed32), trace_id 9 (bytes),
 *   span_id 10 (bytes), observed_time_unix_nano 11 (fixed64), event_name 12
 * - AnyValue (oneof): string_value 1, bool_value 2, int_value 3 (int64), double_value 4,
 *   array_value 5, kvlist_value 6, bytes_value 7
 * - ArrayValue / KeyValueList: values 1; KeyValue: key 1, value 2
 */

/** An OTLP AnyValue in the JSON mapping. */
export interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  /** Decimal text (int64 exceeds 2^53). */
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
  /** Base64 text. */
  bytesValue?: string;
}

/** An OTLP KeyValue in the JSON mapping. */
export interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}

/** An OTLP LogRecord in the JSON mapping. */
export interface OtlpLogRecord {
  /** Nanoseconds since the epoch, decimal text. */
  timeUnixNano?: string;
  /** Nanoseconds since the epoch, decimal text. */
  observedTimeUnixNano?: string;
  severityNumber?: number;
  severityText?: string;
  body?: OtlpAnyValue;
  attributes?: OtlpKeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
  /** 32 hex digits. */
  traceId?: string;
  /** 16 hex digits. */
  spanId?: string;
  eventName?: string;
}

/** An OTLP `ExportLogsServiceRequest` in the JSON mapping. */
export interface OtlpLogsRequest {
  resourceLogs: {
    resource?: { attributes?: OtlpKeyValue[]; droppedAttributesCount?: number };
    scopeLogs?: {
      scope?: { name?: string; version?: string; attributes?: OtlpKeyValue[]; droppedAttributesCount?: number };
      logRecords?: OtlpLogRecord[];
      schemaUrl?: string;
    }[];
    schemaUrl?: string;
  }[];
}

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

const utf8 = new TextEncoder();

/** An append-only protobuf byte buffer. */
class Writer {
  buf: Uint8Array<ArrayBuffer> = new Uint8Array(256);
  view: DataView = new DataView(this.buf.buffer);
  len = 0;

  #room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  varint(n: number): void {
    this.#room(10);
    while (n > 0x7f) {
      this.buf[this.len++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.len++] = n;
  }

  bigVarint(n: bigint): void {
    let v = BigInt.asUintN(64, n);
    this.#room(10);
    while (v > 0x7fn) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  fixed64(field: number, v: bigint): void {
    this.tag(field, I64);
    this.#room(8);
    this.view.setBigUint64(this.len, BigInt.asUintN(64, v), true);
    this.len += 8;
  }

  fixed32(field: number, v: number): void {
    this.tag(field, I32);
    this.#room(4);
    this.view.setUint32(this.len, v >>> 0, true);
    this.len += 4;
  }

  double(field: number, v: number): void {
    this.tag(field, I64);
    this.#room(8);
    this.view.setFloat64(this.len, v, true);
    this.len += 8;
  }

  string(field: number, s: string): void {
    this.tag(field, LEN);
    // At most 3 bytes per UTF-16 unit.
    const max = s.length * 3;
    this.#room(max + 5);
    if (max < 128) {
      const at = this.len + 1;
      const { written } = utf8.encodeInto(s, this.buf.subarray(at));
      this.buf[this.len] = written;
      this.len = at + written;
      return;
    }
    this.bytes(utf8.encode(s));
  }

  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.#room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** A length-delimited sub-message written by `fn`. */
  message(field: number, fn: (w: Writer) => void): void {
    this.tag(field, LEN);
    const sub = new Writer();
    fn(sub);
    this.bytes(sub.buf.subarray(0, sub.len));
  }

  finish(): Uint8Array<ArrayBuffer> {
    return this.buf.slice(0, this.len);
  }
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

function base64Bytes(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function toBigInt(v: string | number | undefined): bigint {
  try {
    return typeof v === "number" ? BigInt(Math.trunc(v)) : BigInt(v ?? 0);
  } catch {
    return 0n;
  }
}

function anyValue(w: Writer, v: OtlpAnyValue): void {
  if (v.stringValue !== undefined) w.string(1, v.stringValue);
  else if (v.boolValue !== undefined) {
    w.tag(2, VARINT);
    w.varint(v.boolValue ? 1 : 0);
  } else if (v.intValue !== undefined) {
    w.tag(3, VARINT);
    w.bigVarint(toBigInt(v.intValue));
  } else if (v.doubleValue !== undefined) w.double(4, v.doubleValue);
  else if (v.arrayValue !== undefined) {
    const values = v.arrayValue.values ?? [];
    w.message(5, (a) => {
      for (const x of values) a.message(1, (e) => anyValue(e, x));
    });
  } else if (v.kvlistValue !== undefined) {
    const values = v.kvlistValue.values ?? [];
    w.message(6, (l) => keyValues(l, 1, values));
  } else if (v.bytesValue !== undefined) {
    w.tag(7, LEN);
    w.bytes(base64Bytes(v.bytesValue));
  }
}

function keyValues(w: Writer, field: number, list: readonly OtlpKeyValue[] | undefined): void {
  if (list === undefined) return;
  for (const kv of list) {
    w.message(field, (k) => {
      if (kv.key !== "") k.string(1, kv.key);
      const value = kv.value;
      if (value !== undefined) k.message(2, (a) => anyValue(a, value));
    });
  }
}

function uint(w: Writer, field: number, n: number | undefined): void {
  if (n === undefined || n === 0) return;
  w.tag(field, VARINT);
  w.varint(n);
}

function str(w: Writer, field: number, s: string | undefined): void {
  if (s !== undefined && s !== "") w.string(field, s);
}

function logRecord(w: Writer, r: OtlpLogRecord): void {
  const time = toBigInt(r.timeUnixNano);
  if (time !== 0n) w.fixed64(1, time);
  uint(w, 2, r.severityNumber);
  str(w, 3, r.severityText);
  const body = r.body;
  if (body !== undefined) w.message(5, (b) => anyValue(b, body));
  keyValues(w, 6, r.attributes);
  uint(w, 7, r.droppedAttributesCount);
  if (r.flags !== undefined && r.flags !== 0) w.fixed32(8, r.flags);
  if (r.traceId !== undefined && r.traceId !== "") {
    w.tag(9, LEN);
    w.bytes(hexBytes(r.traceId));
  }
  if (r.spanId !== undefined && r.spanId !== "") {
    w.tag(10, LEN);
    w.bytes(hexBytes(r.spanId));
  }
  const observed = toBigInt(r.observedTimeUnixNano);
  if (observed !== 0n) w.fixed64(11, observed);
  str(w, 12, r.eventName);
}

/**
 * Encodes an OTLP logs export request, given in the OTLP JSON mapping, as
 * protobuf.
 *
 * @param request The request in the JSON mapping (`{ resourceLogs: [...] }`).
 * @returns The protobuf bytes.
 */
export function encodeLogsRequest(request: OtlpLogsRequest): Uint8Array<ArrayBuffer> {
  const w = new Writer();
  for (const rl of request.resourceLogs) {
    w.message(1, (r) => {
      const resource = rl.resource;
      if (resource !== undefined) {
        r.message(1, (res) => {
          keyValues(res, 1, resource.attributes);
          uint(res, 2, resource.droppedAttributesCount);
        });
      }
      for (const sl of rl.scopeLogs ?? []) {
        r.message(2, (s) => {
          const scope = sl.scope;
          if (scope !== undefined) {
            s.message(1, (sc) => {
              str(sc, 1, scope.name);
              str(sc, 2, scope.version);
              keyValues(sc, 3, scope.attributes);
              uint(sc, 4, scope.droppedAttributesCount);
            });
          }
          for (const lr of sl.logRecords ?? []) s.message(2, (l) => logRecord(l, lr));
          str(s, 3, sl.schemaUrl);
        });
      }
      str(r, 3, rl.schemaUrl);
    });
  }
  return w.finish();
}
