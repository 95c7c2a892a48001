/**
 * gRPC request message → the JSON body Qdrant's REST API takes for the same request, walked over the message's
 * descriptor. Qdrant's two schemas share field names (proto names are REST's snake_case keys), so most messages map
 * field by field; the types whose REST shape differs are converted by name in SPECIAL below (point ids, payload
 * values, vectors, selectors, filter conditions, matches, query variants, enums).
 *
 * Invariants: only fields the client set are emitted (proto3 presence: optional and message fields when present,
 * implicit scalars when not zero, lists and maps when not empty), so REST's defaults apply exactly as for a JSON
 * body that leaves the key out; nothing is validated here: the REST route validates the result, so both doors refuse
 * the same input with the same message. 64-bit integers stay bigints (written as number literals by toJsonText).
 * The exception is what only protobuf can express: a condition or match with no variant set is refused here with
 * Qdrant's own gRPC message (its grpc/conversions.rs), since REST has no twin for an empty oneof.
 */
import type { DescEnum, DescField, DescMessage } from '@bufbuild/protobuf';
import { HttpError } from '../errors.js';
import { shortestFloat32 } from '../float32-print.js';

export type Json = null | boolean | number | bigint | string | Json[] | { [key: string]: Json };
type Msg = Record<string, unknown>;
type Oneof = { case: string | undefined; value?: unknown };

/** Every field the client set, as `[field, value]`, oneof members included. */
function setFields(desc: DescMessage, msg: Msg): Array<[DescField, unknown]> {
  const out: Array<[DescField, unknown]> = [];
  for (const member of desc.members) {
    if (member.kind === 'oneof') {
      const o = msg[member.localName] as Oneof | undefined;
      if (o?.case === undefined) continue;
      const field = member.fields.find((f) => f.localName === o.case);
      if (field) out.push([field, o.value]);
      continue;
    }
    const v = msg[member.localName];
    if (isSet(member, v)) out.push([member, v]);
  }
  return out;
}

function isSet(field: DescField, v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (field.fieldKind === 'list') return (v as unknown[]).length > 0;
  if (field.fieldKind === 'map') return Object.keys(v as object).length > 0;
  if (field.fieldKind === 'message' || field.proto.proto3Optional) return true;
  // An implicit enum's zero is a real value when it is not Qdrant's `Unknown…` placeholder: MultiVectorConfig's
  // `comparator` (MaxSim = 0) and ProductQuantization's `compression` (x4 = 0) are required in REST.
  if (field.fieldKind === 'enum' && v === 0) return !field.enum.values[0]?.name.startsWith('Unknown');
  return v !== 0 && v !== 0n && v !== '' && v !== false && !(v instanceof Uint8Array && v.length === 0);
}

/**
 * A REST enum value for a proto enum value: Qdrant names most enum values as REST's in CamelCase (`Cosine`, `Green`,
 * `BestScore`, `Int8`), some with the enum's name as a prefix (`FieldTypeKeyword`). Distance keeps its case in REST;
 * every other enum is snake_case there.
 */
export function enumToRest(desc: DescEnum, n: number): string {
  const value = desc.values.find((v) => v.number === n);
  if (!value) return String(n);
  const name = value.name.startsWith(desc.name) ? value.name.slice(desc.name.length) : value.name;
  if (desc.typeName === 'qdrant.Distance') return name;
  if (/^[A-Z0-9]+$/.test(name)) return name.toLowerCase(); // RRF, DBSF
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/** proto `float` (ScalarType.FLOAT): the float32 as its shortest decimal, so `0.99` is REST's `0.99` again. */
const FLOAT = 2;

function fieldValue(field: DescField, v: unknown): Json {
  if ((field as { scalar?: number }).scalar === FLOAT) {
    return Array.isArray(v) ? (v as number[]).map(shortestFloat32) : shortestFloat32(v as number);
  }
  switch (field.fieldKind) {
    case 'scalar':
      return scalar(v);
    case 'enum':
      return enumToRest(field.enum, v as number);
    case 'message':
      return messageToRest(field.message, v as Msg);
    case 'list':
      return (v as unknown[]).map((x) =>
        field.listKind === 'message'
          ? messageToRest(field.message, x as Msg)
          : field.listKind === 'enum'
            ? enumToRest(field.enum, x as number)
            : scalar(x),
      );
    case 'map': {
      const out: Record<string, Json> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        out[k] =
          field.mapKind === 'message'
            ? messageToRest(field.message, x as Msg)
            : field.mapKind === 'enum'
              ? enumToRest(field.enum, x as number)
              : scalar(x);
      }
      return out;
    }
  }
}

