/**
 * The fleet process's own cost: heap and RSS (current and peak), CPU time since the start, and how
 * busy its event loop was (CPU time also counts V8's and libuv's helper threads).
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

/**
 * Resident set size, or undefined when it cannot be read: Node reads it from /proc, which takes a
 * file descriptor — and a fleet at its open-file limit has none to spare.
 */
export function residentSetSize(): number | undefined {
  try {
    return process.memoryUsage.rss();
  } catch {
    return undefined;
  }
}

/** V8 heap in use; needs no file descriptor. */
export function heapUsed(): number {
  return getHeapStatistics().used_heap_size;
}

/** Process figures for the summary. */
export interface ProcessFigures {
  readonly heapUsedBytes: number;
  readonly heapPeakBytes: number;
  readonly rssPeakBytes: number;
  readonly cpuUserSeconds: number;
  readonly cpuSystemSeconds: number;
  /** CPU time over wall time, in % of one core. */
  readonly cpuPercent: number;
  /** Share of wall time the fleet's event loop was busy, in %: near 100 means the devices wait for it. */
  readonly fleetThreadBusyPercent: number;
}

/** Samples memory once a second and CPU since construction. */
export class ProcessSampler {
  readonly #startCpu = process.cpuUsage();
  readonly #startAt = performance.now();
  readonly #startLoop: EventLoopUtilization = performance.eventLoopUtilization();
  #heapPeak = 0;
  #rssPeak = 0;
  #heap = 0;
  #rss = 0;

  /** Takes one memory sample. */
  sample(): void {
    this.#heap = heapUsed();
    this.#heapPeak = Math.max(this.#heapPeak, this.#heap);
    this.#rss = residentSetSize() ?? this.#rss;
    this.#rssPeak = Math.max(this.#rssPeak, this.#rss);
  }

  /** The last sample: heap and resident set size in bytes. */
  get memory(): { heapUsed: number; rss: number } {
    return { heapUsed: this.#heap, rss: this.#rss };
  }

  /** The figures so far. */
  figures(): ProcessFigures {
    const cpu = process.cpuUsage(this.#startCpu);
    const wallSeconds = Math.max((performance.now() - this.#startAt) / 1000, 1e-3);
    return {
      heapUsedBytes: this.#heap,
      heapPeakBytes: this.#heapPeak,
      rssPeakBytes: this.#rssPeak,
      cpuUserSeconds: cpu.user / 1e6,
      cpuSystemSeconds: cpu.system / 1e6,
      cpuPercent: ((cpu.user + cpu.system) / 1e6 / wallSeconds) * 100,
      fleetThreadBusyPercent: performance.eventLoopUtilization(this.#startLoop).utilization * 100,
    };
  }
}
