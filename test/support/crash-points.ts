/** The vector of point `id` in the crash test: a pure function of the id, so the parent can check what it reads. */
export const CRASH_DIM = 4;

export function crashPointVector(id: number): number[] {
  return [Math.sin(id), Math.cos(id), Math.sin(id * 0.37), (id % 97) / 97];
}
