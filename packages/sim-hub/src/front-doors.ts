/**
 * Starts everything a running hub listens with: the hub and DPS brokers, their MQTT listeners (TCP,
 * TLS, WebSocket, WebSocket over TLS) and the service side's HTTPS and HTTP listeners, on one bind
 * address. Ports come from the caller, 0 meaning one chosen by the OS.
 */
import type { RequestListener } from 'node:http';
import { createServiceBroker, type BrokerService } from './broker.ts';
import type { DpsIdentity } from './dps.ts';
import type { HubConnection } from './hub-state.ts';
import type { SimHubAddresses } from './sim-hub-options.ts';
import { listenHttp, listenTcp, listenWebSocket, type Listener } from './listeners.ts';

/** Every listener of a running hub, by name. */
export type ListenerName = 'mqtt' | 'ws' | 'mqtts' | 'wss' | 'dps' | 'dpsWs' | 'dpsMqtts' | 'dpsWss' | 'https' | 'http';

/** Ports to listen on, by listener; a missing one gets an OS-chosen port. */
export type SimHubPorts = Partial<Record<ListenerName, number>>;

/** Listener order and what each serves, for start-up and for messages. */
const LISTENERS: readonly { readonly name: ListenerName; readonly what: string }[] = [
  { name: 'mqtts', what: 'IoT Hub MQTT over TLS' },
  { name: 'wss', what: 'IoT Hub MQTT over WebSocket over TLS' },
  { name: 'mqtt', what: 'IoT Hub MQTT (plain TCP)' },
  { name: 'ws', what: 'IoT Hub MQTT over WebSocket (plain)' },
  { name: 'dpsMqtts', what: 'DPS MQTT over TLS' },
  { name: 'dpsWss', what: 'DPS MQTT over WebSocket over TLS' },
  { name: 'dps', what: 'DPS MQTT (plain TCP)' },
  { name: 'dpsWs', what: 'DPS MQTT over WebSocket (plain)' },
  { name: 'https', what: 'the service API over HTTPS' },
  { name: 'http', what: 'the service API over plain HTTP' },
];

/** What startFrontDoors needs. */
export interface FrontDoorOptions {
  readonly bind: string;
  readonly ports: SimHubPorts;
  readonly tls: { readonly cert: string; readonly key: string };
  readonly hub: BrokerService<HubConnection>;
  readonly dps: BrokerService<DpsIdentity>;
  readonly service: RequestListener;
}

/** Running front doors: the bound port of each listener, and teardown. */
export interface FrontDoors {
  readonly ports: Readonly<Record<ListenerName, number>>;
  /** Closes listeners (destroying their connections), then both brokers. */
  close(): Promise<void>;
}

/** Starts brokers and listeners; on failure closes what it started and rethrows (a ListenError names the listener). */
export async function startFrontDoors(options: FrontDoorOptions): Promise<FrontDoors> {
  const hub = await createServiceBroker<HubConnection>(options.hub);
  const dps = await createServiceBroker<DpsIdentity>(options.dps);
  const listeners: Listener[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(listeners.map((listener) => listener.close()));
    await Promise.all([hub.close(), dps.close()]);
  };
  const ports: Partial<Record<ListenerName, number>> = {};
  try {
    // One at a time, so a failure leaves only listeners that close() knows about.
    for (const { name, what } of LISTENERS) {
      const listenOptions = { host: options.bind, ...(options.ports[name] === undefined ? {} : { port: options.ports[name] }) };
      const secure = { ...listenOptions, tls: options.tls };
      const broker = name.startsWith('dps') ? dps : hub;
      const accept = broker.handle;
      let listener: Listener;
      switch (name) {
        case 'mqtt':
        case 'dps':
          listener = await listenTcp(accept, listenOptions, what);
          break;
        case 'mqtts':
        case 'dpsMqtts':
          listener = await listenTcp(accept, secure, what);
          break;
        case 'ws':
        case 'dpsWs':
          listener = await listenWebSocket(accept, listenOptions, what);
          break;
        case 'wss':
        case 'dpsWss':
          listener = await listenWebSocket(accept, secure, what);
          break;
        case 'https':
          // Also MQTT over WebSocket on /$iothub/websocket: the real hub serves both on 443.
          listener = await listenHttp(options.service, secure, what, hub.handle);
          break;
        case 'http':
          listener = await listenHttp(options.service, listenOptions, what);
          break;
      }
      listeners.push(listener);
      ports[name] = listener.port;
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { ports: ports as Record<ListenerName, number>, close };
}

/** SimHubAddresses from the bound ports and the rest. */
export function addressesOf(ports: Readonly<Record<ListenerName, number>>, rest: Pick<SimHubAddresses, 'bind' | 'hostName' | 'idScope' | 'caPem' | 'close'>): SimHubAddresses {
  return {
    mqttPort: ports.mqtt,
    wsPort: ports.ws,
    mqttsPort: ports.mqtts,
    wssPort: ports.wss,
    dpsPort: ports.dps,
    dpsWsPort: ports.dpsWs,
    dpsMqttsPort: ports.dpsMqtts,
    dpsWssPort: ports.dpsWss,
    httpsPort: ports.https,
    httpPort: ports.http,
    ...rest,
  };
}

/** One line naming every port, for the log. */
export function describeAddresses(a: SimHubAddresses): string {
  return (
    `${a.hostName} on ${a.bind}: mqtts ${a.mqttsPort}, wss ${a.wssPort}, mqtt ${a.mqttPort}, ws ${a.wsPort}, https ${a.httpsPort}, http ${a.httpPort}; ` +
    `dps ${a.idScope}: mqtts ${a.dpsMqttsPort}, wss ${a.dpsWssPort}, mqtt ${a.dpsPort}, ws ${a.dpsWsPort}`
  );
}
