export interface Figure {
  value: number;
  unit: string;
  /** The target the issue sets, for the table. */
  target?: string;
  ok?: boolean;
}
export type Figures = Record<string, Figure>;

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] ?? Number.NaN;
}

export const median = (values: number[]) => percentile(values, 50);

export function time<T>(fn: () => T): { ms: number; result: T } {
  const t0 = performance.now();
  const result = fn();
  return { ms: performance.now() - t0, result };
}

export function atMost(value: number, target: number, unit: string): Figure {
  return { value: round(value), unit, target: `≤ ${target} ${unit}`, ok: value <= target };
}

export function atLeast(value: number, target: number, unit: string): Figure {
  return { value: round(value), unit, target: `≥ ${target} ${unit}`, ok: value >= target };
}

export const round = (v: number) =>
  Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 1000) / 1000;
