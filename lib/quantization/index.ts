/** Quantization codecs (scalar int8, binary) behind one dispatch seam (codes.ts), and their binary layouts. */
export {
  allocateSet,
  CODE_MAX,
  codeDot,
  codeL1,
  codeMultiplier,
  encodeAll,
  encodeQuery,
  encodeValue,
  Int8Scorer,
  quantize,
  strideFor,
  trainScalar,
} from './scalar-int8.js';
export type { QuantizedQuery, QuantizedSet, ScalarParams, TrainOptions } from './scalar-int8.js';
export {
  deserializeQuantized,
  QUANTIZED_HEADER_BYTES,
  QUANTIZED_MAGIC,
  QUANTIZED_VERSION,
  quantizedByteLength,
  serializeQuantized,
} from './format.js';
export { BinaryScorer, encodeBinary, popcount32, trainBinary } from './binary.js';
export type { BinaryParams, BinarySet } from './binary.js';
export { BINARY_MAGIC, deserializeBinary, serializeBinary } from './binary-format.js';
export {
  codeCount,
  codeDim,
  codeMemoryBytes,
  codeMeta,
  codeScorer,
  codesKey,
  codesKeyOfMeta,
  deserializeCodes,
  encodeCodes,
  int8Set,
  kindOf,
  serializeCodes,
  supportedKinds,
} from './codes.js';
export type { CodeKind, CodeScorer, CodeSet, Codec } from './codes.js';
