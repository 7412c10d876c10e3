/**
 * The hub's lasting state in one file, `state.json` in the state folder: identities and keys, whole
 * twin documents, queued device-bound messages, kept MQTT sessions, DPS enrollments and registrations,
 * and the service policy key. Written atomically (files.ts) a moment after each change and on close;
 * read once at construction. A file that is not JSON, or not this hub's format, is an error that
 * names the file: the hub never replaces what it cannot read.
 */
import { join } from 'node:path';
import type { StoredMessage } from '../c2d.ts';
import type { StoredDps } from '../dps.ts';
import type { RegisteredIdentity } from '../registry.ts';
import type { StoredSession } from '../session-store.ts';
import type { TwinRecord } from '../twin-store.ts';
import { readOptionalTextSync, writeFileAtomic, writeFileAtomicSync } from './files.ts';

/** The state file's name inside the state folder. */
export const STATE_FILE = 'state.json';
/** The `format` field that marks a file as this hub's. */
export const STATE_FORMAT = 'hubwire-sim-hub-state';
/** The layout version written; files of a later version are refused. */
export const STATE_VERSION = 1;

/** The state file holds every identity's key and the service policy key: owner-only, as the key files. */
const KEY_FILE_MODE = 0o600;

/** The shared-access policy a service client signs with (IoT Hub's `iothubowner`). */
export interface ServicePolicy {
  readonly keyName: string;
  readonly primaryKey: string;
  readonly secondaryKey: string;
}

/** Everything the state file holds. */
export interface HubSnapshot {
  readonly hostName: string;
  readonly servicePolicy: ServicePolicy;
  readonly identities: readonly RegisteredIdentity[];
  readonly twins: Record<string, TwinRecord>;
  readonly deviceBound: Record<string, readonly StoredMessage[]>;
  readonly sessions: Record<string, StoredSession>;
  readonly dps: StoredDps;
}

/** A state file the hub cannot use; the message names the file and what is wrong. */
export class StateFileError extends Error {
  override readonly name = 'StateFileError';
}

/** Reads `dir/state.json`: undefined when there is none yet; throws StateFileError when it is not a usable state file. */
export function readStateFile(dir: string): HubSnapshot | undefined {
  const path = join(dir, STATE_FILE);
  const text = readOptionalTextSync(path);
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new StateFileError(`${path} is not valid JSON (${(error as Error).message}); the hub does not overwrite it: repair it, or move it away to start empty`);
  }
  const file = parsed as Record<string, unknown> | null;
  if (typeof file !== 'object' || file === null || file['format'] !== STATE_FORMAT) {
    throw new StateFileError(`${path} is not a hubwire sim-hub state file (no "format": "${STATE_FORMAT}"); choose another --state folder or move the file away`);
  }
  const version = file['version'];
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1 || version > STATE_VERSION) {
    throw new StateFileError(`${path} has layout version ${JSON.stringify(version)}; this hub reads versions 1 to ${STATE_VERSION}`);
  }
  const problem = shapeProblem(file);
  if (problem !== undefined) throw new StateFileError(`${path} is damaged: ${problem}`);
  return file as unknown as HubSnapshot;
}

/** The file's text for a snapshot. */
export function encodeStateFile(snapshot: HubSnapshot, savedAt: Date): string {
  return `${JSON.stringify({ format: STATE_FORMAT, version: STATE_VERSION, savedAt: savedAt.toISOString(), ...snapshot })}\n`;
}

function shapeProblem(file: Record<string, unknown>): string | undefined {
  const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
  if (typeof file['hostName'] !== 'string') return '"hostName" is not a string';
  const policy = file['servicePolicy'];
  if (!isObject(policy) || typeof policy['keyName'] !== 'string' || typeof policy['primaryKey'] !== 'string' || typeof policy['secondaryKey'] !== 'string') {
    return '"servicePolicy" is not {keyName, primaryKey, secondaryKey}';
  }
  if (!Array.isArray(file['identities'])) return '"identities" is not an array';
  for (const key of ['twins', 'deviceBound', 'sessions'] as const) if (!isObject(file[key])) return `"${key}" is not an object`;
  for (const [clientId, list] of Object.entries(file['deviceBound'] as object)) if (!Array.isArray(list)) return `"deviceBound.${clientId}" is not an array`;
  for (const [clientId, session] of Object.entries(file['sessions'] as object)) {
    if (!isObject(session) || !Array.isArray(session['subscriptions']) || !Array.isArray(session['outbound']) || typeof session['nextPacketId'] !== 'number') {
      return `"sessions.${clientId}" is not {subscriptions, outbound, nextPacketId}`;
    }
  }
  const dps = file['dps'];
  if (!isObject(dps) || !Array.isArray(dps['individual']) || !Array.isArray(dps['groups']) || !Array.isArray(dps['registrations']) || typeof dps['nextOperation'] !== 'number') {
    return '"dps" is not {individual, groups, registrations, nextOperation}';
  }
  return undefined;
}

/**
 * Saves snapshots a moment after changes, one write at a time; flush() and flushSync() save at once.
 * Bursts (a fleet connecting) cost one write per `delayMs`.
 */
export class StatePersister {
  readonly #path: string;
  readonly #snapshot: () => HubSnapshot;
  readonly #onError: (error: Error) => void;
  readonly #delayMs: number;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  #dirty = false;

  /** `snapshot` is read at each save; `onError` hears of failed writes (the next change tries again). */
  constructor(dir: string, snapshot: () => HubSnapshot, onError: (error: Error) => void, delayMs = 500) {
    this.#path = join(dir, STATE_FILE);
    this.#snapshot = snapshot;
    this.#onError = onError;
    this.#delayMs = delayMs;
  }

  /** Something changed: save soon. */
  schedule(): void {
    this.#dirty = true;
    if (this.#timer !== undefined || this.#writing !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#save();
    }, this.#delayMs);
    this.#timer.unref();
  }

  /** Saves now (after a write in progress), whether or not anything changed. */
  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#writing;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#dirty = true;
    await this.#save();
  }

  /** Saves now, synchronously (for a process about to exit). */
  flushSync(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    writeFileAtomicSync(this.#path, encodeStateFile(this.#snapshot(), new Date()), KEY_FILE_MODE);
    this.#dirty = false;
  }

  async #save(): Promise<void> {
    if (!this.#dirty) return;
    this.#dirty = false;
    const text = encodeStateFile(this.#snapshot(), new Date());
    this.#writing = writeFileAtomic(this.#path, text, KEY_FILE_MODE).catch((error: unknown) => this.#onError(error instanceof Error ? error : new Error(String(error))));
    await this.#writing;
    this.#writing = undefined;
    if (this.#dirty) this.schedule();
  }
}
