/**
 * The demo's live log: one line per thing that happened, with seconds since start and who did it.
 * Colour only on a terminal, so piped output and the test's captured lines stay plain.
 */

/** Who a line is about; each gets its own colour. */
export type Actor = string;

/** Writes log lines; the demo and its test pass different sinks. */
export class LiveLog {
  readonly #started = performance.now();
  readonly #sink: (line: string) => void;
  readonly #colour: boolean;
  readonly #palette = new Map<Actor, number>();

  /** Logs to `sink` (default: console.log), colouring actors when `colour` is true. */
  constructor(options: { sink?: (line: string) => void; colour?: boolean } = {}) {
    this.#sink = options.sink ?? ((line) => console.log(line));
    this.#colour = options.colour ?? false;
  }

  /** A line from `actor`. */
  line(actor: Actor, text: string): void {
    const seconds = ((performance.now() - this.#started) / 1000).toFixed(3).padStart(7);
    this.#sink(`${seconds}s  ${this.#paint(actor.padEnd(14))} ${text}`);
  }

  /** A step heading. */
  heading(text: string): void {
    this.#sink('');
    this.#sink(this.#colour ? `\u001b[1m== ${text}\u001b[0m` : `== ${text}`);
  }

  /** A line without time or actor (summary tables). */
  plain(text: string): void {
    this.#sink(text);
  }

  #paint(text: string): string {
    if (!this.#colour) return text;
    const key = text.trim();
    let code = this.#palette.get(key);
    if (code === undefined) {
      code = [36, 33, 35, 32, 34, 91, 96][this.#palette.size % 7] as number;
      this.#palette.set(key, code);
    }
    return `\u001b[${code}m${text}\u001b[0m`;
  }
}
