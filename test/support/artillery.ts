/**
 * Runs the real Artillery CLI (`artillery run`, the dev dependency) as a child process with a
 * deadline, and reads its JSON report. Artillery `require`s engines by name from its own
 * install; pnpm keeps workspace packages out of that path, so NODE_PATH points at this package's
 * node_modules, where `artillery-engine-hubwire` is linked (npm users install both side by side).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** This package's node_modules, where the engine is linked. */
const TEST_MODULES = fileURLToPath(new URL('../node_modules', import.meta.url));

/** The Artillery CLI entry point. */
export const ARTILLERY_BIN = join(dirname(require.resolve('artillery/package.json')), 'bin', 'run');

/** Artillery's engine helpers (engine_util), resolved from Artillery's own dependencies. */
export function artilleryHelpers(): unknown {
  const fromArtillery = createRequire(require.resolve('artillery/package.json'));
  const fromCore = createRequire(fromArtillery.resolve('@artilleryio/int-core/package.json'));
  return (fromCore('@artilleryio/int-commons') as { engine_util: unknown }).engine_util;
}

/** An Artillery metric summary (histogram) as the JSON report writes it. */
export interface ReportSummary {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

/** The merged totals of an Artillery JSON report. */
export interface ArtilleryAggregate {
  readonly counters: Readonly<Record<string, number>>;
  readonly summaries: Readonly<Record<string, ReportSummary>>;
  readonly rates?: Readonly<Record<string, number>>;
}

/** What one CLI run left behind. */
export interface ArtilleryRun {
  readonly exitCode: number | null;
  readonly output: string;
  readonly aggregate: ArtilleryAggregate;
}

/** A preload that makes `artillery run` start three local workers on any machine. */
export const THREE_WORKERS = fileURLToPath(new URL('./four-cpus.cjs', import.meta.url));

/** Runs `artillery run --output report.json <script>` in `dir`; kills it after `timeoutMs`. `preload` is passed to Node with --require. */
export async function runArtillery(dir: string, script: string, timeoutMs: number, preload?: string): Promise<ArtilleryRun> {
  const reportPath = join(dir, 'report.json');
  const child = spawn(process.execPath, [ARTILLERY_BIN, 'run', '--output', reportPath, script], {
    cwd: dir,
    env: {
      ...process.env,
      NODE_PATH: TEST_MODULES,
      ARTILLERY_DISABLE_TELEMETRY: 'true',
      NO_COLOR: '1',
      ...(preload === undefined ? {} : { NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --require ${preload}`.trim() }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  }).finally(() => clearTimeout(timer));
  // HUBWIRE_SHOW_ARTILLERY=1 shows Artillery's own console report of the run.
  if (process.env['HUBWIRE_SHOW_ARTILLERY'] === '1') console.log(output);
  let report: { aggregate: ArtilleryAggregate };
  try {
    report = JSON.parse(readFileSync(reportPath, 'utf8')) as { aggregate: ArtilleryAggregate };
  } catch (error) {
    throw new Error(`artillery wrote no report (exit ${String(exitCode)}): ${error instanceof Error ? error.message : String(error)}\n${output}`);
  }
  return { exitCode, output, aggregate: report.aggregate };
}

/** What an engine emitted on Artillery's scenario events, for in-process tests. */
export interface RecordedMetrics {
  readonly counters: Map<string, number>;
  readonly histograms: Map<string, number[]>;
  /** Artillery error codes, in order. */
  readonly errors: string[];
  started: number;
}

/** A virtual user's context as Artillery's runner builds it: vars, `$uuid`, and the template functions. */
export function artilleryContext(vars: Record<string, unknown>): { vars: Record<string, unknown>; funcs: Record<string, (...args: never[]) => unknown> } {
  return {
    vars: { ...vars, $uuid: crypto.randomUUID() },
    funcs: {
      $randomNumber: (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1)),
      $randomString: (length = 10) => crypto.randomUUID().replaceAll('-', '').slice(0, length),
    },
  };
}
