/**
 * A DPS driver (docs/protocol.md §13): connect to the provisioning service, `register`, wait for the
 * assignment, disconnect, then connect to the assigned hub as the assigned device. The
 * ProvisioningEngine does the protocol (subscribe, register, poll honouring retry-after, one
 * final event per registration); this file only opens the stream and keeps the loop running.
 */
import { DeviceEngine, ProvisioningEngine } from '@hubwire/core';
import type { AssignedEvent, DeviceEngineOptions, ProvisioningEngineOptions, ProvisioningEvent } from '@hubwire/core';
import { deviceResourceUri } from '@hubwire/sas';
import type { ByteStream, Connector } from './byte-stream.ts';
import { DeviceClient, type DeviceClientOptions } from './device-client.ts';
import { DriveLoop, monotonicClock, type Clock } from './drive-loop.ts';
import { sasAuth, type AuthSource, type SasAuthOptions } from './sas-auth.ts';

/** Options of {@link provision}. */
export interface ProvisionOptions {
  /** Opens a stream to DPS (TLS to `global.azure-devices-provisioning.net:8883`, or a local sim). */
  readonly connector: Connector;
  /** Engine options: idScope, registrationId, timeouts. */
  readonly engineOptions: ProvisioningEngineOptions;
  /** Credentials for DPS; see dpsAuth. */
  readonly auth: AuthSource;
  /** Custom allocation payload (PnP: `{ modelId: 'dtmi:…;1' }`). */
  readonly payload?: unknown;
  /** Every engine event, for logs. */
  readonly onEvent?: (event: ProvisioningEvent) => void;
  readonly clock?: Clock;
}

/** The registration ended without an assignment; `event` says why and whether retrying can help. */
export class ProvisioningError extends Error {
  /** The event that ended the attempt. */
  readonly event: ProvisioningEvent | undefined;

  /** Creates an error describing the event that ended the registration. */
  constructor(message: string, event?: ProvisioningEvent) {
    super(message);
    this.name = 'ProvisioningError';
    this.event = event;
  }
}

/**
 * Registers once and resolves with the `assigned` event; rejects with ProvisioningError on
 * `registration-failed`, a refused or lost connection, or a stream that cannot be opened. The
 * engine bounds every wait (requestTimeoutMs, registrationTimeoutMs), so this always settles.
 */
export async function provision(options: ProvisionOptions): Promise<AssignedEvent> {
  const engine = new ProvisioningEngine(options.engineOptions);
  let settle: { resolve: (a: AssignedEvent) => void; reject: (e: Error) => void } | undefined;
  const done = new Promise<AssignedEvent>((resolve, reject) => (settle = { resolve, reject }));
  let stream: ByteStream | undefined;
  const finish = (outcome: AssignedEvent | Error): void => {
    loop.close();
    loop.detach()?.close();
    if (outcome instanceof Error) settle?.reject(outcome);
    else settle?.resolve(outcome);
  };
  const loop = new DriveLoop<ProvisioningEvent>(engine, {
    clock: options.clock ?? monotonicClock,
    onEvent: (event) => {
      options.onEvent?.(event);
      switch (event.type) {
        case 'connected':
          loop.act((now) => engine.register(now, options.payload === undefined ? {} : { payload: options.payload }));
          break;
        case 'assigned':
          // Done with DPS: say goodbye properly, then close (the engine queues DISCONNECT).
          loop.act((now) => engine.disconnect(now));
          finish(event);
          break;
        case 'registration-failed':
          finish(new ProvisioningError(`registration failed: ${event.reason}${event.status === undefined ? '' : ` (${event.status})`}`, event));
          break;
        case 'connect-failed':
          finish(new ProvisioningError(`DPS refused the connection: ${event.reason}`, event));
          break;
        case 'connection-lost':
          finish(new ProvisioningError(`DPS connection lost: ${event.reason}`, event));
          break;
        default:
          break;
      }
    },
  });
  try {
    const auth = await options.auth();
    stream = await options.connector({
      onData: (chunk) => {
        if (loop.stream === stream) loop.receive(chunk);
      },
      onClose: (reason) => {
        if (stream !== undefined && loop.stream === stream) loop.connectionLost(reason);
      },
    });
    loop.attach(stream);
    loop.act((now) => engine.connect(now, auth));
  } catch (error) {
    finish(new ProvisioningError(`could not reach DPS: ${error instanceof Error ? error.message : String(error)}`));
  }
  return done;
}

/** Options of {@link deviceClientForAssignment}. */
export interface AssignedClientOptions extends Omit<DeviceClientOptions, 'engine' | 'auth' | 'renewTokens' | 'connector'> {
  /** Opens a stream to the assigned hub. */
  readonly connectorFor: (assignedHub: string) => Connector;
  /** The device's symmetric key (the individual key, or deriveGroupKey's result for a group). */
  readonly key: string;
  /** Engine options besides the identity. */
  readonly engineOptions?: Omit<DeviceEngineOptions, 'hostName' | 'deviceId' | 'moduleId'>;
  /** Token lifetime and clocks. */
  readonly sas?: SasAuthOptions;
}

/** Returns a DeviceClient for the hub and device id DPS assigned, signing hub tokens with the same key. */
export function deviceClientForAssignment(assignment: AssignedEvent, options: AssignedClientOptions): DeviceClient {
  const { assignedHub, deviceId } = assignment;
  const engine = new DeviceEngine({ ...options.engineOptions, hostName: assignedHub, deviceId });
  const auth = sasAuth({ resourceUri: deviceResourceUri(assignedHub, deviceId), key: options.key }, undefined, {
    ...options.sas,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  return new DeviceClient({ ...options, engine, auth, renewTokens: true, connector: options.connectorFor(assignedHub) });
}
