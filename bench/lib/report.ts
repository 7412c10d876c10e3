/**
 * The one table a bench run ends with: every measurement of every suite side by side, hubwire
 * beside its baseline, the ratio, and the goal it is held to. Suites add their rows as they go;
 * run.ts prints the table, saves it as results/summary.json and draws its ratios (chart.ts).
 */
import { writeFileSync } from 'node:fs';
import { RESULTS_DIR } from './harness.ts';

/** A goal a measurement is held to: at least `min`, or at most `max`, of the row's `value`. */
export interface Goal {
  readonly min?: number;
  readonly max?: number;
  /** How the goal reads in the table, e.g. '≥ 6×' or '≤ 150 B'. */
  readonly text: string;
}

/** One line of the summary. */
export interface SummaryRow {
  readonly suite: string;
  /** What was measured, e.g. 'decode + classify, (a) a packet per chunk'. */
  readonly what: string;
  /** hubwire's figure as printed, e.g. '512 ns/packet' or '13.9 KB'. */
  readonly hubwire: string;
  /** The baseline's figure as printed, '' when there is none. */
  readonly baseline: string;
  /** Speed-up over the baseline (baseline time ÷ hubwire time), when the row compares speeds. */
  readonly ratio?: number;
  /** How the ratio was measured: 'interleaved' (median of alternating passes) or 'benny' (back-to-back cases). */
  readonly method?: 'interleaved' | 'benny';
  /** The number a goal applies to (the ratio, bytes, …); defaults to `ratio`. */
  readonly value?: number;
  readonly goal?: Goal;
  /** Drawn in the ratio chart. */
  readonly chart?: boolean;
}

const rows: SummaryRow[] = [];

/** Adds a row to the summary. */
export function addSummary(row: SummaryRow): void {
  rows.push(row);
}

/** Every row added so far. */
export function summaryRows(): readonly SummaryRow[] {
  return rows;
}

/** Whether `row` meets its goal; undefined when it has none. */
export function goalMet(row: SummaryRow): boolean | undefined {
  const goal = row.goal;
  const value = row.value ?? row.ratio;
  if (goal === undefined || value === undefined) return undefined;
  return (goal.min === undefined || value >= goal.min) && (goal.max === undefined || value <= goal.max);
}

/** `n` with thousands separators and `digits` decimals. */
export function formatNumber(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A duration in ns, µs or ms, three significant figures at most. */
export function formatTime(ns: number): string {
  if (ns >= 1e6) return `${formatNumber(ns / 1e6, 2)} ms`;
  if (ns >= 1e4) return `${formatNumber(ns / 1e3, 1)} µs`;
  return `${formatNumber(ns, ns < 100 ? 1 : 0)} ns`;
}

/** A byte count in B, KB, MB or GB (1 KB = 1,000 B). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${formatNumber(bytes / 1e9, 2)} GB`;
  if (bytes >= 1e6) return `${formatNumber(bytes / 1e6, 2)} MB`;
  if (bytes >= 1e4) return `${formatNumber(bytes / 1e3, 1)} KB`;
  return `${formatNumber(bytes)} B`;
}

/** Prints the summary as one table, grouped by suite. */
export function printSummary(): void {
  const header = ['suite', 'measurement', 'hubwire', 'baseline', 'ratio', 'goal', ''];
  const lines = rows.map((r) => {
    const met = goalMet(r);
    return [
      r.suite,
      r.what,
      r.hubwire,
      r.baseline,
      r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×${r.method === 'interleaved' ? ' (i)' : ''}`,
      r.goal?.text ?? '',
      met === undefined ? '' : met ? 'met' : 'NOT MET',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const right = new Set([2, 3, 4]);
  const render = (cells: readonly string[]): string =>
    cells.map((c, i) => (right.has(i) ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  ').trimEnd();
  console.log('\n## Summary: every measurement of this run\n');
  console.log('ratio = baseline time ÷ hubwire time; (i) = median of interleaved passes (lib/interleaved.ts), else benny\'s back-to-back cases.\n');
  console.log(render(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  let suite = '';
  for (const [i, line] of lines.entries()) {
    const row = rows[i] as SummaryRow;
    if (row.suite !== suite && suite !== '') console.log('');
    suite = row.suite;
    console.log(render(line));
  }
}

/** Writes the summary, with the run's context, to results/summary.json. */
export function saveSummary(context: Record<string, unknown>): void {
  const out = rows.map((r) => ({ ...r, met: goalMet(r) }));
  writeFileSync(`${RESULTS_DIR}summary.json`, `${JSON.stringify({ ...context, rows: out }, null, 2)}\n`);
}
