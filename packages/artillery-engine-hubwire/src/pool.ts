/**
 * A pool of pre-registered devices, shared out so that no two virtual users anywhere hold the
 * same device at once. Artillery hands every worker the whole payload file, read from its first
 * row, so CSV rows repeat across workers; the pool instead gives each local worker its own share
 * of the file (Artillery numbers the workers of `artillery run` in each phase it divides), each
 * machine its own `slice`, and within a worker lends a device only while no other user holds it.
 *
 * The file holds device connection strings: one per line (a CSV's first column), or anywhere in a
 * JSON document (an array of them, a map of device ids to them, objects with `connectionString`…).
 * Only strings that name a `DeviceId` count, so a header line, a comment or a service connection
 * string kept beside the devices is skipped.
 */
import { readFileSync } from 'node:fs';
import { messageOf, ScenarioError } from './errors.ts';

/** Which share of the file this worker takes: position `index` (0-based) of `count`. */
export interface Share {
  readonly index: number;
  readonly count: number;
}

/** A device lent to one user until `release`. */
export interface Lent {
  readonly connectionString: string;
  release(): void;
}

/** The devices of this worker, lent round-robin, each to one user at a time. */
export class DevicePool {
  readonly #entries: readonly string[];
  readonly #lent = new Set<number>();
  #next = 0;

  /** A pool of `entries` (connection strings). */
  constructor(entries: readonly string[]) {
    this.#entries = entries;
  }

  /** Reads `path` and keeps the entries of `machine`'s share, then of `worker`'s share of those. */
  static fromFile(path: string, machine: Share, worker: Share): DevicePool {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new ScenarioError('invalid_scenario', `pool.file: cannot read ${path}: ${messageOf(error)}`);
    }
    return new DevicePool(shareOf(parseDeviceFile(text, path), machine, worker));
  }

  /** How many devices this worker has. */
  get size(): number {
    return this.#entries.length;
  }

  /** Lends the next device no user holds; throws `pool_exhausted` when every one is lent. */
  take(): Lent {
    for (let tried = 0; tried < this.#entries.length; tried++) {
      const index = this.#next;
      this.#next = (this.#next + 1) % this.#entries.length;
      if (this.#lent.has(index)) continue;
      this.#lent.add(index);
      let released = false;
      return {
        connectionString: this.#entries[index] as string,
        release: () => {
          if (released) return;
          released = true;
          this.#lent.delete(index);
        },
      };
    }
    throw new ScenarioError(
      'pool_exhausted',
      this.#entries.length === 0
        ? 'this worker got no device from the pool: the file has fewer devices than machine slices times workers'
        : `all ${this.#entries.length} devices of this worker are in use: add devices or lower the arrival rate`,
    );
  }
}

/** The entries of `machine`'s share (every `count`-th from `index`), then of `worker`'s share of those. */
export function shareOf<T>(entries: readonly T[], machine: Share, worker: Share): T[] {
  return entries.filter((_, i) => i % machine.count === machine.index).filter((_, i) => i % worker.count === worker.index);
}

/** A device (or module) connection string: it names a DeviceId. */
const DEVICE_CONNECTION_STRING = /(?:^|;)\s*DeviceId=/i;

/** The device connection strings of a file (lines, or JSON), in file order; throws `invalid_scenario` when there are none. */
export function parseDeviceFile(text: string, where: string): string[] {
  const trimmed = text.trim();
  let candidates: string[];
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let data: unknown;
    try {
      data = JSON.parse(trimmed);
    } catch (error) {
      throw new ScenarioError('invalid_scenario', `${where}: not valid JSON: ${messageOf(error)}`);
    }
    candidates = stringsIn(data);
  } else {
    candidates = trimmed.split(/\r?\n/).map((line) => (line.split(',')[0] ?? '').trim().replace(/^"(.*)"$/, '$1'));
  }
  const entries = candidates.filter((candidate) => DEVICE_CONNECTION_STRING.test(candidate));
  if (entries.length === 0) throw new ScenarioError('invalid_scenario', `${where}: no device connection strings (HostName=…;DeviceId=…) found`);
  return entries;
}

/** Every string in a JSON value, depth first, in document order. */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null) return [];
  return (Array.isArray(value) ? value : Object.values(value)).flatMap(stringsIn);
}

/** Parses a machine slice `k/n` (k from 1 to n) into a share. */
export function parseSlice(value: string, where: string): Share {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  const k = Number(match?.[1]);
  const n = Number(match?.[2]);
  if (match === null || !(n >= 1 && k >= 1 && k <= n)) {
    throw new ScenarioError('invalid_scenario', `${where} must be k/n with 1 ≤ k ≤ n (machine k of n), got ${JSON.stringify(value)}`);
  }
  return { index: k - 1, count: n };
}

/** This worker's share among the local workers `artillery run` started, read from the phases Artillery divided (one share when undivided). */
export function workerShare(phases: unknown): Share {
  if (Array.isArray(phases)) {
    for (const phase of phases as { worker?: unknown; totalWorkers?: unknown }[]) {
      const { worker, totalWorkers } = phase;
      if (Number.isInteger(worker) && Number.isInteger(totalWorkers) && (worker as number) >= 1 && (worker as number) <= (totalWorkers as number)) {
        return { index: (worker as number) - 1, count: totalWorkers as number };
      }
    }
  }
  return { index: 0, count: 1 };
}
