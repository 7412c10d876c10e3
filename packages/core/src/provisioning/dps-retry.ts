/**
 * DPS retry policy (docs/protocol.md §13): how long to wait after a reply's `retry-after`, and the
 * per-device limit of 5 requests in 10 s that every register and poll counts against.
 */
/** Fallback wait when DPS sends no usable `retry-after` (C SDK: 1 s, docs/protocol.md §13). */
export const DPS_DEFAULT_RETRY_AFTER_MS = 1000;

/** Largest `retry-after` DPS may ask for that is honoured as given (C SDK: 300 s, docs/protocol.md §13). */
export const DPS_MAX_RETRY_AFTER_SECONDS = 300;

/** DPS allows at most this many operation requests per device in {@link DPS_POLL_WINDOW_MS} (docs/protocol.md §13). */
export const DPS_POLLS_PER_WINDOW = 5;

/** Length of the sliding window of {@link DPS_POLLS_PER_WINDOW}. */
export const DPS_POLL_WINDOW_MS = 10_000;

/**
 * Milliseconds to wait before the next DPS request, from a reply's `retry-after` seconds.
 * Like the C SDK, a missing value or one outside 1–300 s means 1 s (docs/protocol.md §13):
 * a broken or hostile reply can neither spin the device nor park it for hours.
 */
export function dpsRetryDelayMs(retryAfterSeconds: number | undefined): number {
  if (
    retryAfterSeconds === undefined ||
    !Number.isFinite(retryAfterSeconds) ||
    retryAfterSeconds < 1 ||
    retryAfterSeconds > DPS_MAX_RETRY_AFTER_SECONDS
  ) {
    return DPS_DEFAULT_RETRY_AFTER_MS;
  }
  return retryAfterSeconds * 1000;
}

/**
 * Sliding-window limiter for DPS requests: at most {@link DPS_POLLS_PER_WINDOW} sends in any
 * {@link DPS_POLL_WINDOW_MS} (docs/protocol.md §13 "5 polls per 10 s per device"). Register resends
 * count too, so a throttled device never bursts. The limit is per device at the service, so
 * the history survives reconnects.
 */
export class DpsRequestLimiter {
  /** Send times of the last {@link DPS_POLLS_PER_WINDOW} requests, oldest first. */
  readonly #sent: number[] = [];

  /** Earliest time at or after `wanted` when one more request keeps within the limit. */
  earliest(wanted: number): number {
    if (this.#sent.length < DPS_POLLS_PER_WINDOW) return wanted;
    const oldest = this.#sent[0] ?? wanted;
    return Math.max(wanted, oldest + DPS_POLL_WINDOW_MS);
  }

  /** Records a request sent at `now`. */
  record(now: number): void {
    this.#sent.push(now);
    if (this.#sent.length > DPS_POLLS_PER_WINDOW) this.#sent.shift();
  }
}
