/**
 * Runs the benchmark suites: `pnpm bench` (all, after building the packages) or `pnpm bench -- decode`
 * (by name). Each suite prints its own table; the run ends with one summary table of every
 * measurement, saved with each suite's figures as JSON under bench/results/ (gitignored), and
 * draws the summary's ratios as bench/ratios.svg, which bench/README.md shows.
 */
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectSuite } from './connect.ts';
import { decodeSuite } from './decode.ts';
import { encodeSuite } from './encode.ts';
import { engineSuite } from './engine.ts';
import { ratioChart } from './lib/chart.ts';
import { RESULTS_DIR } from './lib/harness.ts';
import { printSummary, saveSummary, summaryRows } from './lib/report.ts';
import { sizeSuite } from './size.ts';
import { utf8Suite } from './utf8.ts';

const SUITES: Record<string, () => Promise<void>> = {
  encode: encodeSuite,
  decode: decodeSuite,
  utf8: utf8Suite,
  connect: connectSuite,
  size: sizeSuite,
  engine: engineSuite, // last: its million engines make the heap large
};

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHART = fileURLToPath(new URL('ratios.svg', import.meta.url));

/** Newest modification time of the files under `dir`. */
function newest(dir: string): number {
  return readdirSync(dir).reduce((t, name) => {
    const path = join(dir, name);
    const stat = statSync(path);
    return Math.max(t, stat.isDirectory() ? newest(path) : stat.mtimeMs);
  }, 0);
}

/** The suites measure the packages' built JavaScript: refuse to measure a build older than its sources. */
function checkBuilt(): void {
  for (const pkg of ['core', 'topics', 'sas']) {
    const index = join(ROOT, 'packages', pkg, 'dist', 'index.js');
    if (!existsSync(index) || statSync(index).mtimeMs < newest(join(ROOT, 'packages', pkg, 'src'))) {
      console.error(`packages/${pkg}/dist is missing or older than its sources: run \`pnpm build\` first (\`pnpm bench\` does)`);
      process.exit(2);
    }
  }
}

const wanted = process.argv.slice(2).filter((a) => a !== '--');
const unknown = wanted.filter((w) => !(w in SUITES));
if (unknown.length > 0) {
  console.error(`unknown suite(s): ${unknown.join(', ')}; choose from ${Object.keys(SUITES).join(', ')}`);
  process.exit(2);
}
checkBuilt();
mkdirSync(RESULTS_DIR, { recursive: true }); // every suite and the summary write there
const started = new Date();
for (const [name, suite] of Object.entries(SUITES)) {
  if (wanted.length === 0 || wanted.includes(name)) await suite();
}
printSummary();
const context = {
  date: started.toISOString(),
  node: process.version,
  cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}`,
  suites: wanted.length === 0 ? Object.keys(SUITES) : wanted,
  seconds: Math.round((Date.now() - started.getTime()) / 1000),
};
saveSummary(context);
if (wanted.length === 0) {
  const subtitle = `pnpm bench, ${context.date.slice(0, 16).replace('T', ' ')} UTC, Node ${context.node}, ${context.cpu}`;
  writeFileSync(CHART, ratioChart(summaryRows(), subtitle));
  console.log(`\nSummary: ${RESULTS_DIR}summary.json; chart: bench/ratios.svg`);
} else {
  console.log(`\nSummary: ${RESULTS_DIR}summary.json (bench/ratios.svg is redrawn by a run of every suite)`);
}
