/**
 * Suite 3 — engine: heap per idle connected DeviceEngine over a fleet of a million in one process
 * (each built with the default options, connected with a scripted CONNACK and its SUBSCRIBE answered,
 * every queue drained; heap delta ÷ N), a device's whole connect measured again while that fleet is
 * alive, heap per pending twin request, and events per second through receive() + pollEvent() for a
 * stream of C2D messages (QoS 1, auto-acknowledged) and method requests, beside mqtt-packet's Parser
 * on the same bytes. BENCH_FLEET sets the fleet size (default 1,000,000).
 */
import { DeviceEngine, type DeviceEngineOptions } from '@hubwire/core';
import { parser as createParser } from 'mqtt-packet';
import { connectWork, summarizeConnect } from './connect.ts';
import { asBuffer, concat } from './lib/bytes.ts';
import { connect, connectedEngine, drain } from './lib/engine.ts';
import { settledHeap } from './lib/gc.ts';
import { type Case, runSuite } from './lib/harness.ts';
import { interleavedRatio } from './lib/interleaved.ts';
import { c2dMessage, DEVICE_ID, methodRequest } from './lib/inbound-stream.ts';
import { addSummary, formatBytes, formatNumber, formatTime } from './lib/report.ts';

/** Engines in the idle fleet. */
const FLEET = Number(process.env['BENCH_FLEET'] ?? 1_000_000);
/** Twin requests left pending for the per-request measurement. */
const PENDING = 1000;
/** Goals: an idle connected engine in at most 1 KB, so a million fit in under 1 GB of heap. */
const ENGINE_HEAP_GOAL = { max: 1000, text: '≤ 1 KB' } as const;
const FLEET_HEAP_GOAL = { max: 1e9, text: '< 1 GB' } as const;

/** A fleet device: every default, as an application would create it (four subscriptions, default randomness). */
function fleetOptions(i: number): DeviceEngineOptions {
  return { hostName: 'bench-hub.azure-devices.net', deviceId: `fleet-${i}` };
}

/** Builds the fleet, printing progress; returns it with its heap and set-up time. */
function buildFleet(count: number): { fleet: DeviceEngine[]; bytes: number; seconds: number } {
  const started = process.hrtime.bigint();
  const before = settledHeap();
  const fleet: DeviceEngine[] = new Array(count);
  const step = Math.max(1, Math.floor(count / 10));
  for (let i = 0; i < count; i++) {
    fleet[i] = connect(new DeviceEngine(fleetOptions(i)));
    if ((i + 1) % step === 0) {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      console.log(`  fleet: ${formatNumber(i + 1)} / ${formatNumber(count)} engines connected (${seconds.toFixed(1)} s)`);
    }
  }
  const after = settledHeap();
  if (fleet.some((e) => e.state !== 'connected')) throw new Error('wrong result!');
  return { fleet, bytes: after - before, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
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
    engine.receive(0, buffer);
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
      group, impl: 'hubwire', label: 'engine receive + pollEvent (→ typed events, PUBACKs)', packets: packets.length, bytes: stream.length, summary: false,
      fn: () => {
        if (pass() !== packets.length) throw new Error('wrong result!');
      },
    },
  ];
}

/** Runs the engine suite. */
export async function engineSuite(): Promise<void> {
  const cases = receiveCases();
  const [parserCase, engineCase] = cases as [Case, Case];
  // The same two functions timed in alternation, for a ratio that load drift cannot skew.
  const interleaved = interleavedRatio(parserCase.fn, engineCase.fn, engineCase.packets);
  const pending = pendingRequestBytes(PENDING);
  console.log(`\n## engine: a fleet of ${formatNumber(FLEET)} idle connected DeviceEngines in one process\n`);
  const { fleet, bytes, seconds } = buildFleet(FLEET);
  const perEngine = bytes / FLEET;
  // A device's whole connect again, now with the whole fleet in the heap (garbage collection costs more).
  const work = connectWork();
  const connectWithFleet = interleavedRatio(work.generateTwo, work.wholeConnect, 1, 61, 200);
  if (fleet.length !== FLEET) throw new Error('wrong result!'); // keeps the fleet alive until here
  fleet.length = 0;
  const rows = await runSuite('engine', cases, {
    interleaved,
    connectWithFleet,
    memory: { fleet: FLEET, fleetHeapBytes: bytes, bytesPerIdleConnectedEngine: perEngine, fleetSetupSeconds: seconds, bytesPerPendingTwinRequest: pending },
  });
  addSummary({
    suite: 'engine', what: 'receive + pollEvent, C2D + method requests → typed events', hubwire: `${formatTime(interleaved.candidateNsPerPacket)}/event`,
    baseline: `mqtt-packet Parser ${formatTime(interleaved.baselineNsPerPacket)}/packet`, ratio: interleaved.ratio, method: 'interleaved', chart: true,
  });
  addSummary({ suite: 'engine', what: 'heap per idle connected DeviceEngine', hubwire: `${formatNumber(perEngine)} B`, baseline: '', value: perEngine, goal: ENGINE_HEAP_GOAL });
  addSummary({ suite: 'engine', what: `heap of ${formatNumber(FLEET)} idle connected engines`, hubwire: formatBytes(bytes), baseline: '', value: bytes * (1_000_000 / FLEET), goal: FLEET_HEAP_GOAL });
  addSummary({ suite: 'engine', what: 'heap per pending twin request', hubwire: `${formatNumber(pending)} B`, baseline: '' });
  summarizeConnect(`whole connect with ${formatNumber(FLEET)} engines alive`, connectWithFleet);
  const events = rows.find((r) => r.impl === 'hubwire');
  const perSecond = Math.round(1e9 / (events?.nsPerPacket ?? Number.NaN)).toLocaleString('en-US');
  console.log(`\n  events/s through receive + pollEvent: ${perSecond}`);
  const ns = `${interleaved.candidateNsPerPacket.toFixed(0)} vs ${interleaved.baselineNsPerPacket.toFixed(0)} ns/packet`;
  console.log(`  interleaved ratio to the Parser:       ${interleaved.ratio.toFixed(2)}× (${ns}; bench/lib/interleaved.ts)`);
  console.log(`  heap per idle connected DeviceEngine: ${perEngine.toFixed(0)} B; ${formatNumber(FLEET)} engines: ${formatBytes(bytes)} (set up in ${seconds.toFixed(1)} s)`);
  console.log(`  whole connect with the fleet alive:   ${formatTime(connectWithFleet.candidateNsPerPacket)} vs ${formatTime(connectWithFleet.baselineNsPerPacket)} for mqtt-packet's two encodes`);
  console.log(`  heap per pending twin request:        ${pending.toFixed(0)} B (${PENDING} requests × 10 engines)`);
}
