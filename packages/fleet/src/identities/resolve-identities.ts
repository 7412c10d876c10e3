/**
 * Turns the configured identity source into one identity per device, and the embedded hub when
 * the fleet runs against its own.
 */
import { FleetConfigError } from '../config/config-error.ts';
import type { FleetConfig } from '../config/fleet-config.ts';
import { idPattern } from '../config/id-pattern.ts';
import { startEmbeddedHub, type EmbeddedHub } from '../hub/embedded-hub.ts';
import { identitiesFromFile } from './connection-string-file.ts';
import type { DeviceIdentity } from './identity.ts';
import { createDevices, parseServiceConnectionString } from './service-registry.ts';

/** The fleet's identities, and the embedded hub if one was started. */
export interface ResolvedIdentities {
  readonly identities: DeviceIdentity[];
  readonly embedded?: EmbeddedHub;
}

/** The fleet's device ids: the pattern over `start` … `start + devices - 1`. */
export function fleetIds(config: FleetConfig): string[] {
  const format = idPattern(config.idPattern);
  return Array.from({ length: config.devices }, (_, i) => format(config.start + i));
}

/** Loads or creates the identities the config asks for; throws FleetConfigError / FleetConnectError with a message for the user. */
export async function resolveIdentities(config: FleetConfig, log: (line: string) => void): Promise<ResolvedIdentities> {
  const source = config.source;
  switch (source.kind) {
    case 'embedded': {
      if (config.inProcess) return { identities: fleetIds(config).map((deviceId) => ({ deviceId, hostName: 'in-process.local', key: IN_PROCESS_KEY })) };
      const embedded = await startEmbeddedHub(fleetIds(config), config.transport, source.dps);
      log(`embedded simulated hub ${embedded.hostName} on ${embedded.host}:${embedded.port} (${config.transport}${source.dps ? ', devices register through DPS' : ''})`);
      return { identities: embedded.identities, embedded };
    }
    case 'file':
      return { identities: identitiesFromFile(source.path, config.start, config.devices) };
    case 'dps': {
      const dps = { idScope: source.idScope, groupKey: source.groupKey, host: source.host, ...(source.port === undefined ? {} : { port: source.port }) };
      return { identities: fleetIds(config).map((deviceId) => ({ deviceId, dps })) };
    }
    case 'service': {
      const service = parseServiceConnectionString(source.connectionString);
      const ids = fleetIds(config);
      log(`creating ${ids.length} devices on ${service.hostName} through the service API`);
      const identities = await createDevices(service, ids, {
        ...(source.url === undefined ? {} : { url: source.url }),
        ...(config.ca === undefined ? {} : { ca: config.ca }),
      });
      return { identities };
    }
    default:
      throw new FleetConfigError(`unknown identity source ${String((source as { kind: unknown }).kind)}`);
  }
}

/** The in-process hub checks no signature; devices still sign a token per connect, as real ones do. */
const IN_PROCESS_KEY = 'aW4tcHJvY2Vzcy1zaW11bGF0ZWQtbmV0d29yay1rZXk=';
