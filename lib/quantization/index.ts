/** Quantization codecs (scalar int8, binary, product, TurboQuant) behind one dispatch seam (codes.ts), and their layouts. */
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
export { BinaryScorer, binaryPairSimilarity, encodeBinary, popcount32, trainBinary } from './binary.js';
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
export {
  chunkCount,
  chunkSizeFor,
  decodeProduct,
  encodeProduct,
  PQ_CENTROIDS,
  PQ_KMEANS_ACCURACY,
  PQ_KMEANS_ITERATIONS,
  PQ_KMEANS_SAMPLE,
  PRODUCT_COMPRESSIONS,
  ProductScorer,
  productLookupTable,
  quantizeProduct,
  trainProduct,
} from './product.js';
export type { ProductCompression, ProductParams, ProductSet, ProductTrainOptions } from './product.js';
export {
  deserializeProduct,
  PRODUCT_HEADER_BYTES,
  PRODUCT_MAGIC,
  PRODUCT_VERSION,
  productByteLength,
  serializeProduct,
} from './product-format.js';
export {
  decodeTurbo,
  decodeTurboInto,
  encodeTurbo,
  encodeTurboQuery,
  paddedDimFor,
  quantizeTurbo,
  rotationFor,
  TURBO_BITS,
  trainTurbo,
  turboBitSize,
  turboBytesPerVector,
  turboExtrasPerVector,
  TurboScorer,
  turboQueryTable,
} from './turbo.js';
export type { TurboBits, TurboParams, TurboQuery, TurboSet, TurboTrainOptions } from './turbo.js';
export { HadamardRotation, hadamardBlocks, permutationMap } from './turbo-rotation.js';
export {
  deserializeTurbo,
  serializeTurbo,
  TURBO_HEADER_BYTES,
  TURBO_MAGIC,
  TURBO_VERSION,
  turboByteLength,
} from './turbo-format.js';
