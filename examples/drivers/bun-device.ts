/**
 * A device on Bun's own TCP socket (`Bun.connect`), no Node API on the protocol path: it signs a
 * SAS token from its connection string, connects, sends one reading, reads its twin, answers the
 * first direct method, then disconnects. Every engine event is printed as one JSON line.
 *
 *   bun examples/drivers/bun-device.ts '<connection string>' 127.0.0.1:<port>
 *
 * Plain TCP is what the simulated hub speaks; IoT Hub itself wants TLS on 8883, which is
 * `tls: true` in the `Bun.connect` options and the same loop.
 */
import { DeviceEngine, text, type DeviceEvent } from '@hubwire/core';
import { createSasToken, deviceResourceUri, parseConnectionString } from '@hubwire/sas';

const [connectionString, address = '127.0.0.1:1883'] = Bun.argv.slice(2);
if (connectionString === undefined) fail('usage: bun-device.ts <connection string> [host:port]');
const now = (): number => performance.now();
const { cs, password, hostname, port } = await credentials(connectionString, address).catch((error: Error) => fail(error.message));
const engine = new DeviceEngine({ hostName: cs.hostName, deviceId: cs.deviceId });
const backlog: Uint8Array[] = [];
let timer: ReturnType<typeof setTimeout> | undefined;
const done = { acked: false, twin: false, method: false };
let closed!: () => void;
const ended = new Promise<void>((resolve) => (closed = resolve));
const watchdog = setTimeout(() => fail('gave up after 20 s'), 20_000);

const socket = await Bun.connect({
  hostname,
  port,
  socket: {
    data(_socket, chunk) {
      engine.receive(now(), chunk);
      drive();
    },
    drain: flush,
    close: () => closed(),
    error: (_socket, error) => fail(error.message),
  },
}).catch((error: Error) => fail(`${hostname}:${port}: ${error.message}`));

/** Reads the connection string and the address, and signs a token valid for an hour. */
async function credentials(connectionString: string, address: string) {
  const cs = parseConnectionString(connectionString);
  const [hostname = '127.0.0.1', port = '1883'] = address.split(':');
  const resourceUri = deviceResourceUri(cs.hostName, cs.deviceId);
  const password = await createSasToken({ resourceUri, key: cs.sharedAccessKey ?? '', expiresAt: Math.floor(Date.now() / 1000) + 3600 });
  return { cs, password, hostname, port: Number(port) };
}

/** After every input: write what the engine queued, hand each event to the app, then arm one timer for the next deadline. */
function drive(): void {
  for (;;) {
    for (let bytes = engine.pollTransmit(); bytes !== undefined; bytes = engine.pollTransmit()) backlog.push(bytes);
    flush();
    const event = engine.pollEvent();
    if (event === undefined) break;
    onEvent(event);
  }
  clearTimeout(timer);
  const deadline = engine.pollTimeout();
  timer = deadline === undefined ? undefined : setTimeout(() => (engine.handleTimeout(now()), drive()), Math.max(0, deadline - now()));
}

/** Writes the backlog in order; what the socket cannot take now waits for its `drain`. */
function flush(): void {
  while (backlog.length > 0) {
    const bytes = backlog[0]!;
    const sent = Math.max(0, socket.write(bytes));
    if (sent < bytes.length) {
      backlog[0] = bytes.subarray(sent);
      return;
    }
    backlog.shift();
  }
}

/** The application: print every event, act on a few. */
function onEvent(event: DeviceEvent): void {
  console.log(JSON.stringify(event, (_key, value: unknown) => (value instanceof Uint8Array ? text(value) : value)));
  if (event.type === 'connected') {
    engine.publishTelemetry(now(), JSON.stringify({ temperature: 21.5, runtime: 'bun' }), { contentType: 'application/json' });
    engine.getTwin(now());
  } else if (event.type === 'telemetry-acked') done.acked = true;
  else if (event.type === 'twin') done.twin = true;
  else if (event.type === 'method-request') {
    engine.respondMethod(now(), event.rid, 200, { method: event.methodName, runtime: 'bun', request: JSON.parse(text(event.body) || 'null') });
    done.method = true;
  } else if (event.type === 'disconnected') socket.end();
  else if (event.type === 'connect-failed' || event.type === 'connection-lost') fail(event.type);
  if (done.acked && done.twin && done.method && engine.isConnected) engine.disconnect(now());
}

/** Reports why the run ended early and exits non-zero. */
function fail(why: string): never {
  console.error(`bun-device: ${why}`);
  process.exit(1);
}

engine.connect(now(), { password });
drive();
await ended;
clearTimeout(timer);
clearTimeout(watchdog);
if (engine.state !== 'closed') fail(`the hub closed the connection while ${engine.state}`);
