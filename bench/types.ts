// One row of a benchmark table: Parley's figure, the baseline's, their ratio and the target.
export type BenchRow = { measure: string; parley: string; baseline: string; ratio: number | null; target: string; met: boolean | null; note?: string };
