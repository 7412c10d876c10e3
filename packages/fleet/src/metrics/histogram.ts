/**
 * A log-bucket latency histogram in the manner of HdrHistogram, small enough to read: values (ms)
 * fall into buckets that grow by a constant ratio, so relative error is bounded (≤ 2.4 % with 100
 * buckets per decade) from 1 µs to 1 000 s, memory is fixed (900 counters) whatever the count,
 * and two histograms merge by adding counters. Exact min, max, count and sum are kept beside.
 */

/** Buckets per power of ten. */
const PER_DECADE = 100;
/** The smallest value told apart (ms): 1 µs. */
const LOWEST_MS = 0.001;
/** Decades covered: 1 µs … 1 000 s. */
const DECADES = 9;
const BUCKETS = PER_DECADE * DECADES;
const LOG_RATIO = Math.log(10) / PER_DECADE;

/** One bucket of a histogram, for charts: values in [from, to) ms. */
export interface HistogramBucket {
  readonly from: number;
  readonly to: number;
  readonly count: number;
}

/** Counts of millisecond values in logarithmic buckets. */
export class LatencyHistogram {
  readonly #counts = new Float64Array(BUCKETS);
  #count = 0;
  #sum = 0;
  #min = Infinity;
  #max = 0;

  /** Records one value in milliseconds (negative or non-finite values are ignored). */
  record(ms: number): void {
    if (!(ms >= 0) || ms === Infinity) return;
    const counts = this.#counts;
    counts[bucketOf(ms)] = (counts[bucketOf(ms)] ?? 0) + 1;
    this.#count++;
    this.#sum += ms;
    if (ms < this.#min) this.#min = ms;
    if (ms > this.#max) this.#max = ms;
  }

  /** Adds every value of `other` to this histogram. */
  merge(other: LatencyHistogram): void {
    const counts = this.#counts;
    other.#counts.forEach((count, i) => (counts[i] = (counts[i] ?? 0) + count));
    this.#count += other.#count;
    this.#sum += other.#sum;
    this.#min = Math.min(this.#min, other.#min);
    this.#max = Math.max(this.#max, other.#max);
  }

  /** How many values were recorded. */
  get count(): number {
    return this.#count;
  }

  /** The largest value recorded (exact), 0 when empty. */
  get max(): number {
    return this.#max;
  }

  /** The smallest value recorded (exact), 0 when empty. */
  get min(): number {
    return this.#count === 0 ? 0 : this.#min;
  }

  /** The mean (exact), 0 when empty. */
  get mean(): number {
    return this.#count === 0 ? 0 : this.#sum / this.#count;
  }

  /**
   * The value at percentile `p` (0–100): the upper edge of the bucket holding that rank, clamped
   * to the exact min and max, so it is never below the true value and at most one bucket above.
   */
  percentile(p: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, p)) / 100) * this.#count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i] ?? 0;
      if (seen >= rank) return Math.min(this.#max, Math.max(this.#min, upperEdge(i)));
    }
    return this.#max;
  }

  /** The non-empty buckets, lowest first. */
  buckets(): HistogramBucket[] {
    const out: HistogramBucket[] = [];
    this.#counts.forEach((count, i) => {
      if (count > 0) out.push({ from: i === 0 ? 0 : upperEdge(i - 1), to: upperEdge(i), count });
    });
    return out;
  }

  /** How many values were at most `ms` (whole buckets whose upper edge is within 1 % of `ms` or below): Prometheus' cumulative buckets. */
  countAtOrBelow(ms: number): number {
    let total = 0;
    for (let i = 0; i < BUCKETS && upperEdge(i) <= ms * 1.01; i++) total += this.#counts[i] ?? 0;
    return total;
  }

  /** The sum of all values (ms). */
  get sum(): number {
    return this.#sum;
  }
}

function bucketOf(ms: number): number {
  if (ms <= LOWEST_MS) return 0;
  const i = Math.ceil(Math.log(ms / LOWEST_MS) / LOG_RATIO - 1e-9);
  return i >= BUCKETS ? BUCKETS - 1 : i;
}

/** The upper edge of bucket `i` (ms): bucket i holds (edge(i-1), edge(i)]. */
function upperEdge(i: number): number {
  return LOWEST_MS * Math.exp(i * LOG_RATIO);
}
