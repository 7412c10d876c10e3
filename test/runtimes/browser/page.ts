/**
 * The browser test's page script, bundled by esbuild for `platform: 'browser'` with nothing
 * external: hubwire's libraries drive a device and a DPS registration over the browser's own
 * WebSocket, with SAS tokens signed by WebCrypto. The test starts each through `window.hubwirePage`
 * and hears every engine event through `window.hubwireReport` (a playwright binding).
 */
import { DeviceEngine, ProvisioningEngine, text } from '@hubwire/core';
import { createSasToken, deviceResourceUri, dpsResourceUri, parseConnectionString } from '@hubwire/sas';
import { parseInboundTopic } from '@hubwire/topics';

/** What the test calls in the page. */
export interface HubwirePage {
  /** Connects a device from its connection string over `url`; it sends a reading and reads its twin once connected. */
  startDevice(url: string, connectionString: string): void;
  /** Disconnects the device. */
  stopDevice(): void;
  /** Registers with DPS over `url` using an individual enrollment's key; disconnects once it ends. */
  provision(url: string, idScope: string, registrationId: string, key: string): void;
  /** A topic classified by @hubwire/topics in the page, as a check that the third library is there too. */
  classify(topic: string): string;
}

declare global {
  interface Window {
    hubwirePage: HubwirePage;
    hubwireReport(source: string, json: string): void;
  }
}

/** The surface both engines share, all a driver needs. */
interface Drivable<E> {
  receive(now: number, chunk: Uint8Array): void;
  pollTransmit(): Uint8Array | undefined;
  pollEvent(): E | undefined;
  pollTimeout(): number | undefined;
  handleTimeout(now: number): void;
  connectionLost(now: number, reason?: string): void;
}

const now = (): number => performance.now();
const TOKEN_SECONDS = 3600;

/** Sends an event to the test, bodies as text. */
function report(source: string, event: object): void {
  window.hubwireReport(source, JSON.stringify(event, (_key, value: unknown) => (value instanceof Uint8Array ? text(value) : value)));
}

/**
 * Runs `engine` over a WebSocket (subprotocol `mqtt`, one binary message per chunk): after every
 * input, send what it queued, hand each event to `onEvent`, then arm one timer for its deadline.
 */
function overWebSocket<E extends { type: string }>(engine: Drivable<E>, url: string, onOpen: () => void, onEvent: (event: E) => void): { drive(): void; socket: WebSocket } {
  const socket = new WebSocket(url, 'mqtt');
  socket.binaryType = 'arraybuffer';
  let timer: ReturnType<typeof setTimeout> | undefined;
  const drive = (): void => {
    for (;;) {
      for (let bytes = engine.pollTransmit(); bytes !== undefined; bytes = engine.pollTransmit()) {
        if (socket.readyState === WebSocket.OPEN) socket.send(bytes);
      }
      const event = engine.pollEvent();
      if (event === undefined) break;
      onEvent(event);
    }
    clearTimeout(timer);
    const deadline = engine.pollTimeout();
    timer = deadline === undefined ? undefined : setTimeout(() => (engine.handleTimeout(now()), drive()), Math.max(0, deadline - now()));
  };
  socket.onopen = () => {
    onOpen();
    drive();
  };
  socket.onmessage = (message: MessageEvent<ArrayBuffer>) => {
    engine.receive(now(), new Uint8Array(message.data));
    drive();
  };
  socket.onclose = (close) => {
    engine.connectionLost(now(), `websocket closed (${close.code})`);
    drive();
    clearTimeout(timer);
  };
  return { drive, socket };
}

let stopDevice = (): void => undefined;

/** Signs a token valid for an hour from the page's wall clock. */
async function token(resourceUri: string, key: string, keyName?: string): Promise<string> {
  const expiresAt = Math.floor(Date.now() / 1000) + TOKEN_SECONDS;
  return createSasToken({ resourceUri, key, expiresAt, ...(keyName === undefined ? {} : { keyName }) });
}

window.hubwirePage = {
  startDevice(url, connectionString) {
    const cs = parseConnectionString(connectionString);
    const engine = new DeviceEngine({ hostName: cs.hostName, deviceId: cs.deviceId });
    void token(deviceResourceUri(cs.hostName, cs.deviceId), cs.sharedAccessKey ?? '').then((password) => {
      const { drive, socket } = overWebSocket(
        engine,
        url,
        () => engine.connect(now(), { password }),
        (event) => {
          report('device', event);
          if (event.type === 'connected') {
            engine.publishTelemetry(now(), JSON.stringify({ temperature: 21.5, runtime: 'chromium' }), {
              contentType: 'application/json',
              contentEncoding: 'utf-8',
              properties: { source: 'browser' },
            });
            engine.getTwin(now());
          } else if (event.type === 'desired-patch') {
            engine.patchReported(now(), { interval: event.patch['interval'] ?? null });
          } else if (event.type === 'method-request') {
            engine.respondMethod(now(), event.rid, 200, { method: event.methodName, runtime: 'chromium', request: JSON.parse(text(event.body) || 'null') });
          } else if (event.type === 'disconnected') {
            socket.close();
          }
        },
      );
      stopDevice = () => {
        engine.disconnect(now());
        drive();
      };
    });
  },
  stopDevice: () => stopDevice(),
  provision(url, idScope, registrationId, key) {
    const engine = new ProvisioningEngine({ idScope, registrationId });
    void token(dpsResourceUri(idScope, registrationId), key, 'registration').then((password) => {
      const { socket } = overWebSocket(
        engine,
        url,
        () => engine.connect(now(), { password }),
        (event) => {
          report('dps', event);
          if (event.type === 'connected') engine.register(now());
          else if (event.type === 'assigned' || event.type === 'registration-failed') engine.disconnect(now());
          else if (event.type === 'disconnected') socket.close();
        },
      );
    });
  },
  classify: (topic) => parseInboundTopic(topic).kind,
};
