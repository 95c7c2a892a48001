/**
 * A REST answer's `result` → the init object of the gRPC response message, walked over the message's descriptor
 * (the reverse of to-rest.ts). REST keys are the proto field names; types whose REST shape differs are converted by
 * name in SPECIAL (point ids, payload values, vectors, orders, facet values, enums, the collection's vector config).
 *
 * Invariants: a REST key without a proto field is dropped (REST answers carry Strata-only fields); `null` is an unset
 * field; 64-bit integer fields get bigints, as protobuf-es requires.
 */
import type { DescEnum, DescField, DescMessage } from '@bufbuild/protobuf';
import { enumToRest } from './to-rest.js';

type Obj = Record<string, unknown>;
type Init = Record<string, unknown>;

const INT64 = new Set([3, 4, 6, 16, 18]); // INT64, UINT64, FIXED64, SFIXED64, SINT64 (ScalarType numbers)

/** The proto enum number for a REST enum value (case and `_` ignored, the enum's own prefix allowed). */
export function enumFromRest(desc: DescEnum, v: unknown): number {
  if (typeof v === 'number') return v;
  const norm = (s: string): string => s.replace(/_/g, '').toLowerCase();
  const want = norm(String(v));
  const hit = desc.values.find((x) => norm(enumToRest(desc, x.number)) === want || norm(x.name) === want);
  return hit?.number ?? 0;
}

function scalarFromRest(field: DescField, v: unknown): unknown {
  const type = (field as { scalar?: number }).scalar;
  if (type !== undefined && INT64.has(type)) return BigInt(Math.trunc(Number(v)));
  return v;
}

function fieldFromRest(field: DescField, v: unknown): unknown {
  switch (field.fieldKind) {
    case 'scalar':
      return scalarFromRest(field, v);
    case 'enum':
      return enumFromRest(field.enum, v);
    case 'message':
      return messageFromRest(field.message, v);
    case 'list':
      return (v as unknown[]).map((x) =>
        field.listKind === 'message'
          ? messageFromRest(field.message, x)
          : field.listKind === 'enum'
            ? enumFromRest(field.enum, x)
            : scalarFromRest(field, x),
      );
    case 'map': {
      const out: Obj = {};
      for (const [k, x] of Object.entries(v as Obj)) {
        out[k] =
          field.mapKind === 'message'
            ? messageFromRest(field.message, x)
            : field.mapKind === 'enum'
              ? enumFromRest(field.enum, x)
              : scalarFromRest(field, x);
      }
      return out;
    }
  }
}

/** REST value → init of `desc`, field by field (by proto name), or by SPECIAL when REST's shape differs. */
export function messageFromRest(desc: DescMessage, v: unknown): Init {
  const special = SPECIAL[desc.typeName];
  if (special) return special(v, desc);
  const out: Init = {};
  if (v === null || typeof v !== 'object') return out;
  for (const [key, x] of Object.entries(v as Obj)) {
    if (x === null || x === undefined) continue;
    const field = desc.fields.find((f) => f.name === (RENAMED[key] ?? key));
    if (!field) continue;
    const value = fieldFromRest(field, x);
    if (field.oneof) out[field.oneof.localName] = { case: field.localName, value };
    else out[field.localName] = value;
  }
  return out;
}

/** REST's singular `vector` is gRPC's `vectors` in points; a collection's `vectors` is its `vectors_config`. */
const RENAMED: Record<string, string> = {
  vector: 'vectors',
  vectors: 'vectors_config',
  sparse_vectors: 'sparse_vectors_config',
};

export function pointIdFromRest(v: unknown): Init {
  return typeof v === 'string'
    ? { pointIdOptions: { case: 'uuid', value: v } }
    : { pointIdOptions: { case: 'num', value: BigInt(v as number) } };
}

export function valueFromRest(v: unknown): Init {
  if (v === null || v === undefined) return { kind: { case: 'nullValue', value: 0 } };
  if (typeof v === 'boolean') return { kind: { case: 'boolValue', value: v } };
  if (typeof v === 'string') return { kind: { case: 'stringValue', value: v } };
  if (typeof v === 'number') {
    return Number.isInteger(v) && Number.isSafeInteger(v)
      ? { kind: { case: 'integerValue', value: BigInt(v) } }
      : { kind: { case: 'doubleValue', value: v } };
  }
  if (Array.isArray(v)) return { kind: { case: 'listValue', value: { values: v.map(valueFromRest) } } };
  return { kind: { case: 'structValue', value: structFromRest(v) } };
}

function structFromRest(v: unknown): Init {
  const fields: Obj = {};
  for (const [k, x] of Object.entries(v as Obj)) fields[k] = valueFromRest(x);
  return { fields };
}