function scalar(v: unknown): Json {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return v as Json;
}

/** The message field by field; `skip` names proto fields that travel elsewhere (path, query string). */
export function messageToRest(desc: DescMessage, msg: Msg, skip: ReadonlySet<string> = NONE): Json {
  const special = SPECIAL[desc.typeName];
  if (special) return special(msg, desc);
  const out: Record<string, Json> = {};
  for (const [field, v] of setFields(desc, msg)) {
    if (skip.has(field.name)) continue;
    out[RENAMED[field.name] ?? field.name] = fieldValue(field, v);
  }
  return out;
}

const NONE: ReadonlySet<string> = new Set();
/**
 * gRPC's plural `with_vectors` / `vectors` are REST's `with_vector` / `vector` (search, scroll, get, points); a
 * collection's `vectors_config` / `sparse_vectors_config` are REST's `vectors` / `sparse_vectors`.
 */
const RENAMED: Record<string, string> = {
  with_vectors: 'with_vector',
  vectors: 'vector',
  vectors_config: 'vectors',
  sparse_vectors_config: 'sparse_vectors',
};

/** The single set member of a oneof-only message, converted. */
function only(desc: DescMessage, msg: Msg): [string, Json] | undefined {
  const [entry] = setFields(desc, msg);
  return entry ? [entry[0].localName, fieldValue(entry[0], entry[1])] : undefined;
}

const sub = (desc: DescMessage, name: string): DescMessage => {
  const f = desc.fields.find((x) => x.localName === name);
  if (!f?.message) throw new Error(`${desc.typeName}.${name} is not a message field`);
  return f.message;
};

function valueToJson(msg: Msg): Json {
  const kind = msg.kind as Oneof;
  switch (kind.case) {
    case 'doubleValue':
    case 'integerValue':
    case 'stringValue':
    case 'boolValue':
      return kind.value as Json;
    case 'structValue':
      return structToJson(kind.value as Msg);
    case 'listValue':
      return ((kind.value as Msg).values as Msg[]).map(valueToJson);
    default:
      return null;
  }
}

function structToJson(msg: Msg): Json {
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(msg.fields as Record<string, Msg>)) out[k] = valueToJson(v);
  return out;
}

const pointId = (msg: Msg): Json => ((msg.pointIdOptions as Oneof).value as Json) ?? null;

/** A `qdrant.Vector` (or VectorOutput-like): the oneof variant first, else the deprecated `data` + `indices`. */
function vectorToJson(msg: Msg, desc: DescMessage): Json {
  const variant = msg.vector as Oneof | undefined;
  if (variant?.case === 'dense') return ((variant.value as Msg).data as number[]) ?? [];
  if (variant?.case === 'sparse') {
    const s = variant.value as Msg;
    return { indices: s.indices as number[], values: s.values as number[] };
  }
  if (variant?.case === 'multiDense') {
    return ((variant.value as Msg).vectors as Msg[]).map((d) => d.data as number[]);
  }
  if (variant?.case !== undefined) return messageToRest(sub(desc, variant.case), variant.value as Msg);
  const indices = msg.indices as Msg | undefined;
  const count = msg.vectorsCount as number | undefined;
  if (indices && count !== undefined) {
    throw new HttpError(
      400,
      'Validation error in body: [indices: `indices` and `vectors_count` cannot be both specified]',
    );
  }
  if (indices) return { indices: indices.data as number[], values: msg.data as number[] };
  if (count !== undefined) return splitRows(msg.data as number[], count);
  return msg.data as number[];
}

/**
 * The deprecated multivector form: `data` holds `vectors_count` rows back to back. Qdrant's gRPC validation refuses
 * a zero count and an empty `data` (its validate_multi_vector_len); a length that does not split evenly leaves the
 * rows ragged, which the REST route refuses with its own multivector message.
 */
