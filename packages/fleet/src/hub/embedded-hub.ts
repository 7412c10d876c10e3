/**
 * The simulated hub a fleet starts when it is given none: @hubwire/sim-hub on 127.0.0.1 with its
 * own TLS listeners (a generated CA), so the default transport is the real service's — MQTT over
 * TLS, or WebSocket over TLS, with the certificate verified against that CA. It registers the
 * fleet's devices itself, or one DPS group enrollment when the devices are to register through DPS.
 */
import { SimHub } from '@hubwire/sim-hub';
import type { FleetTransport } from '../config/fleet-config.ts';
import type { DeviceIdentity } from '../identities/identity.ts';

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

/** Starts a hub, registering `ids` (or one DPS group enrollment when `dps`); devices reach it with `transport`. */
export async function startEmbeddedHub(ids: readonly string[], transport: FleetTransport, dps: boolean): Promise<EmbeddedHub> {
  // Telemetry records are kept for tests; a fleet only needs the hub to acknowledge.
  const hub = new SimHub({ maxTelemetryRecords: 1000, dps: { retryAfterSeconds: 1, pollsBeforeAssigned: 0 } });
  try {
    const addresses = await hub.start();
    const ports = {
      tls: [addresses.mqttsPort, addresses.dpsMqttsPort],
      wss: [addresses.wssPort, addresses.dpsWssPort],
      tcp: [addresses.mqttPort, addresses.dpsPort],
      ws: [addresses.wsPort, addresses.dpsWsPort],
    }[transport];
    const [port, dpsPort] = ports as [number, number];
    let identities: DeviceIdentity[];
    if (dps) {
      const { key } = hub.dps.addGroupEnrollment();
      identities = ids.map((deviceId) => ({ deviceId, dps: { idScope: addresses.idScope, groupKey: key, host: addresses.bind, port: dpsPort } }));
    } else {
      identities = ids.map((deviceId) => ({ deviceId, hostName: hub.hostName, key: hub.addDevice({ deviceId }).key as string }));
    }
    return { hub, host: addresses.bind, port, ca: addresses.caPem, identities, close: () => hub.close() };
  } catch (error) {
    await hub.close();
    throw error;
  }
}
