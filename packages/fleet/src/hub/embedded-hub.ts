/**
 * The simulated hub a fleet starts when it is given none: @hubwire/sim-hub on 127.0.0.1 with its
 * own TLS listeners (a generated CA), so the default transport is the real service's — MQTT over
 * TLS, or WebSocket over TLS, with the certificate verified against that CA. It runs in a child
 * process (hub-process.ts), so the service and the devices each have an event loop (and, on two
 * cores, a core) and an open-file limit of their own; the fleet reaches it through sockets, like
 * any hub, and through a few IPC messages for the service side and the hub's own figures.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FleetTransport } from '../config/fleet-config.ts';
import type { DeviceIdentity } from '../identities/identity.ts';
import type { HubReady, HubReply, HubRequest, HubStats } from './hub-protocol.ts';

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
  /** The hub process's own cost so far. */
  stats(): Promise<HubStats>;
  /** Closes the hub and ends its process. */
  close(): Promise<void>;
}

/** Starts a hub in its own process, registering `ids` (or one DPS group enrollment when `dps`); devices reach it with `transport`. */
export async function startEmbeddedHub(ids: readonly string[], transport: FleetTransport, dps: boolean): Promise<EmbeddedHub> {
  // TypeScript loaders such as tsx are not carried into a forked process: it runs the build.
  if (import.meta.url.endsWith('.ts')) throw new Error('the embedded hub runs as a process from the built package: run `pnpm build` and start dist/cli.js');
  const child = fork(fileURLToPath(new URL('./hub-process.js', import.meta.url)), [], {
    // Structured clone for tens of thousands of ids and keys; no inherited flags (--cpu-prof, inspectors).
    serialization: 'advanced',
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let exited: Error | undefined;
  const post = (message: HubRequest): void => {
    if (child.connected) child.send(message);
  };
  post({ op: 'start', ids, transport, dps });

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
    const onExit = (code: number | null): void => onError(new Error(`the embedded hub's process ended (exit ${code}) before it listened`));
    const settle = (): void => {
      child.off('message', onMessage).off('error', onError).off('exit', onExit);
    };
    child.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
  child.on('message', (message: HubReply) => {
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
  child.on('error', (error) => ended(error));
  child.on('exit', (code) => ended(new Error(`the embedded hub's process ended (exit ${code})`)));

  const request = <T>(message: WithoutId<Extract<HubRequest, { id: number }>>): Promise<T> => {
    if (exited !== undefined) return Promise.reject(exited);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      post({ ...message, id } as HubRequest);
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
      updateDesired: (deviceId, patch) => post({ op: 'desired', deviceId, patch }),
      invokeMethod: (deviceId, name, payload, timeoutMs) => request({ op: 'method', deviceId, name, payload, timeoutMs }),
    },
    stats: () => request<HubStats>({ op: 'stats' }),
    close: () =>
      (closing ??= (async () => {
        if (exited === undefined) await request({ op: 'close' }).catch(() => undefined);
        if (child.exitCode === null) {
          const gone = new Promise((resolve) => child.once('exit', resolve));
          // A hub that does not leave after closing is ended.
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await gone;
          clearTimeout(timer);
        }
      })()),
  };
}
