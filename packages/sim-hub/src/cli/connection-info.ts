/**
 * What the CLI hands a user: `connection-strings.json` (service and device connection strings, DPS
 * scope and group key) and the short summary it prints on start. Device connection strings carry
 * `GatewayHostName`, so an official device SDK opens its socket here while user names and SAS tokens
 * still name the hub's host (docs/protocol.md §3, §12).
 */
import { join } from 'node:path';
import type { SimHub } from '../sim-hub.ts';
import type { SimHubAddresses } from '../sim-hub-options.ts';

/** The port device SDKs dial when a connection string names no port (docs/protocol.md §1). */
const STANDARD_MQTTS_PORT = 8883;

/** The contents of `connection-strings.json`. */
export interface ConnectionInfo {
  readonly service: string;
  /** By client id (`{d}`, or `{d}/{m}` for a module). */
  readonly devices: Record<string, string>;
  readonly dps: {
    readonly idScope: string;
    /** Key of the first symmetric-key group enrollment. */
    readonly groupKey: string | undefined;
    /** What to pass the DPS SDK as its provisioning host. */
    readonly provisioningHost: string;
  };
}

/** The address a client on this machine dials for listeners bound to `bind`. */
export function dialAddress(bind: string): string {
  if (bind === '0.0.0.0' || bind === '') return '127.0.0.1';
  if (bind === '::') return '::1';
  return bind;
}

/**
 * `GatewayHostName` for device connection strings: the dial address, plus `:port` when the MQTTS port is
 * not 8883 (the Node SDK's Mqtt transport dials `mqtts://{GatewayHostName}`, so a port there is honoured).
 */
export function gatewayHostName(addresses: SimHubAddresses, port = addresses.mqttsPort): string {
  const host = dialAddress(addresses.bind);
  const bracketed = host.includes(':') ? `[${host}]` : host;
  return port === STANDARD_MQTTS_PORT ? bracketed : `${bracketed}:${port}`;
}

/** Builds the connection information for every registered identity. */
export function connectionInfo(hub: SimHub, addresses: SimHubAddresses): ConnectionInfo {
  const gateway = gatewayHostName(addresses);
  const devices: Record<string, string> = {};
  for (const identity of hub.identities()) {
    devices[identity.clientId] = hub.connectionString(identity.deviceId, identity.moduleId, { gatewayHostName: gateway });
  }
  return {
    service: hub.serviceConnectionString(),
    devices,
    dps: { idScope: addresses.idScope, groupKey: hub.dps.export().groups[0]?.key, provisioningHost: gatewayHostName(addresses, addresses.dpsMqttsPort) },
  };
}

/** The summary printed on start: where everything listens, how to trust the CA, the credentials. */
export function summary(info: ConnectionInfo, addresses: SimHubAddresses, stateDir: string): string {
  const at = dialAddress(addresses.bind);
  const host = at.includes(':') ? `[${at}]` : at;
  const caPath = join(stateDir, 'ca.pem');
  const lines = [
    `hubwire sim-hub ${addresses.hostName}, state in ${stateDir}`,
    `  IoT Hub  mqtts://${host}:${addresses.mqttsPort}  wss://${host}:${addresses.wssPort}/$iothub/websocket  (plain: mqtt ${addresses.mqttPort}, ws ${addresses.wsPort})`,
    `  DPS      mqtts://${host}:${addresses.dpsMqttsPort}  wss://${host}:${addresses.dpsWssPort}/$iothub/websocket  id scope ${info.dps.idScope}  (plain: mqtt ${addresses.dpsPort}, ws ${addresses.dpsWsPort})`,
    `  Service  https://${host}:${addresses.httpsPort}/  (plain: http ${addresses.httpPort})`,
    `Trust the CA ${caPath}:`,
    `  Node SDK: client.setOptions({ ca: fs.readFileSync('${caPath}', 'utf8') }), or NODE_EXTRA_CA_CERTS=${caPath}`,
    `  mosquitto_pub/sub: --cafile ${caPath}    curl: --cacert ${caPath}`,
    `Service connection string:`,
    `  ${info.service}`,
    `Device connection strings${Object.keys(info.devices).length === 0 ? ': none yet (--device ID registers one)' : ':'}`,
    ...Object.entries(info.devices).map(([id, connectionString]) => `  ${id}: ${connectionString}`),
    `DPS: provisioning host ${info.dps.provisioningHost}, id scope ${info.dps.idScope}, group key ${info.dps.groupKey ?? '(none)'}`,
    `All of it: ${join(stateDir, 'connection-strings.json')}`,
    'Ctrl+C stops the hub.',
  ];
  return lines.join('\n');
}
