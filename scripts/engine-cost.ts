/**
 * What one DeviceEngine costs: heap per idle connected engine, and time and allocation per connect
 * (construct, `connect`, CONNACK, SUBSCRIBE, SUBACK). Run with the collector exposed:
 *
 *   node --expose-gc --import tsx scripts/engine-cost.ts [--engines N] [--connects N] [--kept N]
 *
 * `--engines` idle connected engines are built and kept (default 100 000; 1 000 000 fits in 1 GB);
 * `--connects` whole connects are timed in a loop, alone and again while `--kept` connected engines
 * stay alive (default 200 000 and 100 000), beside mqtt-packet's `generate` of the same CONNECT and
 * SUBSCRIBE alone, interleaved in the same run. The randomness is the engines' default
 * (`crypto.getRandomValues`), as in production. Times are wall clock: compare within one run.
 */
import { generate } from 'mqtt-packet';
import { DeviceEngine } from '@hubwire/core';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error('run with node --expose-gc (see the comment at the top of this file)');
  process.exit(2);
}

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isSafeInteger(value) || value < 1) {
    console.error(`--${name} needs a positive integer, got ${process.argv[at + 1] ?? 'nothing'}`);
    process.exit(2);
  }
  return value;
}

const ENGINES = flag('engines', 100_000);
const CONNECTS = flag('connects', 200_000);
const KEPT = flag('kept', 100_000);

const HOST = 'contoso.azure-devices.net';
const PASSWORD = 'SharedAccessSignature sr=contoso.azure-devices.net%2Fdevices%2Fdevice&sig=c2lnbmF0dXJl&se=1767225600';
const CONNACK = Uint8Array.of(0x20, 0x02, 0x00, 0x00);
/** SUBACK for packet id 1 granting the four default filters (C2D at QoS 1, the `$iothub` ones at 0). */
const SUBACK = Uint8Array.of(0x90, 0x06, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00);

/** One whole connect; returns the engine, connected, its queues drained. */
function connectOne(i: number): DeviceEngine {
  const engine = new DeviceEngine({ hostName: HOST, deviceId: `device-${i}` });
  engine.connect(0, { password: PASSWORD });
  while (engine.pollTransmit() !== undefined);
  engine.receive(1, CONNACK);
  while (engine.pollTransmit() !== undefined); // the SUBSCRIBE
  engine.receive(2, SUBACK);
  while (engine.pollEvent() !== undefined);
  if (engine.state !== 'connected') throw new Error(`engine ${i} did not connect: ${engine.state}`);
  return engine;
}

