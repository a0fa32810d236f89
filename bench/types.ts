// One row of the `pnpm bench` table. Every bench/<name>.bench.ts exports `run(): Promise<BenchRow[]>`.
export type BenchRow = { measure: string; parley: string; baseline: string; ratio: number | null; target: string; met: boolean | null; note?: string };
