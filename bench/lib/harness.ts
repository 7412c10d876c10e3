import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import b from 'benny';
import { addSummary, formatTime, type Goal } from './report.ts';

/** Where suites write JSON and charts (gitignored). */
export const RESULTS_DIR: string = fileURLToPath(new URL('../results/', import.meta.url));

/** One benchmark case; cases of the same `group` are compared with that group's baseline case. */
export interface Case {
  readonly group: string;
  /** Who implements it: 'hubwire', 'mqtt-packet', 'TextDecoder', … */
  readonly impl: string;
  /** The case the others in its group are divided by (default: the group's mqtt-packet case). */
  readonly baseline?: boolean;
  /** Variant label inside the group (e.g. 'encodePublishInto'). */
  readonly label: string;
  /** Packets one call handles, and the bytes it produces or consumes (for ns/packet and MB/s). */
  readonly packets: number;
  readonly bytes: number;
  /** The measured work; it must use its own result (and throw when it is wrong). */
  readonly fn: () => unknown;
  /** A goal for this case's ratio to its baseline, shown in the summary. */
  readonly goal?: Goal;
  /** Draw this case's ratio in the summary chart. */
  readonly chart?: boolean;
  /** Leave this case out of the summary (e.g. when an interleaved measurement of it is reported instead). */
  readonly summary?: false;
}

/** A measured case, ready for the table and the JSON file. */
export interface Row {
  readonly group: string;
  readonly impl: string;
  readonly label: string;
  readonly opsPerSecond: number;
  readonly nsPerPacket: number;
  readonly megabytesPerSecond: number;
  readonly margin: number;
  /** ops/s of this case ÷ ops/s of the group's baseline case (1 for the baseline itself). */
  readonly ratio: number | undefined;
}

/** Keeps the whole bench under ~3 minutes: ~1 s per case. */
const CASE_OPTIONS = { maxTime: 1, minSamples: 5 };

/** Runs the cases with benny, prints the comparison table, saves JSON and benny's chart; returns the rows. */
export async function runSuite(name: string, cases: readonly Case[], extra?: Record<string, unknown>): Promise<Row[]> {
  for (const c of cases) c.fn(); // fail fast on a wrong result, before any timing
  mkdirSync(RESULTS_DIR, { recursive: true });
  const caseName = (c: Case): string => `${c.group} | ${c.impl} ${c.label}`;
  const summary = await b.suite(
    name,
    b.configure({ cases: CASE_OPTIONS, minDisplayPrecision: 2 }),
    ...cases.map((c) => b.add(caseName(c), c.fn)),
    b.cycle(() => undefined),
    b.complete(() => undefined),
    b.save({ file: name, folder: RESULTS_DIR, format: 'chart.html' }),
  );
  const ops = new Map(summary.results.map((r) => [r.name, r]));
  const rows = cases.map((c): Row => {
    const result = ops.get(caseName(c));
    if (result === undefined) throw new Error(`benny lost case ${caseName(c)}`);
    const baseline = baselineOf(cases, c);
    const baseOps = baseline === undefined ? undefined : ops.get(caseName(baseline))?.ops;
    return {
      group: c.group,
      impl: c.impl,
      label: c.label,
      opsPerSecond: result.ops,
      nsPerPacket: 1e9 / (result.ops * c.packets),
      megabytesPerSecond: (result.ops * c.bytes) / 1e6,
      margin: result.margin,
      ratio: baseOps === undefined ? undefined : result.ops / baseOps,
    };
  });
  printTable(name, rows);
  for (const [i, c] of cases.entries()) {
    const row = rows[i] as Row;
    const baseline = baselineOf(cases, c);
    if (c.summary === false || baseline === undefined || c === baseline) continue;
    const baseRow = rows[cases.indexOf(baseline)] as Row;
    const unit = c.packets === 1 ? '' : '/packet';
    addSummary({
      suite: name,
      what: `${c.group}: ${c.impl === 'hubwire' ? '' : `${c.impl} `}${c.label}`,
      hubwire: `${formatTime(row.nsPerPacket)}${unit}`,
      baseline: `${baseline.impl} ${baseline.label} ${formatTime(baseRow.nsPerPacket)}${unit}`,
      ratio: row.ratio as number,
      method: 'benny',
      ...(c.goal === undefined ? {} : { goal: c.goal }),
      ...(c.chart === undefined ? {} : { chart: c.chart }),
    });
  }
  writeFileSync(
    `${RESULTS_DIR}${name}.json`,
    `${JSON.stringify({ suite: name, date: new Date().toISOString(), node: process.version, rows, ...extra }, null, 2)}\n`,
  );
  return rows;
}

/** The case the others of `c`'s group are compared with: the one marked baseline, else the group's mqtt-packet case. */
function baselineOf(cases: readonly Case[], c: Case): Case | undefined {
  return cases.find((x) => x.group === c.group && x.baseline === true) ?? cases.find((x) => x.group === c.group && x.impl === 'mqtt-packet');
}

/** Prints one line per case, grouped, with the ratio against the group's baseline (mqtt-packet unless marked). */
export function printTable(title: string, rows: readonly Row[]): void {
  const lines = rows.map((r) => [
    r.group,
    `${r.impl} ${r.label}`.trim(),
    format(r.opsPerSecond, 0),
    format(r.nsPerPacket, 1),
    format(r.megabytesPerSecond, 1),
    `±${r.margin.toFixed(1)}%`,
    r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`,
  ]);
  const header = ['case', 'implementation', 'ops/s', 'ns/packet', 'MB/s', 'margin', '× baseline'];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const render = (cells: readonly string[]): string =>
    cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  ');
  console.log(`\n## ${title}\n`);
  console.log(render(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  let group = '';
  for (const [i, line] of lines.entries()) {
    const row = rows[i] as Row;
    if (row.group !== group && group !== '') console.log('');
    group = row.group;
    console.log(render(line));
  }
}

function format(n: number, digits: number): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
