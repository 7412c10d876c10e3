/**
 * `pnpm fuzz`: a seeded fuzzer of both engines' inbound streams and intents (see device-case.ts and
 * provisioning-case.ts for what each case does and checks).
 *
 *   pnpm fuzz [--cases N] [--seed S]     run N cases (default 100 000) of seed S (default: random)
 *   pnpm fuzz --seed S --case K          replay case K of seed S alone, printing its steps
 *
 * Prints a progress line (cases, cases/s, elapsed) while it runs; on a failure, the seed, the case
 * and the command that replays it, and exits 1. Bad flags exit 2 with a message.
 */
import { performance } from 'node:perf_hooks';
import { runCase, runFuzz, engineOf } from './run.ts';

const USAGE = 'usage: pnpm fuzz [--cases N] [--seed S] | pnpm fuzz --seed S --case K';

function fail(message: string): never {
  process.stderr.write(`fuzz: ${message}\n${USAGE}\n`);
  process.exit(2);
}

/** The flags, checked: every value a non-negative safe integer, nothing unknown. */
function parseFlags(argv: readonly string[]): { cases: number; seed: number | undefined; only: number | undefined } {
  const values = new Map<string, number>();
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    if (flag === '--') continue;
    if (!['--cases', '--seed', '--case'].includes(flag)) fail(`unknown argument ${JSON.stringify(flag)}`);
    const raw = argv[++i];
    if (raw === undefined) fail(`${flag} needs a value`);
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value)) fail(`${flag} needs a non-negative integer, got ${JSON.stringify(raw)}`);
    values.set(flag, value);
  }
  const cases = values.get('--cases') ?? 100_000;
  if (cases < 1) fail('--cases needs at least 1');
  const only = values.get('--case');
  const seed = values.get('--seed');
  if (only !== undefined && seed === undefined) fail('--case replays one case of a run: give its --seed too');
  if (seed !== undefined && seed > 0xffff_ffff) fail('--seed is a 32-bit number');
  return { cases, seed, only };
}

const flags = parseFlags(process.argv.slice(2));
const seed = flags.seed ?? crypto.getRandomValues(new Uint32Array(1))[0]!;
const clock = (): number => performance.now();

if (flags.only !== undefined) {
  const log: string[] = [];
  process.stdout.write(`replaying case ${flags.only} of seed ${seed} (${engineOf(flags.only)} engine)\n`);
  try {
    runCase(seed, flags.only, log);
    process.stdout.write(`${log.join('\n')}\ncase ${flags.only} passed\n`);
  } catch (error) {
    process.stdout.write(`${log.join('\n')}\n`);
    process.stderr.write(`case ${flags.only} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  }
} else {
  // Refused intents throw by the million; their stacks are never read (a failure is replayed with --case).
  Error.stackTraceLimit = 0;
  const tty = process.stderr.isTTY === true;
  const line = (done: number, ms: number): string =>
    `${done.toLocaleString('en')} / ${flags.cases.toLocaleString('en')} cases, ${Math.round((done / ms) * 1000).toLocaleString('en')} cases/s, ${(ms / 1000).toFixed(1)} s`;
  process.stdout.write(`fuzzing DeviceEngine and ProvisioningEngine: seed ${seed}, ${flags.cases.toLocaleString('en')} cases\n`);
  const result = runFuzz({
    seed,
    count: flags.cases,
    clock,
    progressMs: tty ? 500 : 10_000,
    onProgress: (done, ms) => process.stderr.write(tty ? `\r${line(done, ms)}\x1b[K` : `${line(done, ms)}\n`),
  });
  if (tty) process.stderr.write('\r\x1b[K');
  if (result.failure !== undefined) {
    const f = result.failure;
    process.stderr.write(
      `\nFAILED at case ${f.index} (${f.engine} engine) of seed ${f.seed}, after ${result.cases.toLocaleString('en')} cases:\n  ${f.message}\n` +
        `replay it alone with its steps:\n  npx -y pnpm@10 fuzz --seed ${f.seed} --case ${f.index}\n`,
    );
    process.exit(1);
  }
  process.stdout.write(`${line(result.cases, result.elapsedMs)}: every invariant held\n`);
}
