/**
 * How the fleet's devices open streams: all to one place (the embedded hub, `--hub`, the
 * in-process network) or to each identity's own host (GatewayHostName, else HostName, else the
 * hub DPS assigned). Connectors are made once per host, not per device.
 */
import { hubConnector, type Connector, type HubEndpoint } from '@hubwire/node';
import type { FleetConfig } from '../config/fleet-config.ts';

/** Returns `connectorFor(hostName)` for the run. */
export function connectorsFor(
  config: FleetConfig,
  fixed: { host: string; port?: number; ca?: string; servername?: string } | undefined,
): (hostName: string) => Connector {
  const cache = new Map<string, Connector>();
  const transport = config.transport;
  return (hostName) => {
    let connector = cache.get(hostName);
    if (connector !== undefined) return connector;
    const target = fixed ?? config.hub ?? { host: hostName };
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
    connector = hubConnector(endpoint);
    cache.set(hostName, connector);
    return connector;
  };
}