function splitRows(data: number[], count: number): Json {
  if (count === 0) throw new HttpError(400, 'Validation error in body: [data: vectors count must be greater than 0]');
  if (data.length === 0) throw new HttpError(400, 'Validation error in body: [data: multi vector must not be empty]');
  const dim = Math.floor(data.length / count);
  const rows: number[][] = [];
  for (let at = 0; at < data.length; at += Math.max(dim, 1)) rows.push(data.slice(at, at + Math.max(dim, 1)));
  return rows;
}

/** A write's `points_selector` spread beside its other fields, as REST's payload and vector writes take it. */
function flattenSelector(v: Json): Json {
  const { points_selector, ...rest } = v as Record<string, Json>;
  return { ...rest, ...((points_selector as Record<string, Json> | undefined) ?? {}) };
}

/**
 * One operation of UpdateBatch as REST's `{<op>: body}`: gRPC's `delete_points` / `clear_payload` wrap the selector
 * in `points` and the payload and vector writes nest it in `points_selector`, where REST takes it flat; the
 * deprecated variants carry the bare selector.
 */
function updateOperation(m: Msg, d: DescMessage): Json {
  const [entry] = setFields(d, m);
  if (!entry) throw new HttpError(400, 'Malformed PointsUpdateOperation: no operation set');
  const [field, raw] = entry;
  const v = fieldValue(field, raw);
  switch (field.name) {
    case 'delete_deprecated':
      return { delete: v };
    case 'delete_points':
      return { delete: (v as Record<string, Json>).points ?? {} };
    case 'clear_payload_deprecated':
      return { clear_payload: v };
    case 'clear_payload':
      return { clear_payload: (v as Record<string, Json>).points ?? {} };
    case 'set_payload':
    case 'overwrite_payload':
    case 'delete_payload':
    case 'delete_vectors':
      return { [field.name]: flattenSelector(v) };
    default:
      return { [field.name]: v };
  }
}

