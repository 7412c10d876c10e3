/**
 * The messages between a fleet and the embedded hub's worker thread. The hub runs on a thread of
 * its own so that, on a machine with two cores, the simulated service and the simulated devices
 * do not take turns on one event loop; these few messages are all they share.
 */
import type { FleetTransport } from '../config/fleet-config.ts';

/** What the worker is started with. */
export interface HubWorkerData {
  readonly ids: readonly string[];
  readonly transport: FleetTransport;
  /** Register the devices through DPS (one group enrollment) instead of in the registry. */
  readonly dps: boolean;
}

/** The worker's first message: where it listens and the identities it made. */
export type HubReady =
  | {
      readonly type: 'ready';
      readonly hostName: string;
      readonly host: string;
      readonly port: number;
      readonly dpsPort: number;
      readonly idScope: string;
      readonly ca: string;
      /** Each device's key, in the order of `ids` (registry), or the group enrollment's key (DPS). */
      readonly keys: readonly string[];
      readonly groupKey?: string;
    }
  | { readonly type: 'failed'; readonly message: string };

/** Requests from the fleet. */
export type HubRequest =
  | { readonly op: 'desired'; readonly deviceId: string; readonly patch: Record<string, unknown> }
  | { readonly op: 'method'; readonly id: number; readonly deviceId: string; readonly name: string; readonly payload: unknown; readonly timeoutMs: number }
  | { readonly op: 'stats'; readonly id: number }
  | { readonly op: 'close'; readonly id: number };

/** The hub thread's own cost. */
export interface HubThreadStats {
  /** Share of wall time its event loop was busy since it started, in %. */
  readonly busyPercent: number;
  /** Its V8 heap in use (bytes). */
  readonly heapBytes: number;
  /** Devices connected to it. */
  readonly connected: number;
}

/** Answers to requests that have an `id`. */
export type HubReply =
  | { readonly type: 'reply'; readonly id: number; readonly result: unknown }
  | { readonly type: 'reply'; readonly id: number; readonly error: { readonly code: string; readonly message: string } };
