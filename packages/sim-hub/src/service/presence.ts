/**
 * Connection state as the registry reports it (`connectionState`, `connectionStateUpdatedTime`,
 * `lastActivityTime`, the twin's `modelId`): the hub's live connections are compared after hub
 * events, at most every REFRESH_MS so that a busy hub pays for one scan per interval, not per event.
 */
import type { SimHub } from '../sim-hub.ts';

/** Coalescing interval of connection-state scans. */
const REFRESH_MS = 50;

/** What the registry says about one identity's connection. */
export interface PresenceInfo {
  readonly connected: boolean;
  /** Hub clock (ms) of the last connect or disconnect; undefined when never connected. */
  readonly changedAt?: number;
  /** Hub clock (ms) of the last connect or message; undefined when never active. */
  readonly lastActivityAt?: number;
  /** The PnP model the identity last connected with. */
  readonly modelId?: string;
  /** `tcp` or `ws` while connected. */
  readonly transport?: string;
}

interface Entry {
  connected: boolean;
  changedAt?: number;
  lastActivityAt?: number;
  modelId?: string;
  transport?: string;
}

/** Follows connections and activity of every identity of one hub. */
export class Presence {
  readonly #hub: SimHub;
  readonly #entries = new Map<string, Entry>();
  readonly #listeners = new Set<() => void>();
  readonly #stopWatching: () => void;
  readonly #telemetry: AsyncIterableIterator<{ deviceId: string; moduleId?: string; receivedAt: number }>;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  /** Starts following `hub`. */
  constructor(hub: SimHub) {
    this.#hub = hub;
    this.#scan();
    this.#stopWatching = hub.onChange(() => this.#schedule());
    this.#telemetry = hub.telemetryStream();
    void this.#followTelemetry();
  }

  /** What is known about a client id (`{d}` or `{d}/{m}`). */
  get(clientId: string): PresenceInfo {
    return this.#entries.get(clientId) ?? { connected: false };
  }

  /** Calls `listener` after each scan that changed something; returns the function that stops it. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops following the hub. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#stopWatching();
    void this.#telemetry.return?.();
    this.#listeners.clear();
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#scan()) for (const listener of [...this.#listeners]) listener();
    }, REFRESH_MS);
    this.#timer.unref();
  }

  /** Compares the live connections with what was known; returns true when anything changed. */
  #scan(): boolean {
    const now = this.#hub.now();
    let changed = false;
    const live = new Set<string>();
    for (const connection of this.#hub.connectedDevices()) {
      live.add(connection.clientId);
      const entry = this.#entries.get(connection.clientId);
      if (entry !== undefined && entry.connected && entry.transport === connection.transport) continue;
      this.#entries.set(connection.clientId, {
        connected: true,
        changedAt: now,
        lastActivityAt: now,
        ...(connection.modelId === undefined ? {} : { modelId: connection.modelId }),
        transport: connection.transport,
      });
      changed = true;
    }
    for (const [clientId, entry] of this.#entries) {
      if (!entry.connected || live.has(clientId)) continue;
      entry.connected = false;
      entry.changedAt = now;
      delete entry.transport;
      changed = true;
    }
    return changed;
  }

  async #followTelemetry(): Promise<void> {
    for await (const record of this.#telemetry) {
      const clientId = record.moduleId === undefined ? record.deviceId : `${record.deviceId}/${record.moduleId}`;
      const entry = this.#entries.get(clientId);
      if (entry !== undefined) entry.lastActivityAt = record.receivedAt;
    }
  }
}