function settledHeap(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

function progress(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r${text}\x1b[K`);
}

/** The PUBACK of a QoS 1 PUBLISH with packet id 2 (the first after the SUBSCRIBE's). */
const PUBACK_2 = Uint8Array.of(0x40, 0x02, 0x00, 0x02);

/** A connected engine that has also sent one QoS 1 telemetry message and had it acknowledged, and read its twin. */
function usedOne(i: number): DeviceEngine {
  const engine = connectOne(i);
  engine.publishTelemetry(3, '{"t":21.5}', { contentType: 'application/json' });
  const { rid } = engine.getTwin(3);
  while (engine.pollTransmit() !== undefined);
  engine.receive(4, PUBACK_2);
  const topic = `$iothub/twin/res/200/?$rid=${rid}`;
  const body = '{"desired":{"$version":1},"reported":{"$version":1}}';
  engine.receive(5, Uint8Array.of(0x30, 2 + topic.length + body.length, 0, topic.length, ...Buffer.from(topic + body)));
  while (engine.pollEvent() !== undefined);
  if (engine.pendingRequests !== 0 || engine.inFlightTelemetry !== 0) throw new Error(`engine ${i} did not settle`);
  return engine;
}

/** Heap per connected engine built by `build`, with `count` of them alive at once. */
function heapPerEngine(count: number, build: (i: number) => DeviceEngine = connectOne): { perEngine: number; total: number } {
  const before = settledHeap();
  const kept: DeviceEngine[] = new Array<DeviceEngine>(count);
  for (let i = 0; i < count; i++) {
    kept[i] = build(i);
    if (i % 50_000 === 0) progress(`building idle engines: ${i} / ${count}`);
  }
  progress('');
  const total = settledHeap() - before - 8 * count; // minus the array holding them
  if (kept[count - 1]?.isConnected !== true) throw new Error('lost an engine');
  return { perEngine: total / count, total };
}

/** Microseconds per whole connect over `count` connects (after a warm-up), and heap allocated per connect. */
function connectCost(count: number, offset: number): { microseconds: number; allocated: number } {
  for (let i = 0; i < 20_000; i++) connectOne(offset + i);
  // Allocation: heap growth over a short run with no collection in between (the young generation
  // holds a few thousand connects' garbage); the median of several runs.
  const samples: number[] = [];
  for (let s = 0; s < 9; s++) {
    gc!();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 500; i++) connectOne(offset + i);
    const grown = process.memoryUsage().heapUsed - before;
    if (grown > 0) samples.push(grown / 500);
  }
  samples.sort((a, b) => a - b);
  const started = process.hrtime.bigint();
  let connected = 0;
  for (let i = 0; i < count; i++) if (connectOne(offset + i).isConnected) connected++;
  const elapsed = Number(process.hrtime.bigint() - started) / 1000;
  if (connected !== count) throw new Error('a connect failed');
  return { microseconds: elapsed / count, allocated: samples[Math.floor(samples.length / 2)] ?? Number.NaN };
}

/** mqtt-packet's `generate` of the CONNECT and SUBSCRIBE a connect sends, in µs per pair and bytes allocated. */
function generateCost(count: number): { microseconds: number; allocated: number } {
  const subscribe = {
    cmd: 'subscribe' as const,
    messageId: 1,
    subscriptions: [
      { topic: 'devices/device-1/messages/devicebound/#', qos: 1 as const },
      { topic: '$iothub/methods/POST/#', qos: 0 as const },
      { topic: '$iothub/twin/res/#', qos: 0 as const },
      { topic: '$iothub/twin/PATCH/properties/desired/#', qos: 0 as const },
    ],
  };
  let bytes = 0;
  const pair = (i: number): void => {
    const connect = generate({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId: `device-${i}`,
      clean: false,
      keepalive: 240,
      username: `${HOST}/device-${i}/?api-version=2021-04-12`,
      password: Buffer.from(PASSWORD),
    });
    bytes += connect.length + generate(subscribe).length;
  };
  for (let i = 0; i < 20_000; i++) pair(i);
  const samples: number[] = [];
  for (let s = 0; s < 9; s++) {
    gc!();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 500; i++) pair(i);
    samples.push((process.memoryUsage().heapUsed - before) / 500);
  }
  samples.sort((a, b) => a - b);
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) pair(i);
  const elapsed = Number(process.hrtime.bigint() - started) / 1000;
  if (bytes === 0) throw new Error('nothing generated');
  return { microseconds: elapsed / count, allocated: samples[4] ?? Number.NaN };
}

const generated = generateCost(CONNECTS);
const alone = connectCost(CONNECTS, 0);
const generatedAgain = generateCost(CONNECTS);
console.log(`mqtt-packet generate of the same CONNECT + SUBSCRIBE alone: ${((generated.microseconds + generatedAgain.microseconds) / 2).toFixed(2)} µs (before and after: ${generated.microseconds.toFixed(2)}, ${generatedAgain.microseconds.toFixed(2)}), ${Math.round(generated.allocated)} B allocated`);
console.log(`connect (construct, connect, CONNACK, SUBSCRIBE, SUBACK): ${alone.microseconds.toFixed(2)} µs, ${Math.round(alone.allocated)} B allocated per device (${CONNECTS} in a loop)`);

const idle = heapPerEngine(ENGINES);
console.log(`heap per idle connected DeviceEngine: ${Math.round(idle.perEngine)} B (${ENGINES} alive; ${(idle.total / 2 ** 20).toFixed(1)} MiB in all, ${((idle.perEngine * 1_000_000) / 2 ** 30).toFixed(2)} GiB for 1 000 000)`);

const used = heapPerEngine(Math.min(ENGINES, 100_000), usedOne);
console.log(`heap per connected DeviceEngine after one acknowledged QoS 1 message and one twin read: ${Math.round(used.perEngine)} B`);

const keptEngines: DeviceEngine[] = [];
for (let i = 0; i < KEPT; i++) keptEngines.push(connectOne(ENGINES + i));
const loaded = connectCost(CONNECTS, ENGINES + KEPT);
console.log(`connect with ${KEPT} connected engines kept: ${loaded.microseconds.toFixed(2)} µs per device`);
if (keptEngines.length !== KEPT) throw new Error('unreachable');
