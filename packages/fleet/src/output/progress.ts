/**
 * What the run shows while it goes: on a terminal, one line rewritten in place every second;
 * otherwise (a CI log, a file) a plain line every `--log-interval`.
 */
import type { FleetMetrics } from '../metrics/fleet-metrics.ts';
import { count } from './format.ts';

/** Writes progress to a stream. */
export class Progress {
  readonly #out: NodeJS.WriteStream;
  readonly #live: boolean;
  readonly #enabled: boolean;
  readonly #logIntervalMs: number;
  #lastLogAt = 0;
  #lineShown = false;

  /** `mode` auto: a live line when `out` is a terminal, a log otherwise. */
  constructor(out: NodeJS.WriteStream, mode: 'auto' | 'line' | 'log' | 'none', logIntervalMs: number) {
    this.#out = out;
    this.#enabled = mode !== 'none';
    this.#live = mode === 'line' || (mode === 'auto' && out.isTTY === true);
    this.#logIntervalMs = logIntervalMs;
  }

  /** A message line (kept above the live line). */
  log(line: string): void {
    if (!this.#enabled) return;
    this.#clear();
    this.#out.write(`${line}\n`);
  }

  /** The once-a-second update. */
  second(metrics: FleetMetrics, elapsedMs: number): void {
    if (!this.#enabled) return;
    const point = metrics.timeline[metrics.timeline.length - 1];
    const text =
      `${(elapsedMs / 1000).toFixed(0).padStart(4)} s  connected ${count(metrics.connected)}/${count(metrics.target)}` +
      (metrics.connecting > 0 ? ` (+${count(metrics.connecting)})` : '') +
      `  sent ${count(point?.sent ?? 0)}/s  acked ${count(point?.acked ?? 0)}/s` +
      `  total ${count(metrics.sent)}/${count(metrics.acked)}  errors ${count(metrics.errorCount)}  reconnects ${count(metrics.reconnects)}`;
    if (this.#live) {
      this.#out.write(`\r\x1b[2K${text}`);
      this.#lineShown = true;
    } else if (elapsedMs - this.#lastLogAt >= this.#logIntervalMs) {
      this.#lastLogAt = elapsedMs;
      this.#out.write(`${text}\n`);
    }
  }

  /** Ends the live line so what follows starts on its own line. */
  finish(): void {
    this.#clear();
  }

  #clear(): void {
    if (!this.#lineShown) return;
    this.#out.write('\r\x1b[2K');
    this.#lineShown = false;
  }
}
