/**
 * The four distances of Qdrant's `VectorParams.distance`. Only the name lives here, so every layer can speak of a
 * collection's distance; the kernels and the one similarity ↔ score conversion live in lib/distance.
 */
export type Distance = 'Cosine' | 'Dot' | 'Euclid' | 'Manhattan';
