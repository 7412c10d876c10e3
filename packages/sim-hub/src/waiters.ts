/** Promises that resolve when a condition on the hub's state becomes true; re-checked after every hub event. */

interface Waiter {
  readonly condition: () => boolean;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** A set of pending conditions. */
export class ConditionWaiters {
  readonly #waiters = new Set<Waiter>();
  readonly #watchers = new Set<() => void>();
  #closed = false;

  /** Calls `listener` after every hub event until the returned function is called (or the hub closes). */
  watch(listener: () => void): () => void {
    if (this.#closed) return () => undefined;
    this.#watchers.add(listener);
    return () => this.#watchers.delete(listener);
  }

  /** Resolves once `condition()` is true (checked now and after each notify); rejects after `timeoutMs`. */
  wait(condition: () => boolean, timeoutMs: number, description: string): Promise<void> {
    if (condition()) return Promise.resolve();
    if (this.#closed) return Promise.reject(new Error(`the simulated hub is closed (waiting for ${description})`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${description}`));
      }, timeoutMs);
      const waiter: Waiter = { condition, resolve, reject, timer };
      this.#waiters.add(waiter);
    });
  }

  /** Re-checks every condition, resolving those now true, then tells the watchers. */
  notify(): void {
    this.#checkConditions();
    for (const watcher of [...this.#watchers]) {
      try {
        watcher();
      } catch {
        // An observer's bug must not break the device-facing side that notified it.
      }
    }
  }

  #checkConditions(): void {
    for (const waiter of [...this.#waiters]) {
      let met: boolean;
      try {
        met = waiter.condition();
      } catch (error) {
        this.#settle(waiter);
        waiter.reject(error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      if (met) {
        this.#settle(waiter);
        waiter.resolve();
      }
    }
  }

  /** Rejects everything still waiting. */
  close(): void {
    this.#closed = true;
    this.#watchers.clear();
    for (const waiter of [...this.#waiters]) {
      this.#settle(waiter);
      waiter.reject(new Error('the simulated hub closed'));
    }
  }

  #settle(waiter: Waiter): void {
    this.#waiters.delete(waiter);
    clearTimeout(waiter.timer);
  }
}
