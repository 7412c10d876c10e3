/**
 * The messages between a fleet and its embedded hub's process. The hub runs in a process of its
 * own so that the simulated service and the simulated devices do not take turns on one event
 * loop (on two cores, each gets one) nor share one process's open-file limit (each connection
 * holds a descriptor at both ends); these few messages are all they share.
 */
import type { FleetTransport } from '../config/fleet-config.ts';

/** The first request: what to start. */
export interface HubStart {
  readonly op: 'start';
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
  | HubStart
  | { readonly op: 'desired'; readonly deviceId: string; readonly patch: Record<string, unknown> }
  | { readonly op: 'method'; readonly id: number; readonly deviceId: string; readonly name: string; readonly payload: unknown; readonly timeoutMs: number }
  | { readonly op: 'stats'; readonly id: number }
  | { readonly op: 'close'; readonly id: number };

/** The hub process's own cost, since it started listening. */
export interface HubStats {
  /** Share of wall time its event loop was busy, in %. */
  readonly busyPercent: number;
  /** CPU time over wall time, in % of one core (TLS and GC threads included). */
  readonly cpuPercent: number;
  /** Its V8 heap in use (bytes). */
  readonly heapBytes: number;
  readonly rssBytes: number;
  /** Devices connected to it. */
  readonly connected: number;
}

/** Answers to requests that have an `id`. */
export type HubReply =
  | { readonly type: 'reply'; readonly id: number; readonly result: unknown }
  | { readonly type: 'reply'; readonly id: number; readonly error: { readonly code: string; readonly message: string } };
