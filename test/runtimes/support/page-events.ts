/** Events a page reports to the test, kept in order, with bounded waits for the ones a test expects. */

/** One reported engine event: which engine in the page sent it, and the event as plain data. */
export interface PageEvent {
  readonly source: string;
  readonly event: { readonly type: string; readonly [field: string]: unknown };
}

interface Waiter {
  readonly matches: (entry: PageEvent) => boolean;
  readonly resolve: (entry: PageEvent) => void;
}

/** The page's events so far, and waits for the next ones. */
export class PageEvents {
  readonly all: PageEvent[] = [];
  readonly #waiters = new Set<Waiter>();

  /** Records an event reported as JSON (the binding the page calls). */
  add(source: string, json: string): void {
    const entry: PageEvent = { source, event: JSON.parse(json) as PageEvent['event'] };
    this.all.push(entry);
    for (const waiter of this.#waiters) {
      if (waiter.matches(entry)) {
        this.#waiters.delete(waiter);
        waiter.resolve(entry);
      }
    }
  }

  /** The types a source reported, in order. */
  types(source: string): string[] {
    return this.all.filter((entry) => entry.source === source).map((entry) => entry.event.type);
  }

  /** Resolves with the first event of `type` from `source` (already seen or yet to come); rejects after `timeoutMs`. */
  waitFor(source: string, type: string, timeoutMs = 10_000): Promise<PageEvent['event']> {
    const matches = (entry: PageEvent): boolean => entry.source === source && entry.event.type === type;
    const seen = this.all.find(matches);
    if (seen !== undefined) return Promise.resolve(seen.event);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`no ${source} '${type}' event within ${timeoutMs} ms; the page reported: ${this.types(source).join(', ') || 'nothing'}`));
      }, timeoutMs);
      const waiter: Waiter = {
        matches,
        resolve: (entry) => {
          clearTimeout(timer);
          resolve(entry.event);
        },
      };
      this.#waiters.add(waiter);
    });
  }
}
