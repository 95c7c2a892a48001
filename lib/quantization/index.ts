/** Scalar int8 quantization (Qdrant's scheme) and its binary layout. */
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
export {
  chunkCount,
  chunkSizeFor,
  decodeProduct,
  encodeProduct,
  PQ_CENTROIDS,
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
