/**
 * Runs the demo's steps in order, each with its own deadline, and keeps the verdicts for the
 * summary. A failed step is recorded and the demo goes on, so one problem shows as one red
 * line rather than a hang; the exit code says whether everything passed.
 */
import type { LiveLog } from './live-log.ts';

/** The verdict of one step. */
export interface StepResult {
  readonly name: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly error?: string;
}

/** Runs steps and collects results. */
export class StepRunner {
  readonly results: StepResult[] = [];
  readonly #log: LiveLog;

  /** Steps log their heading and failure to `log`. */
  constructor(log: LiveLog) {
    this.#log = log;
  }

  /** Runs `body` with a deadline of `timeoutMs`; records pass or fail; never throws. */
  async run(name: string, timeoutMs: number, body: () => Promise<void>): Promise<boolean> {
    this.#log.heading(name);
    const started = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        body(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`step did not finish within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      this.results.push({ name, ok: true, ms: performance.now() - started });
      return true;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.#log.line('demo', `FAILED: ${message}`);
      this.results.push({ name, ok: false, ms: performance.now() - started, error: message });
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** True when every step passed (and at least one ran). */
  get ok(): boolean {
    return this.results.length > 0 && this.results.every((r) => r.ok);
  }
}
