// One row of a benchmark's result table (bench/<name>.bench.ts exports run(): Promise<BenchRow[]>).
export type BenchRow = { measure: string; parley: string; baseline: string; ratio: number | null; target: string; met: boolean | null; note?: string };
