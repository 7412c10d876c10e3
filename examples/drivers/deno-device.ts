/**
 * A device on Deno's own TCP socket (`Deno.connect`), no Node API anywhere: it signs a SAS token
 * from its connection string, connects, sends one reading, reads its twin, answers the first
 * direct method, then disconnects. Every engine event is printed as one JSON line.
 *
 *   npx -y pnpm@10 build   # the libraries' dist, which deno-import-map.json points at
 *   deno run --allow-net=127.0.0.1 --import-map=examples/drivers/deno-import-map.json \
 *     examples/drivers/deno-device.ts '<connection string>' 127.0.0.1:<port>
 *
 * Plain TCP is what the simulated hub speaks; IoT Hub itself wants TLS on 8883, which is
 * `Deno.connectTls` in place of `Deno.connect` and the same loop.
 */
import { DeviceEngine, text, type DeviceEvent } from '@hubwire/core';
import { createSasToken, deviceResourceUri, parseConnectionString } from '@hubwire/sas';

const [connectionString, address = '127.0.0.1:1883'] = Deno.args;
if (connectionString === undefined) fail('usage: deno-device.ts <connection string> [host:port]');
const now = (): number => performance.now();
const { cs, password, hostname, port } = await credentials(connectionString, address).catch((error: Error) => fail(error.message));
const engine = new DeviceEngine({ hostName: cs.hostName, deviceId: cs.deviceId });
const socket = await Deno.connect({ hostname, port }).catch((error: Error) => fail(`${hostname}:${port}: ${error.message}`));
const watchdog = setTimeout(() => fail('gave up after 20 s'), 20_000);
let writes = Promise.resolve();
let timer: ReturnType<typeof setTimeout> | undefined;
const done = { acked: false, twin: false, method: false };

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
    for (let bytes = engine.pollTransmit(); bytes !== undefined; bytes = engine.pollTransmit()) write(bytes);
    const event = engine.pollEvent();
    if (event === undefined) break;
    onEvent(event);
  }
  clearTimeout(timer);
  const deadline = engine.pollTimeout();
  timer = deadline === undefined ? undefined : setTimeout(() => (engine.handleTimeout(now()), drive()), Math.max(0, deadline - now()));
}

/** Queues bytes behind earlier writes: `write` may take part of a buffer, so the rest is written after it. */
function write(bytes: Uint8Array): void {
  writes = writes.then(async () => {
    for (let sent = 0; sent < bytes.length; ) sent += await socket.write(bytes.subarray(sent));
  });
}

/** The application: print every event, act on a few. */
function onEvent(event: DeviceEvent): void {
  console.log(JSON.stringify(event, (_key, value: unknown) => (value instanceof Uint8Array ? text(value) : value)));
  if (event.type === 'connected') {
    engine.publishTelemetry(now(), JSON.stringify({ temperature: 21.5, runtime: 'deno' }), { contentType: 'application/json' });
    engine.getTwin(now());
  } else if (event.type === 'telemetry-acked') done.acked = true;
  else if (event.type === 'twin') done.twin = true;
  else if (event.type === 'method-request') {
    engine.respondMethod(now(), event.rid, 200, { method: event.methodName, runtime: 'deno', request: JSON.parse(text(event.body) || 'null') });
    done.method = true;
  } else if (event.type === 'disconnected') writes = writes.then(() => socket.closeWrite());
  else if (event.type === 'connect-failed' || event.type === 'connection-lost') fail(event.type);
  if (done.acked && done.twin && done.method && engine.isConnected) engine.disconnect(now());
}

/** Reports why the run ended early and exits non-zero. */
function fail(why: string): never {
  console.error(`deno-device: ${why}`);
  Deno.exit(1);
}

engine.connect(now(), { password });
drive();
for await (const chunk of socket.readable) {
  engine.receive(now(), chunk);
  drive();
}
await writes;
clearTimeout(timer);
clearTimeout(watchdog);
if (engine.state !== 'closed') fail(`the hub closed the connection while ${engine.state}`);
