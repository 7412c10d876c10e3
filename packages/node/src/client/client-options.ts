/**
 * What HubClient.connect accepts, and how it becomes a DeviceClient: a connection string signs
 * its own tokens; a DPS enrollment (individual key, or a group key from which the device key is
 * derived) registers first and then connects to the hub DPS assigned (docs/protocol.md §13).
 */
import type { ReconnectBackoffOptions, DeviceEngineOptions } from '@hubwire/core';
import { ConnectionStringError, deriveGroupKey, parseConnectionString, SasTokenError } from '@hubwire/sas';
import { DeviceClient, type DriverNotice } from '../device-client.ts';
import { deviceClientForAssignment, provision, ProvisioningError } from '../provisioning-client.ts';
import { dpsAuth } from '../sas-auth.ts';
import { hubConnector, type HubEndpoint, type HubTransport } from '../transport.ts';
import { HubClientError } from './hub-client-error.ts';

/** DPS's global endpoint (docs/protocol.md §13). */
export const GLOBAL_DPS_HOST = 'global.azure-devices-provisioning.net';

/** A DPS symmetric-key enrollment to register through before connecting. */
export interface ProvisioningTarget {
  /** The DPS ID scope, e.g. `0ne00000A0A`. */
  readonly idScope: string;
  /** The registration id (it becomes the device id unless DPS says otherwise). */
  readonly registrationId: string;
  /** The individual enrollment's key. */
  readonly symmetricKey?: string;
  /** A group enrollment's key: the device key is derived from it and the registration id. */
  readonly groupKey?: string;
  /** DPS host (default `global.azure-devices-provisioning.net`). */
  readonly host?: string;
  /** DPS port (default as the transport's). */
  readonly port?: number;
  /** Custom allocation payload (Plug and Play: `{ modelId }`). */
  readonly payload?: unknown;
}

/** Options of HubClient.connect: one identity source (a connection string or `provisioning`) plus transport settings. */
export interface HubClientOptions {
  /** A device or module connection string (`SharedAccessKey` renews its own tokens; a `SharedAccessSignature` is used until it expires). */
  readonly connectionString?: string;
  /** Register through DPS first. */
  readonly provisioning?: ProvisioningTarget;
  /** `tls` (default, port 8883), `websocket` (WSS, 443) or `tcp` (no TLS: local hubs only). */
  readonly transport?: HubTransport;
  /** Where the socket goes (default: the connection string's GatewayHostName, else HostName; the assigned hub after DPS). */
  readonly host?: string;
  /** Hub port (default as the transport's). */
  readonly port?: number;
  /** WebSocket only: `false` for plain `ws://`. */
  readonly secure?: boolean;
  /** Certificates to trust instead of the system's (PEM), e.g. a local hub's CA. */
  readonly ca?: HubEndpoint['ca'];
  /** Name the server certificate must carry (default: the host connected to). */
  readonly servername?: string;
  /** The first connection must succeed within this long (default 30 000 ms). */
  readonly connectTimeoutMs?: number;
  /** Engine options besides the identity: `modelId`, `keepAliveSeconds`, `requestTimeoutMs`, `maxInFlight`, … */
  readonly engineOptions?: Omit<DeviceEngineOptions, 'hostName' | 'deviceId' | 'moduleId'>;
  /** Lifetime of each signed SAS token (default 3600 s). */
  readonly tokenTtlSeconds?: number;
  /** Reconnect policy after the first connection (exponential back-off with jitter). */
  readonly backoff?: Partial<ReconnectBackoffOptions>;
  /** What the driver does underneath (streams opened and closed, reconnects, renewals), for logs. */
  readonly onNotice?: (notice: DriverNotice) => void;
}

/** Callbacks the client wires into the DeviceClient it builds. */
export type ClientHooks = Pick<ConstructorParameters<typeof DeviceClient>[0], 'onEvent' | 'onNotice'>;

