/**
 * The simulated hub a fleet starts when it is given none: @hubwire/sim-hub on 127.0.0.1 with its
 * own TLS listeners (a generated CA), so the default transport is the real service's — MQTT over
 * TLS, or WebSocket over TLS, with the certificate verified against that CA. It runs on a worker
 * thread (hub-worker.ts), so the service and the devices each have an event loop, and a core, of
 * their own; the fleet reaches it through sockets, like any hub, and through a few messages for
 * the service side.
 */
import { Worker } from 'node:worker_threads';
import type { FleetTransport } from '../config/fleet-config.ts';
import type { DeviceIdentity } from '../identities/identity.ts';
import type { HubReady, HubReply, HubRequest, HubThreadStats, HubWorkerData } from './hub-protocol.ts';

/** A request before it is numbered. */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/** What the fleet asks of the hub's service side (`--service-rate`). */
export interface ServiceSide {
  /** Pushes a desired-property patch to the device if it is connected. */
  updateDesired(deviceId: string, patch: Record<string, unknown>): void;
  /** Invokes a direct method; rejects with an Error whose `code` says why (`device-offline`, `timeout`, …). */
  invokeMethod(deviceId: string, name: string, payload: unknown, timeoutMs: number): Promise<{ status: number; payload: unknown }>;
}

/** A running embedded hub. */
export interface EmbeddedHub {
  /** The hub's host name (user names, `sr`). */
  readonly hostName: string;
  /** Where devices connect with the run's transport. */
  readonly host: string;
  readonly port: number;
  /** The CA to trust (PEM), for the TLS transports. */
  readonly ca: string;
  /** Identities for the fleet's device ids. */
  readonly identities: DeviceIdentity[];
  readonly service: ServiceSide;
  /** The hub thread's own cost so far. */
  stats(): Promise<HubThreadStats>;
  /** Closes the hub and ends its thread. */
  close(): Promise<void>;
}

/** Starts a hub on its own thread, registering `ids` (or one DPS group enrollment when `dps`); devices reach it with `transport`. */
export async function startEmbeddedHub(ids: readonly string[], transport: FleetTransport, dps: boolean): Promise<EmbeddedHub> {
  // TypeScript loaders such as tsx do not reach into worker threads on Node 20: the thread needs the build.
  if (import.meta.url.endsWith('.ts')) throw new Error('the embedded hub runs on a worker thread from the built package: run `pnpm build` and start dist/cli.js');
  const worker = new Worker(new URL('./hub-worker.js', import.meta.url), { workerData: { ids, transport, dps } satisfies HubWorkerData });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let exited: Error | undefined;

  const ready = await new Promise<Extract<HubReady, { type: 'ready' }>>((resolve, reject) => {
    const onMessage = (message: HubReady): void => {
      settle();
      if (message.type === 'ready') resolve(message);
      else reject(new Error(`the embedded hub did not start: ${message.message}`));
    };
    const onError = (error: Error): void => {
      settle();
      reject(error);
    };
    const onExit = (code: number): void => onError(new Error(`the embedded hub's thread ended (exit ${code}) before it listened`));
    const settle = (): void => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
  worker.on('message', (message: HubReply) => {
    const call = pending.get(message.id);
    if (call === undefined) return;
    pending.delete(message.id);
    if ('error' in message) call.reject(Object.assign(new Error(message.error.message), { code: message.error.code }));
    else call.resolve(message.result);
  });
  const ended = (error: Error): void => {
    exited = error;
    for (const call of pending.values()) call.reject(error);
    pending.clear();
  };
  worker.on('error', (error) => ended(error));
  worker.on('exit', (code) => ended(new Error(`the embedded hub's thread ended (exit ${code})`)));

  const request = <T>(message: WithoutId<Extract<HubRequest, { id: number }>>): Promise<T> => {
    if (exited !== undefined) return Promise.reject(exited);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ ...message, id });
    });
  };

  const identities: DeviceIdentity[] =
    ready.groupKey !== undefined
      ? ids.map((deviceId) => ({ deviceId, dps: { idScope: ready.idScope, groupKey: ready.groupKey as string, host: ready.host, port: ready.dpsPort } }))
      : ids.map((deviceId, i) => ({ deviceId, hostName: ready.hostName, key: ready.keys[i] as string }));
  let closing: Promise<void> | undefined;
  return {
    hostName: ready.hostName,
    host: ready.host,
    port: ready.port,
    ca: ready.ca,
    identities,
    service: {
      updateDesired: (deviceId, patch) => {
        if (exited === undefined) worker.postMessage({ op: 'desired', deviceId, patch } satisfies HubRequest);
      },
      invokeMethod: (deviceId, name, payload, timeoutMs) => request({ op: 'method', deviceId, name, payload, timeoutMs }),
    },
    stats: () => request<HubThreadStats>({ op: 'stats' }),
    close: () =>
      (closing ??= (async () => {
        if (exited === undefined) await request({ op: 'close' }).catch(() => undefined);
        await worker.terminate();
      })()),
  };
}
