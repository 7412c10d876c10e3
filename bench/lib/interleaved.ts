import { collectGarbage } from './gc.ts';

/**
 * Ratio of two implementations measured in alternation: on a shared, loaded machine the load
 * drifts between benny's back-to-back cases (each ~1 s), so the same code can swing ±40 % from one
 * case to the next and the ratio column with it. Timing one pass of each in turn, many times over,
 * exposes both to the same load; the median of the per-round ratios is then far steadier. Both
 * functions must check their own results, as every case does.
 */
export interface InterleavedRatio {
  /** Median over rounds of (baseline time ÷ candidate time): above 1 means the candidate is faster. */
  readonly ratio: number;
  /** Median ns per packet of each side over the same rounds. */
  readonly baselineNsPerPacket: number;
  readonly candidateNsPerPacket: number;
  readonly rounds: number;
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function time(work: () => unknown, reps: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) work();
  return Number(process.hrtime.bigint() - start);
}

/** Alternates `baseline` and `candidate` (each handling `packets` packets a call) for `rounds` rounds. */
export function interleavedRatio(
  baseline: () => unknown,
  candidate: () => unknown,
  packets: number,
  rounds = 61,
  reps = 3,
): InterleavedRatio {
  for (let i = 0; i < 20; i++) {
    baseline();
    candidate();
  }
  // Start from a collected heap: garbage left by an earlier suite (or an incremental marking it
  // started) would otherwise slow whichever measurement happens to run next, for many rounds.
  collectGarbage();
  collectGarbage();
  const ratios: number[] = [];
  const base: number[] = [];
  const cand: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate which side goes first, so neither always runs right after the other's garbage.
    let a: number;
    let b: number;
    if (r % 2 === 0) {
      a = time(baseline, reps);
      b = time(candidate, reps);
    } else {
      b = time(candidate, reps);
      a = time(baseline, reps);
    }
    ratios.push(a / b);
    base.push(a / (reps * packets));
    cand.push(b / (reps * packets));
  }
  return {
    ratio: median(ratios),
    baselineNsPerPacket: median(base),
    candidateNsPerPacket: median(cand),
    rounds,
  };
}
