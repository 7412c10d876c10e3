/**
 * Suite — connect: a device's whole connect through the engine (construct a DeviceEngine with the
 * default options, `connect` with a SAS token, CONNECT out, CONNACK in, SUBSCRIBE to the four IoT Hub
 * filters out, SUBACK in, the `connected` and `subscribed` events read) against mqtt-packet's
 * `generate` of the same CONNECT and SUBSCRIBE alone: the baseline makes two packets and nothing else.
 * The engine draws its rid randomness from its default source, as an application's engine does.
 */
import { DeviceEngine, type DeviceEngineOptions } from '@hubwire/core';
import { generate, type Packet, parser as createParser } from 'mqtt-packet';
import { CONNACK_ACCEPTED, PASSWORD, subackFor } from './lib/engine.ts';
import { type Case, runSuite } from './lib/harness.ts';
import { type InterleavedRatio, interleavedRatio } from './lib/interleaved.ts';
import { addSummary, formatTime } from './lib/report.ts';

/** A device as an application creates it: every default, so it subscribes to C2D, methods and the twin. */
const OPTIONS: DeviceEngineOptions = { hostName: 'bench-hub.azure-devices.net', deviceId: 'bench-device-0001' };
const AUTH = { password: PASSWORD };

/** The one packet mqtt-packet parses from `bytes`. */
function parseOne(bytes: Uint8Array): Packet {
  const packets: Packet[] = [];
  const parser = createParser({ protocolVersion: 4 });
  parser.on('packet', (p: Packet) => packets.push(p));
  parser.on('error', (e: Error) => {
    throw e;
  });
  parser.parse(Buffer.from(bytes));
  if (packets.length !== 1) throw new Error(`expected one packet, got ${packets.length}`);
  return packets[0] as Packet;
}

/** The two sides of the comparison, each checking its own result. */
export interface ConnectWork {
  /** mqtt-packet's generate of the engine's CONNECT and SUBSCRIBE, as packet objects. */
  readonly generateTwo: () => void;
  /** The engine's whole connect, from construction to the SUBACK's events. */
  readonly wholeConnect: () => void;
}

/** Builds both sides from one reference connect, and proves mqtt-packet generates the very same bytes. */
export function connectWork(): ConnectWork {
  const reference = new DeviceEngine(OPTIONS);
  reference.connect(0, AUTH);
  const connectBytes = reference.pollTransmit() as Uint8Array;
  reference.receive(0, CONNACK_ACCEPTED);
  const subscribeBytes = reference.pollTransmit() as Uint8Array;
  const suback = subackFor(subscribeBytes);
  const connectPacket = parseOne(connectBytes);
  const subscribePacket = parseOne(subscribeBytes);
  if (!Buffer.from(generate(connectPacket)).equals(Buffer.from(connectBytes))) throw new Error('mqtt-packet makes another CONNECT');
  if (!Buffer.from(generate(subscribePacket)).equals(Buffer.from(subscribeBytes))) throw new Error('mqtt-packet makes another SUBSCRIBE');
  const total = connectBytes.length + subscribeBytes.length;
  return {
    generateTwo: () => {
      if (generate(connectPacket).length + generate(subscribePacket).length !== total) throw new Error('wrong result!');
    },
    wholeConnect: () => {
      const engine = new DeviceEngine(OPTIONS);
      engine.connect(0, AUTH);
      const connect = engine.pollTransmit();
      engine.receive(0, CONNACK_ACCEPTED);
      const subscribe = engine.pollTransmit();
      if (connect === undefined || subscribe === undefined || connect.length + subscribe.length !== total) throw new Error('wrong result!');
      engine.receive(0, suback);
      let events = 0;
      for (let e = engine.pollEvent(); e !== undefined; e = engine.pollEvent()) events += e.type === 'connected' || e.type === 'subscribed' ? 1 : 0;
      if (events !== 2 || engine.state !== 'connected') throw new Error('wrong result!');
    },
  };
}

/** Adds the interleaved connect ratio to the summary. */
export function summarizeConnect(what: string, result: InterleavedRatio): void {
  addSummary({
    suite: 'connect',
    what,
    hubwire: formatTime(result.candidateNsPerPacket),
    baseline: `mqtt-packet generate ×2 ${formatTime(result.baselineNsPerPacket)}`,
    ratio: result.ratio,
    method: 'interleaved',
    goal: { min: 1, text: '< the two encodes (> 1×)' },
    chart: true,
  });
}

/** Runs the connect suite. */
export async function connectSuite(): Promise<void> {
  const work = connectWork();
  const group = 'whole connect (4 filters) vs generate(CONNECT) + generate(SUBSCRIBE)';
  const cases: Case[] = [
    { group, impl: 'mqtt-packet', label: 'generate CONNECT + SUBSCRIBE', packets: 1, bytes: 0, fn: work.generateTwo },
    { group, impl: 'hubwire', label: 'new DeviceEngine, connect, CONNACK, SUBSCRIBE, SUBACK', packets: 1, bytes: 0, fn: work.wholeConnect, summary: false },
  ];
  const interleaved = interleavedRatio(work.generateTwo, work.wholeConnect, 1, 61, 200);
  await runSuite('connect', cases, { interleaved });
  summarizeConnect('whole connect (construct → SUBACK) vs generate CONNECT + SUBSCRIBE', interleaved);
  const ns = `${formatTime(interleaved.candidateNsPerPacket)} vs ${formatTime(interleaved.baselineNsPerPacket)}`;
  console.log(`\n  interleaved: the whole connect costs ${(1 / interleaved.ratio).toFixed(2)}× the two encodes (${ns})`);
}
