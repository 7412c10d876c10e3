/**
 * Promise-style waiting on top of the event stream, for scripts, demos and tests: "wait until
 * the twin arrives, but no longer than 5 s". The engine stays callback- and promise-free; this
 * sits on the application side of `pollEvent()`.
 */

/** Collects events and hands out the first unconsumed one matching a predicate. */
export class EventQueue<E extends { readonly type: string }> {
  readonly #events: E[] = [];
  #waiters: { match: (event: E) => boolean; resolve: (event: E) => void }[] = [];

  /** Records an event (pass this as, or call it from, `onEvent`). */
  push(event: E): void {
    const waiter = this.#waiters.find((w) => w.match(event));
    if (waiter === undefined) {
      this.#events.push(event);
      return;
    }
    this.#waiters = this.#waiters.filter((w) => w !== waiter);
    waiter.resolve(event);
  }

  /**
   * Resolves with the first event, already queued or yet to come, that `match` accepts, and
   * consumes it; rejects after `timeoutMs` with an error naming `what`.
   */
  next<T extends E>(match: ((event: E) => event is T) | ((event: E) => boolean), timeoutMs: number, what = 'event'): Promise<T> {
    const index = this.#events.findIndex(match);
    if (index >= 0) return Promise.resolve(this.#events.splice(index, 1)[0] as T);
    return new Promise<T>((resolve, reject) => {
      const waiter = {
        match,
        resolve: (event: E) => {
          clearTimeout(timer);
          resolve(event as T);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** Like `next`, for the first event of one `type` (optionally also passing `where`); resolves narrowed. */
  nextOf<K extends E['type']>(
    type: K,
    timeoutMs: number,
    where?: (event: Extract<E, { type: K }>) => boolean,
  ): Promise<Extract<E, { type: K }>> {
    const match = (event: E): boolean => event.type === type && (where === undefined || where(event as Extract<E, { type: K }>));
    return this.next<Extract<E, { type: K }>>(match, timeoutMs, where === undefined ? `'${type}'` : `a matching '${type}'`);
  }

  /** Events not consumed yet, oldest first. */
  pending(): readonly E[] {
    return this.#events;
  }

  /** Drops unconsumed events. */
  clear(): void {
    this.#events.length = 0;
  }
}
