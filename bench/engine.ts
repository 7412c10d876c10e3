/**
 * Suite 3 — engine: memory per idle connected DeviceEngine (N engines connected with a scripted
 * CONNACK, heap delta ÷ N), memory per pending twin request, and events per second through
 * receive() + pollEvent() for a stream of C2D messages (QoS 1, auto-acknowledged) and method
 * requests, beside mqtt-packet's Parser on the same bytes.
 */
import { DeviceEngine } from '@hubwire/core';
import { parser as createParser } from 'mqtt-packet';
import { asBuffer, concat } from './lib/bytes.ts';
import { connect, connectedEngine, drain, engineOptions } from './lib/engine.ts';
import { settledHeap } from './lib/gc.ts';
import { type Case, runSuite } from './lib/harness.ts';
import { interleavedRatio } from './lib/interleaved.ts';
import { c2dMessage, DEVICE_ID, methodRequest } from './lib/inbound-stream.ts';

/** Engines created for the idle-memory measurement. */
const FLEET = 100_000;
/** Twin requests left pending for the per-request measurement. */
const PENDING = 1000;

/** Heap bytes per idle connected engine, measured over a fleet of `count`. */
function idleEngineBytes(count: number): { bytesPerEngine: number; seconds: number } {
  const started = process.hrtime.bigint();
  const before = settledHeap();
  const fleet: DeviceEngine[] = new Array(count);
  for (let i = 0; i < count; i++) fleet[i] = connect(new DeviceEngine(engineOptions(`fleet-${i}`)));
  const after = settledHeap();
  if (fleet.some((e) => e.state !== 'connected')) throw new Error('wrong result!');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { bytesPerEngine: (after - before) / count, seconds };
}

/** Heap bytes per pending twin GET on one connected engine (subscribed to twin responses). */
function pendingRequestBytes(count: number): number {
  const options = { subscribe: { c2d: false, methods: false, twin: true }, maxQueued: count };
  const engines = Array.from({ length: 10 }, (_, i) => connectedEngine(`pending-${i}`, options));
  const before = settledHeap();
  for (const engine of engines) {
    for (let i = 0; i < count; i++) engine.getTwin(0);
    drain(engine); // the GETs go out; only the pending entries stay
  }
  const after = settledHeap();
  if (engines.some((e) => e.pendingRequests !== count)) throw new Error('wrong result!');
  return (after - before) / (count * engines.length);
}

function receiveCases(): Case[] {
  const packets: Uint8Array[] = [];
  for (let n = 0; n < 200; n++) packets.push(c2dMessage(n), methodRequest(n));
  const stream = concat(packets);
  const buffer = asBuffer(stream);
  const engine = connectedEngine(DEVICE_ID, { subscribe: { c2d: true, methods: true, twin: false } });
  let events = 0;
  const pass = (): number => {
    engine.receive(0, stream);
    events = 0;
    while (engine.pollEvent() !== undefined) events++;
    while (engine.pollTransmit() !== undefined); // the PUBACKs for the C2D messages
    return events;
  };
  if (pass() !== packets.length) throw new Error(`expected ${packets.length} events, got ${events}`);
  const parser = createParser({ protocolVersion: 4 });
  let parsed = 0;
  parser.on('packet', () => {
    parsed++;
  });
  const group = `C2D (QoS 1) + method requests, one ${Math.round(stream.length / 1024)} KiB chunk`;
  return [
    {
      group, impl: 'mqtt-packet', label: 'Parser (bytes → packets only)', packets: packets.length, bytes: stream.length,
      fn: () => {
        parsed = 0;
        parser.parse(buffer);
        if (parsed !== packets.length) throw new Error('wrong result!');
      },
    },
    {
      group, impl: 'hubwire', label: 'engine receive + pollEvent (→ typed events, PUBACKs)', packets: packets.length, bytes: stream.length,
      fn: () => {
        if (pass() !== packets.length) throw new Error('wrong result!');
      },
    },
  ];
}

/** Runs the engine suite. */
export async function engineSuite(): Promise<void> {
  const idle = idleEngineBytes(FLEET);
  const pending = pendingRequestBytes(PENDING);
  const cases = receiveCases();
  const [parserCase, engineCase] = cases as [Case, Case];
  // The same two functions timed in alternation, for a ratio that load drift cannot skew.
  const interleaved = interleavedRatio(parserCase.fn, engineCase.fn, engineCase.packets);
  const rows = await runSuite('engine', cases, {
    interleaved,
    memory: {
      fleet: FLEET,
      bytesPerIdleConnectedEngine: idle.bytesPerEngine,
      fleetSetupSeconds: idle.seconds,
      bytesPerPendingTwinRequest: pending,
    },
  });
  const events = rows.find((r) => r.impl === 'hubwire');
  const perSecond = Math.round(1e9 / (events?.nsPerPacket ?? Number.NaN)).toLocaleString('en-US');
  const fleet = FLEET.toLocaleString('en-US');
  console.log(`\n  events/s through receive + pollEvent: ${perSecond}`);
  console.log(`  heap per idle connected DeviceEngine: ${idle.bytesPerEngine.toFixed(0)} B (N = ${fleet}, set up in ${idle.seconds.toFixed(1)} s)`);
  const ns = `${interleaved.candidateNsPerPacket.toFixed(0)} vs ${interleaved.baselineNsPerPacket.toFixed(0)} ns/packet`;
  console.log(`  interleaved ratio to the Parser:       ${interleaved.ratio.toFixed(2)}× (${ns}; bench/lib/interleaved.ts)`);
  console.log(`  heap per pending twin request:        ${pending.toFixed(0)} B (${PENDING} requests × 10 engines)`);
}
