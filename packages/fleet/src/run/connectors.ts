/**
 * How the fleet's devices open streams: all to one place (the embedded hub, `--hub`, the
 * in-process network) or to each identity's own host (GatewayHostName, else HostName, else the
 * hub DPS assigned), from one source address or spread over several (`--source-addresses`, or
 * 127.0.0.x picked for a loopback hub when one address has too few ephemeral ports). Connectors
 * are made once per host and source, not per device.
 */
import { hubConnector, type Connector, type HubEndpoint } from '@hubwire/node';
import type { FleetConfig } from '../config/fleet-config.ts';

/** Opens streams for device number `index` to the hub named `hostName` (on `port`, when the identity names one). */
export type ConnectorFor = (hostName: string, index: number, port?: number) => Connector;

/** Returns `connectorFor(hostName, index)` for the run; device `index` uses source `sources[index % sources.length]`. */
export function connectorsFor(
  config: FleetConfig,
  fixed: { host: string; port?: number; ca?: string; servername?: string } | undefined,
  sources: readonly string[],
): ConnectorFor {
  const cache = new Map<string, Connector[]>();
  const transport = config.transport;
  // WebSocket connectors bind no source address: one connector per host.
  const localAddresses = transport === 'tls' || transport === 'tcp' ? sources : [];
  return (hostName, index, port) => {
    const key = port === undefined ? hostName : `${hostName}:${port}`;
    let connectors = cache.get(key);
    if (connectors === undefined) {
      // A GatewayHostName's port is the MQTT port: it holds for TLS and TCP, not WebSocket.
      const own = port === undefined || transport === 'wss' || transport === 'ws' ? { host: hostName } : { host: hostName, port };
      const target = fixed ?? config.hub ?? own;
      const ca = fixed?.ca ?? config.ca;
      const endpoint: HubEndpoint = {
        host: target.host,
        ...(target.port === undefined ? {} : { port: target.port }),
        transport: transport === 'tls' ? 'tls' : transport === 'tcp' ? 'tcp' : 'websocket',
        secure: transport === 'wss',
        ...(ca === undefined ? {} : { ca }),
        ...(fixed?.servername === undefined ? {} : { servername: fixed.servername }),
        connectTimeoutMs: config.connectTimeoutMs,
      };
      connectors = localAddresses.length === 0 ? [hubConnector(endpoint)] : localAddresses.map((localAddress) => hubConnector({ ...endpoint, localAddress }));
      cache.set(key, connectors);
    }
    return connectors[index % connectors.length] as Connector;
  };
}
