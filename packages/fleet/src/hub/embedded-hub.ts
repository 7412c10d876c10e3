/**
 * The simulated hub a fleet starts when it is given none: @hubwire/sim-hub on 127.0.0.1, with a
 * generated CA and TLS fronts for its MQTT and WebSocket listeners so the default transport is
 * the real service's (TLS, certificate verified against that CA). It registers the fleet's
 * devices itself, or a DPS group enrollment when the devices are to register through DPS.
 */
import { SimHub } from '@hubwire/sim-hub';
import type { FleetTransport } from '../config/fleet-config.ts';
import type { DeviceIdentity } from '../identities/identity.ts';
import { makeCertificates, startTlsFront, type TlsFront } from './tls-front.ts';

/** A running embedded hub. */
export interface EmbeddedHub {
  readonly hub: SimHub;
  /** Where devices connect with `transport`. */
  readonly host: string;
  readonly port: number;
  /** The CA to trust (PEM), for the TLS transports. */
  readonly ca: string;
  /** Identities for the fleet's device ids. */
  readonly identities: DeviceIdentity[];
  /** Everything the hub holds that grows per message is bounded; this tears it all down. */
  close(): Promise<void>;
}

/** Starts a hub listening for `transport`, registering `ids` (or one DPS group enrollment when `dps`). */
export async function startEmbeddedHub(ids: readonly string[], transport: FleetTransport, dps: boolean): Promise<EmbeddedHub> {
  // Telemetry records are kept for tests; a fleet only needs the hub to acknowledge.
  const hub = new SimHub({ maxTelemetryRecords: 1000, dps: { retryAfterSeconds: 1, pollsBeforeAssigned: 0 } });
  const addresses = await hub.start();
  const fronts: TlsFront[] = [];
  try {
    const certificates = await makeCertificates();
    const plainPort = transport === 'tls' || transport === 'tcp' ? addresses.mqttPort : addresses.wsPort;
    let port = plainPort;
    let dpsPort = transport === 'tls' || transport === 'tcp' ? addresses.dpsPort : addresses.dpsWsPort;
    if (transport === 'tls' || transport === 'wss') {
      fronts.push(await startTlsFront(certificates, plainPort));
      fronts.push(await startTlsFront(certificates, dpsPort));
      port = (fronts[0] as TlsFront).port;
      dpsPort = (fronts[1] as TlsFront).port;
    }
    let identities: DeviceIdentity[];
    if (dps) {
      const { key } = hub.dps.addGroupEnrollment();
      identities = ids.map((deviceId) => ({ deviceId, dps: { idScope: addresses.idScope, groupKey: key, host: '127.0.0.1', port: dpsPort } }));
    } else {
      identities = ids.map((deviceId) => ({ deviceId, hostName: hub.hostName, key: hub.addDevice({ deviceId }).key as string }));
    }
    return {
      hub,
      host: '127.0.0.1',
      port,
      ca: certificates.ca,
      identities,
      async close() {
        await Promise.all(fronts.map((front) => front.close()));
        await hub.close();
      },
    };
  } catch (error) {
    await Promise.all(fronts.map((front) => front.close()));
    await hub.close();
    throw error;
  }
}
