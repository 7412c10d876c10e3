/**
 * Promise-style waits on a device's state, each with a deadline, so no step can hang: a wait
 * settles when its `poll` returns a value or throws, when its timer fires, or when `failAll`
 * ends every wait (the connection went away).
 */

interface Pending {
  /** Tries to settle; true when done. */
  poll(): boolean;
  fail(error: Error): void;
}

/** The pending waits of one device. */
export class Waits {
  readonly #pending = new Set<Pending>();

  /**
   * Resolves with the first value `poll` returns (tried now and on every `check()`), rejects
   * with what it throws, or with `onTimeout()` after `timeoutMs`.
   */
  until<T>(poll: () => T | undefined, timeoutMs: number, onTimeout: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const pending: Pending = {
        poll: () => {
          let value: T | undefined;
          try {
            value = poll();
          } catch (error) {
            pending.fail(error instanceof Error ? error : new Error(String(error)));
            return true;
          }
          if (value === undefined) return false;
          this.#pending.delete(pending);
          clearTimeout(timer);
          resolve(value);
          return true;
        },
        fail: (error) => {
          this.#pending.delete(pending);
          clearTimeout(timer);
          reject(error);
        },
      };
      if (pending.poll()) return;
      this.#pending.add(pending);
      timer = setTimeout(() => pending.fail(onTimeout()), timeoutMs);
    });
  }

  /** Re-polls every pending wait (after an event changed the device's state). */
  check(): void {
    for (const pending of [...this.#pending]) pending.poll();
  }

  /** Rejects every pending wait with `error`. */
  failAll(error: Error): void {
    for (const pending of [...this.#pending]) pending.fail(error);
  }

  /** How many waits are pending. */
  get size(): number {
    return this.#pending.size;
  }
}
