/**
 * The fuzz loop: cases `first` … `first + count − 1` of a seeded run, alternating DeviceEngine and
 * ProvisioningEngine (even and odd indexes), reporting progress and stopping at the first failure
 * with everything needed to replay it alone.
 */
import { deviceCase } from './device-case.ts';
import { provisioningCase } from './provisioning-case.ts';
import type { Tally } from './ledger.ts';
import { Rng } from './rng.ts';

/** A case that broke an invariant (or threw). */
export interface FuzzFinding {
  readonly seed: number;
  readonly index: number;
  readonly engine: 'device' | 'provisioning';
  readonly message: string;
  readonly stack: string | undefined;
}

/** What a run did. */
export interface FuzzResult {
  readonly cases: number;
  readonly elapsedMs: number;
  readonly failure: FuzzFinding | undefined;
}

/** Options of {@link runFuzz}. */
export interface FuzzOptions {
  readonly seed: number;
  /** How many cases, starting at `first`. */
  readonly count: number;
  readonly first?: number;
  /** Called about every `progressMs` with the cases done so far. */
  readonly onProgress?: (done: number, elapsedMs: number) => void;
  readonly progressMs?: number;
  /** Collects the steps of each case (for replaying one case verbosely). */
  readonly log?: string[];
  /** Counts event types and refusal codes over the run. */
  readonly tally?: Tally;
  /** The wall clock, injected so the loop reads no time of its own. */
  readonly clock: () => number;
  /** Runs one case (default: {@link runCase}); injected to test the loop itself. */
  readonly runOne?: (seed: number, index: number, log?: string[], tally?: Tally) => void;
}

/** Which engine case `index` fuzzes. */
export function engineOf(index: number): 'device' | 'provisioning' {
  return index % 2 === 0 ? 'device' : 'provisioning';
}

/** Runs one case by index; throws what the case threw. */
export function runCase(seed: number, index: number, log?: string[], tally?: Tally): void {
  const rng = new Rng(seed, index);
  if (engineOf(index) === 'device') deviceCase(rng, log, tally);
  else provisioningCase(rng, log, tally);
}

/** Runs `count` cases; stops at the first failure. */
export function runFuzz(options: FuzzOptions): FuzzResult {
  const { seed, count, clock } = options;
  const first = options.first ?? 0;
  const progressMs = options.progressMs ?? 1000;
  const runOne = options.runOne ?? runCase;
  const started = clock();
  let nextReport = started + progressMs;
  for (let done = 0; done < count; done++) {
    const index = first + done;
    try {
      runOne(seed, index, options.log, options.tally);
    } catch (error) {
      const failure: FuzzFinding = {
        seed,
        index,
        engine: engineOf(index),
        message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        stack: error instanceof Error ? error.stack : undefined,
      };
      return { cases: done + 1, elapsedMs: clock() - started, failure };
    }
    if ((done & 255) === 255 && options.onProgress !== undefined) {
      const t = clock();
      if (t >= nextReport) {
        options.onProgress(done + 1, t - started);
        nextReport = t + progressMs;
      }
    }
  }
  return { cases: count, elapsedMs: clock() - started, failure: undefined };
}