const SPECIAL: Record<string, (msg: Msg, desc: DescMessage) => Json> = {
  'qdrant.PointId': pointId,
  'qdrant.Value': valueToJson,
  'qdrant.Struct': structToJson,
  'qdrant.ListValue': (m) => (m.values as Msg[]).map(valueToJson),
  'qdrant.Timestamp': (m) => new Date(Number(m.seconds) * 1000 + Math.floor(Number(m.nanos) / 1e6)).toISOString(),
  'qdrant.Vector': vectorToJson,
  'qdrant.DenseVector': (m) => m.data as number[],
  'qdrant.SparseVector': (m) => ({ indices: m.indices as number[], values: m.values as number[] }),
  'qdrant.MultiDenseVector': (m) => (m.vectors as Msg[]).map((d) => d.data as number[]),
  'qdrant.Vectors': (m, d) => only(d, m)?.[1] ?? null,
  'qdrant.NamedVectors': (m, d) => fieldValue(d.fields[0], m.vectors),
  'qdrant.VectorInput': (m, d) => only(d, m)?.[1] ?? null,
  'qdrant.VectorExample': (m, d) => only(d, m)?.[1] ?? null,
  'qdrant.TargetVector': (m, d) => only(d, m)?.[1] ?? null,
  'qdrant.StartFrom': (m, d) => only(d, m)?.[1] ?? null,
  'qdrant.VectorsConfig': (m, d) => only(d, m)?.[1] ?? null,
  'qdrant.VectorsConfigDiff': (m, d) => only(d, m)?.[1] ?? null,
  'qdrant.VectorParamsMap': (m, d) => fieldValue(d.fields[0], m.map),
  'qdrant.VectorParamsDiffMap': (m, d) => fieldValue(d.fields[0], m.map),
  'qdrant.SparseVectorConfig': (m, d) => fieldValue(d.fields[0], m.map),
  'qdrant.MaxOptimizationThreads': (m, d) => only(d, m)?.[1] ?? null,
  'qdrant.QuantizationConfigDiff': (m, d) => {
    const [name, v] = only(d, m) ?? ['', null];
    return name === 'disabled' ? 'Disabled' : { [name]: v };
  },
  'qdrant.WithPayloadSelector': (m) => {
    const s = m.selectorOptions as Oneof;
    if (s.case === 'enable') return s.value as boolean;
    const fields = (s.value as Msg | undefined)?.fields as string[] | undefined;
    if (s.case === 'include') return fields ?? [];
    if (s.case === 'exclude') return { exclude: fields ?? [] };
    return null;
  },
  'qdrant.WithVectorsSelector': (m) => {
    const s = m.selectorOptions as Oneof;
    if (s.case === 'enable') return s.value as boolean;
    if (s.case === 'include') return ((s.value as Msg).names as string[]) ?? [];
    return null;
  },
  'qdrant.PointsSelector': (m, d): Json => {
    const s = m.pointsSelectorOneOf as Oneof;
    if (s.case === 'points') return { points: ((s.value as Msg).ids as Msg[]).map(pointId) };
    if (s.case === 'filter') return { filter: messageToRest(sub(d, 'filter'), s.value as Msg) };
    return {};
  },
  'qdrant.Condition': (m, d): Json => {
    const c = m.conditionOneOf as Oneof;
    const v = c.value as Msg;
    switch (c.case) {
      case 'field':
      case 'filter':
        return messageToRest(sub(d, c.case), v);
      case 'isEmpty':
        return { is_empty: { key: v.key as string } };
      case 'isNull':
        return { is_null: { key: v.key as string } };
      case 'hasId':
        return { has_id: (v.hasId as Msg[]).map(pointId) };
      case 'hasVector':
        return { has_vector: v.hasVector as string };
      case 'nested':
        return { nested: messageToRest(sub(d, 'nested'), v) };
      default:
        throw new HttpError(400, 'Malformed Condition type');
    }
  },
  'qdrant.Match': (m): Json => {
    const c = m.matchValue as Oneof;
    const list = (v: unknown): Json => ((v as Msg).strings ?? (v as Msg).integers) as Json;
    switch (c.case) {
      case 'keyword':
      case 'integer':
      case 'boolean':
        return { value: c.value as Json };
      case 'text':
      case 'phrase':
        return { [c.case]: c.value as string };
      case 'textAny':
        return { text_any: c.value as string };
      case 'keywords':
      case 'integers':
        return { any: list(c.value) };
      case 'exceptKeywords':
      case 'exceptIntegers':
        return { except: list(c.value) };
      default:
        throw new HttpError(400, 'Malformed Match condition');
    }
  },
  'qdrant.ContextInput': (m, d) => fieldValue(d.fields[0], m.pairs),
  'qdrant.Query': (m, d) => {
    const [name, v] = only(d, m) ?? ['', null];
    switch (name) {
      case 'nearest':
        return v;
      case 'nearestWithMmr':
        return v;
      case 'orderBy':
        return { order_by: v };
      case 'relevanceFeedback':
        return { relevance_feedback: v };
      default:
        return { [name]: v };
    }
  },
  // REST's LookupLocation is `{collection, vector}`
  'qdrant.LookupLocation': (m) => ({
    collection: m.collectionName as string,
    ...(m.vectorName !== undefined ? { vector: m.vectorName as string } : {}),
  }),
  // REST's `with_lookup` keeps the plural `with_vectors` (RENAMED must not apply)
  'qdrant.WithLookup': (m, d) => {
    const out: Record<string, Json> = {};
    for (const [field, v] of setFields(d, m)) out[field.name] = fieldValue(field, v);
    return out;
  },
  // DeleteVectors' names: REST's `vector` list
  'qdrant.VectorsSelector': (m) => (m.names as string[]) ?? [],
  'qdrant.PointsUpdateOperation': updateOperation,
  'qdrant.PayloadIndexParams': (m, d) => {
    const [name, v] = only(d, m) ?? ['', {}];
    const type = name.replace(/IndexParams$/, '');
    return { type, ...(v as Record<string, Json>) };
  },
};

/** JSON text for a converted body: bigints as number literals (ids past 2^53 keep every digit). */
export function toJsonText(v: Json): string {
  if (typeof v === 'bigint') return v.toString();
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(toJsonText).join(',')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${JSON.stringify(k)}:${toJsonText(x)}`)
    .join(',')}}`;
}
