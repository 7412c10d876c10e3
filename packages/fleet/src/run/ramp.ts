/**
 * The ramp: which devices start their first connection when. Devices are due at `--connect-rate`
 * a second (all at once for rate 0), but one call starts only as many as fit in its time budget,
 * the rest waiting for the next tick. Starting a device costs real CPU (an engine, a signed SAS
 * token, a CONNECT or a TLS handshake begun), so starting 20 000 in one go would hold the event
 * loop for seconds: no answer read, no timer fired, no progress shown, and connect latencies that
 * measure the tool's own queue instead of the hub. The caller also caps how many connections may
 * be opening at once (`--max-connecting`), so the ramp goes no faster than the hub answers.
 */

/** Starts devices `0 … total - 1` over time. */
export class Ramp {
  readonly #total: number;
  readonly #rate: number;
  readonly #budgetMs: number;
  readonly #clock: () => number;
  #t0 = 0;
  #started: number;

  /**
   * A ramp of `total` devices at `rate` a second (0: as fast as the budget allows), of which the
   * first `alreadyStarted` are under way; each `advance` spends at most about `budgetMs` of `clock`.
   */
  constructor(total: number, rate: number, budgetMs: number, clock: () => number, alreadyStarted = 0) {
    this.#total = total;
    this.#rate = rate;
    this.#budgetMs = budgetMs;
    this.#clock = clock;
    this.#started = alreadyStarted;
  }

  /** Devices started so far. */
  get started(): number {
    return this.#started;
  }

  /** Every device has been started. */
  get done(): boolean {
    return this.#started >= this.#total;
  }

  /** Makes `t0` the time the rate counts from (the first device's start). */
  begin(t0: number): void {
    this.#t0 = t0;
  }

  /**
   * Starts the devices due at `at` (ms) by calling `start(index)`, at most `room` of them, until
   * the budget is spent; returns how many it started.
   */
  advance(at: number, start: (index: number) => void, room = Infinity): number {
    const due = this.#rate === 0 ? this.#total : Math.min(this.#total, 1 + Math.floor(((at - this.#t0) / 1000) * this.#rate));
    const until = this.#clock() + this.#budgetMs;
    let n = 0;
    while (this.#started < due && n < room) {
      start(this.#started++);
      n++;
      // The clock is read every 16 starts: cheap next to a start, close enough to the budget.
      if ((n & 15) === 0 && this.#clock() >= until) break;
    }
    return n;
  }
}