/** A REST vector (dense array, sparse object, or multi-dense array of arrays) as a VectorOutput. */
function vectorOutputFromRest(v: unknown): Init {
  if (Array.isArray(v) && Array.isArray(v[0])) {
    return { vector: { case: 'multiDense', value: { vectors: (v as number[][]).map((data) => ({ data })) } } };
  }
  if (Array.isArray(v)) return { vector: { case: 'dense', value: { data: v } } };
  const s = v as { indices: number[]; values: number[] };
  return { vector: { case: 'sparse', value: { indices: s.indices, values: s.values } } };
}

function vectorsOutputFromRest(v: unknown): Init {
  if (Array.isArray(v)) return { vectorsOptions: { case: 'vector', value: vectorOutputFromRest(v) } };
  const named: Obj = {};
  for (const [name, x] of Object.entries(v as Obj)) named[name] = vectorOutputFromRest(x);
  return { vectorsOptions: { case: 'vectors', value: { vectors: named } } };
}

function timestampFromRest(v: unknown): Init {
  const text = String(v);
  const ms = Date.parse(/[zZ]$|[+-]\d\d:\d\d$/.test(text) ? text : `${text}Z`);
  return { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
}

const SPECIAL: Record<string, (v: unknown, desc: DescMessage) => Init> = {
  'qdrant.OptimizerStatus': (v) =>
    v === 'ok' ? { ok: true } : { ok: false, error: String((v as { error?: unknown } | null)?.error ?? v) },
  'qdrant.PointId': pointIdFromRest,
  'qdrant.Value': valueFromRest,
  'qdrant.Struct': structFromRest,
  'qdrant.VectorsOutput': vectorsOutputFromRest,
  // REST's snapshot `creation_time` is ISO 8601 without a zone, in UTC (Qdrant's NaiveDateTime)
  'google.protobuf.Timestamp': timestampFromRest,
  'qdrant.Timestamp': timestampFromRest,
  // Qdrant's group ids: a non-negative integer is `unsigned_value`, a negative one `integer_value`
  'qdrant.GroupId': (v) =>
    typeof v === 'string'
      ? { kind: { case: 'stringValue', value: v } }
      : { kind: { case: Number(v) < 0 ? 'integerValue' : 'unsignedValue', value: BigInt(v as number) } },
  'qdrant.OrderValue': (v) =>
    Number.isInteger(v)
      ? { variant: { case: 'int', value: BigInt(v as number) } }
      : { variant: { case: 'float', value: v } },
  'qdrant.FacetValue': (v) =>
    typeof v === 'string'
      ? { variant: { case: 'stringValue', value: v } }
      : typeof v === 'boolean'
        ? { variant: { case: 'boolValue', value: v } }
        : { variant: { case: 'integerValue', value: BigInt(v as number) } },
  'qdrant.VectorsConfig': (v, d) => {
    const o = v as Obj;
    if (typeof o.size === 'number') {
      return { config: { case: 'params', value: messageFromRest(fieldOf(d, 'params'), v) } };
    }
    return { config: { case: 'paramsMap', value: { map: mapOf(fieldOf(d, 'params'), o) } } };
  },
  'qdrant.SparseVectorConfig': (v, d) => ({ map: mapOf(d.fields[0].message as DescMessage, v as Obj) }),
  'qdrant.MaxOptimizationThreads': (v) =>
    typeof v === 'number'
      ? { variant: { case: 'value', value: BigInt(v) } }
      : { variant: { case: 'setting', value: 1 } },
  'qdrant.PayloadSchemaInfo': (v, d) => {
    const o = v as { data_type?: string; params?: Obj; points?: number };
    const info: Init = { dataType: enumFromRest(d.fields[0].enum as DescEnum, o.data_type) };
    if (o.points !== undefined) info.points = BigInt(o.points);
    if (o.params && typeof o.params.type === 'string') {
      const params = fieldOf(d, 'params');
      const member = params.fields.find((f) => f.localName === `${o.params?.type}IndexParams`);
      if (member?.message) {
        const { type: _type, ...rest } = o.params;
        info.params = { indexParams: { case: member.localName, value: messageFromRest(member.message, rest) } };
      }
    }
    return info;
  },
};

function fieldOf(desc: DescMessage, localName: string): DescMessage {
  const f = desc.fields.find((x) => x.localName === localName);
  if (!f?.message) throw new Error(`${desc.typeName}.${localName} is not a message field`);
  return f.message;
}

function mapOf(desc: DescMessage, o: Obj): Obj {
  const out: Obj = {};
  for (const [k, x] of Object.entries(o)) out[k] = messageFromRest(desc, x);
  return out;
}