/** Builds (without starting) the DeviceClient for `options`; rejects with HubClientError for bad settings or a failed DPS registration. */
export async function buildDeviceClient(options: HubClientOptions, hooks: ClientHooks): Promise<DeviceClient> {
  const endpoint = (host: string, port: number | undefined): HubEndpoint => ({
    host,
    ...(port === undefined ? {} : { port }),
    ...(options.transport === undefined ? {} : { transport: options.transport }),
    ...(options.secure === undefined ? {} : { secure: options.secure }),
    ...(options.ca === undefined ? {} : { ca: options.ca }),
    ...(options.servername === undefined ? {} : { servername: options.servername }),
    ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
  });
  const shared = {
    ...hooks,
    ...(options.engineOptions === undefined ? {} : { engineOptions: options.engineOptions }),
    ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
  };
  if ((options.connectionString === undefined) === (options.provisioning === undefined)) {
    throw new HubClientError('invalid-argument', 'give exactly one of connectionString and provisioning');
  }
  if (options.connectionString !== undefined) {
    let cs;
    try {
      cs = parseConnectionString(options.connectionString);
    } catch (error) {
      throw new HubClientError('invalid-argument', `the connection string is not usable: ${(error as Error).message}`, { cause: error });
    }
    // A GatewayHostName's port (a local hub off 8883) is the MQTT port: dialled for TLS and TCP, not WebSocket.
    const gatewayPort = options.host === undefined && options.transport !== 'websocket' ? cs.gatewayPort : undefined;
    return DeviceClient.fromConnectionString(options.connectionString, {
      ...shared,
      connector: hubConnector(endpoint(options.host ?? cs.gatewayHostName ?? cs.hostName, options.port ?? gatewayPort)),
      ...(options.tokenTtlSeconds === undefined ? {} : { tokenTtlSeconds: options.tokenTtlSeconds }),
    });
  }
  const target = options.provisioning as ProvisioningTarget;
  const key = await deviceKey(target);
  let assignment;
  try {
    assignment = await provision({
      connector: hubConnector(endpoint(target.host ?? GLOBAL_DPS_HOST, target.port)),
      engineOptions: { idScope: target.idScope, registrationId: target.registrationId },
      auth: dpsAuth(target.idScope, target.registrationId, key),
      ...(target.payload === undefined ? {} : { payload: target.payload }),
    });
  } catch (error) {
    if (!(error instanceof ProvisioningError)) throw new HubClientError('invalid-argument', (error as Error).message, { cause: error });
    const event = error.event;
    if (event === undefined) throw new HubClientError('unreachable', error.message, { cause: error });
    if (event.type === 'connect-failed') {
      throw new HubClientError('connect-refused', error.message, { reason: event.reason, returnCode: event.returnCode, cause: error });
    }
    const status = event.type === 'registration-failed' ? event.status : undefined;
    throw new HubClientError('provisioning-failed', error.message, { ...(status === undefined ? {} : { status }), cause: error });
  }
  return deviceClientForAssignment(assignment, {
    ...shared,
    key,
    connectorFor: (assignedHub) => hubConnector(endpoint(options.host ?? assignedHub, options.port)),
    ...(options.tokenTtlSeconds === undefined ? {} : { sas: { tokenTtlSeconds: options.tokenTtlSeconds } }),
  });
}

/** The device's own key: given, or derived from the group key; throws HubClientError when neither is usable. */
async function deviceKey(target: ProvisioningTarget): Promise<string> {
  if ((target.symmetricKey === undefined) === (target.groupKey === undefined)) {
    throw new HubClientError('invalid-argument', 'provisioning needs exactly one of symmetricKey and groupKey');
  }
  if (target.symmetricKey !== undefined) return target.symmetricKey;
  try {
    return await deriveGroupKey(target.groupKey as string, target.registrationId);
  } catch (error) {
    if (error instanceof SasTokenError || error instanceof ConnectionStringError) {
      throw new HubClientError('invalid-argument', `the group key is not usable: ${error.message}`, { cause: error });
    }
    throw error;
  }
}
