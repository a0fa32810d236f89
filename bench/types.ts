export type BenchRow = { measure: string; parley: string; baseline: string; ratio: number | null; target: string; met: boolean | null; note?: string };
