/**
 * Suite 1 — encode: telemetry intent → PUBLISH bytes (200 B JSON body, contentType
 * application/json, contentEncoding utf-8, one application property) through the engine's
 * publishTelemetry + pollTransmit, against building the same topic with @hubwire/topics and
 * calling mqtt-packet.generate; PUBACK; PUBLISH of 16 B, 1 KiB, 16 KiB and 256 KiB payloads
 * with encodePublish, encodePublishInto (a caller-owned buffer) and encodePublishHeaderInto
 * (only the header into that buffer; the payload is sent as it is, so it is never copied),
 * against generate. For the same zero-copy idea on mqtt-packet's side, each size also runs its
 * streaming path, writeToStream, into a stream that only counts bytes; generate stays the
 * baseline of the × column. Last, 16 KiB and 256 KiB telemetry bodies through the engine, which hands
 * the driver the header and the body itself (no copy), against topic build + generate and writeToStream.
 */
import { encodePuback, encodePublish, encodePublishHeaderInto, encodePublishInto, type PublishInput } from '@hubwire/core';
import { telemetryTopic } from '@hubwire/topics';
import { generate, writeToStream } from 'mqtt-packet';
import { asBuffer } from './lib/bytes.ts';
import { connectedEngine } from './lib/engine.ts';
import { type Case, runSuite } from './lib/harness.ts';
import { interleavedRatio } from './lib/interleaved.ts';
import { addSummary, formatTime } from './lib/report.ts';

const DEVICE = { deviceId: 'bench-device-0001' };
const PROPERTIES = {
  contentType: 'application/json',
  contentEncoding: 'utf-8',
  application: { 'alert-level': 'warning' },
} as const;

/** A 200-byte JSON telemetry body. */
function jsonBody(): Uint8Array {
  const base = '{"temperature":21.5,"humidity":48.25,"pressure":1013.2,"battery":87,"ts":"2026-11-23T12:00:00Z","seq":1,"pad":"';
  const text = base + 'x'.repeat(200 - base.length - 2) + '"}';
  const bytes = new TextEncoder().encode(text);
  if (bytes.length !== 200) throw new Error('body is not 200 bytes');
  return bytes;
}

function telemetryCases(): Case[] {
  const body = jsonBody();
  const bodyBuffer = asBuffer(body);
  const expectedTopic = telemetryTopic(DEVICE, PROPERTIES);
  const size = generate({ cmd: 'publish', topic: expectedTopic, payload: bodyBuffer, qos: 0, dup: false, retain: false }).length;
  const engine = connectedEngine(DEVICE.deviceId);
  const telemetryOptions = {
    contentType: PROPERTIES.contentType,
    contentEncoding: PROPERTIES.contentEncoding,
    properties: PROPERTIES.application,
    qos: 0,
  } as const;
  const group = 'telemetry 200 B JSON, ct+ce+1 app property, QoS 0';
  let id = 0;
  return [
    {
      group, impl: 'mqtt-packet', label: 'telemetryTopic + generate', packets: 1, bytes: size,
      fn: () => {
        const topic = telemetryTopic(DEVICE, PROPERTIES);
        const out = generate({ cmd: 'publish', topic, payload: bodyBuffer, qos: 0, dup: false, retain: false });
        if (out.length !== size) throw new Error('wrong result!');
      },
    },
    {
      group, impl: 'hubwire', label: 'engine publishTelemetry + pollTransmit', packets: 1, bytes: size, summary: false,
      fn: () => {
        engine.publishTelemetry(0, body, telemetryOptions);
        const out = engine.pollTransmit();
        if (out === undefined || out.length !== size) throw new Error('wrong result!');
      },
    },
    {
      group, impl: 'hubwire', label: 'telemetryTopic + encodePublish', packets: 1, bytes: size, summary: false,
      fn: () => {
        const topic = telemetryTopic(DEVICE, PROPERTIES);
        const out = encodePublish({ topic, payload: body, qos: 0 });
        if (out.length !== size) throw new Error('wrong result!');
      },
    },
    {
      group: 'telemetry, same topic, QoS 1 (codec only)', impl: 'mqtt-packet', label: 'generate', packets: 1, bytes: size + 2,
      fn: () => {
        id = (id % 65_535) + 1;
        const out = generate({ cmd: 'publish', topic: expectedTopic, payload: bodyBuffer, qos: 1, messageId: id, dup: false, retain: false });
        if (out.length !== size + 2) throw new Error('wrong result!');
      },
    },
    {
      group: 'telemetry, same topic, QoS 1 (codec only)', impl: 'hubwire', label: 'encodePublish', packets: 1, bytes: size + 2,
      fn: () => {
        id = (id % 65_535) + 1;
        const out = encodePublish({ topic: expectedTopic, payload: body, qos: 1, messageId: id });
        if (out.length !== size + 2) throw new Error('wrong result!');
      },
    },
  ];
}

function pubackCases(): Case[] {
  let id = 0;
  return [
    {
      group: 'PUBACK', impl: 'mqtt-packet', label: 'generate', packets: 1, bytes: 4,
      fn: () => {
        id = (id % 65_535) + 1;
        if (generate({ cmd: 'puback', messageId: id })[3] !== (id & 0xff)) throw new Error('wrong result!');
      },
    },
    {
      group: 'PUBACK', impl: 'hubwire', label: 'encodePuback', packets: 1, bytes: 4, chart: true,
      fn: () => {
        id = (id % 65_535) + 1;
        if (encodePuback(id)[3] !== (id & 0xff)) throw new Error('wrong result!');
      },
    },
  ];
}

/**
 * What mqtt-packet's writeToStream needs of a stream, and no more: `write` (it hands over the
 * header pieces as cached Buffers, the topic as a string, then the payload Buffer itself) and
 * `destroy` (its error path). It has no `cork`: a socket's makes writeToStream also schedule an
 * `uncork` per packet, which this stream spares it. It counts the bytes a socket would be given.
 */
class CountingStream {
  bytes = 0;

  write(chunk: Uint8Array | string): boolean {
    this.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    return true;
  }

  destroy(error?: Error): void {
    if (error !== undefined) throw error;
  }
}

function sizeCases(payloadBytes: number, label: string): Case[] {
  const payload = new Uint8Array(payloadBytes).fill(0x61);
  const payloadBuffer = asBuffer(payload);
  const topic = 'devices/bench-device-0001/messages/events/%24.ct=application%2Fjson&%24.ce=utf-8';
  const input: PublishInput = { topic, payload, qos: 1, messageId: 42 };
  const size = generate({ cmd: 'publish', topic, payload: payloadBuffer, qos: 1, messageId: 42, dup: false, retain: false }).length;
  const target = new Uint8Array(Math.max(65_536, size + 64)); // a caller's reusable write buffer
  const counter = new CountingStream();
  const stream = counter as unknown as NodeJS.WritableStream;
  const group = `PUBLISH QoS 1, ${label} payload`;
  return [
    {
      group, impl: 'mqtt-packet', label: 'generate', baseline: true, packets: 1, bytes: size,
      fn: () => {
        if (generate({ cmd: 'publish', topic, payload: payloadBuffer, qos: 1, messageId: 42, dup: false, retain: false }).length !== size) {
          throw new Error('wrong result!');
        }
      },
    },
    {
      group, impl: 'hubwire', label: 'encodePublish', packets: 1, bytes: size,
      fn: () => {
        if (encodePublish(input).length !== size) throw new Error('wrong result!');
      },
    },
    {
      group, impl: 'hubwire', label: 'encodePublishInto', packets: 1, bytes: size, chart: payloadBytes >= 16_384,
      fn: () => {
        if (encodePublishInto(target, 0, input) !== size) throw new Error('wrong result!');
      },
    },
    {
      group, impl: 'hubwire', label: 'encodePublishHeaderInto (+ payload as is)', packets: 1, bytes: size, chart: payloadBytes >= 16_384,
      fn: () => {
        // The caller sends target[0, n) and then `payload` itself: n + payload is the packet.
        if (encodePublishHeaderInto(target, 0, input) + payload.length !== size) throw new Error('wrong result!');
      },
    },
    {
      group, impl: 'mqtt-packet', label: 'writeToStream (counting stream)', packets: 1, bytes: size,
      fn: () => {
        counter.bytes = 0;
        writeToStream({ cmd: 'publish', topic, payload: payloadBuffer, qos: 1, messageId: 42, dup: false, retain: false }, stream);
        if (counter.bytes !== size) throw new Error('wrong result!');
      },
    },
  ];
}

/**
 * A large telemetry body through the engine (QoS 0, no properties, so a 256 KiB body is exactly IoT
 * Hub's limit): `publishTelemetry`, then `pollTransmit` until empty. From SEPARATE_PAYLOAD_BYTES on the
 * engine queues the header and the body itself, so nothing of the body is copied; the case checks the
 * second entry is the body's own memory. Baselines: `generate` (one Buffer, the body copied) and
 * `writeToStream` into the counting stream (mqtt-packet's own way of leaving the body uncopied).
 */
function engineSizeCases(payloadBytes: number, label: string): Case[] {
  const payload = new Uint8Array(payloadBytes).fill(0x62);
  const payloadBuffer = asBuffer(payload);
  const engine = connectedEngine(DEVICE.deviceId);
  const topic = telemetryTopic(DEVICE);
  const packet = { cmd: 'publish', topic, payload: payloadBuffer, qos: 0, dup: false, retain: false } as const;
  const size = generate(packet).length;
  const counter = new CountingStream();
  const stream = counter as unknown as NodeJS.WritableStream;
  const options = { qos: 0 } as const;
  const group = `telemetry through the engine, QoS 0, ${label} body`;
  return [
    {
      group, impl: 'mqtt-packet', label: 'telemetryTopic + generate', baseline: true, packets: 1, bytes: size,
      fn: () => {
        if (generate({ ...packet, topic: telemetryTopic(DEVICE) }).length !== size) throw new Error('wrong result!');
      },
    },
    {
      group, impl: 'hubwire', label: 'engine publishTelemetry + pollTransmit (header + the body itself)', packets: 1, bytes: size, chart: true,
      fn: () => {
        engine.publishTelemetry(0, payload, options);
        const header = engine.pollTransmit();
        const body = engine.pollTransmit();
        if (header === undefined || body?.buffer !== payload.buffer || header.length + body.length !== size || engine.pollTransmit() !== undefined) {
          throw new Error('wrong result!');
        }
      },
    },
    {
      group, impl: 'mqtt-packet', label: 'telemetryTopic + writeToStream (counting stream)', packets: 1, bytes: size,
      fn: () => {
        counter.bytes = 0;
        writeToStream({ ...packet, topic: telemetryTopic(DEVICE) }, stream);
        if (counter.bytes !== size) throw new Error('wrong result!');
      },
    },
  ];
}

/**
 * The telemetry intent measured in alternation with its baseline (lib/interleaved.ts): the engine's
 * publishTelemetry + pollTransmit, and telemetryTopic + encodePublish, each against telemetryTopic + generate.
 */
function telemetryInterleaved(cases: readonly Case[]): { results: Record<string, unknown>; print: () => void } {
  const [baseline, engine, codec] = cases as [Case, Case, Case];
  const perCall = 50;
  const times = (fn: () => unknown) => (): void => {
    for (let i = 0; i < perCall; i++) fn();
  };
  const viaEngine = interleavedRatio(times(baseline.fn), times(engine.fn), perCall);
  const viaCodec = interleavedRatio(times(baseline.fn), times(codec.fn), perCall);
  const base = (ns: number): string => `telemetryTopic + generate ${formatTime(ns)}`;
  addSummary({
    suite: 'encode', what: 'telemetry intent → bytes (engine publishTelemetry + pollTransmit)', hubwire: formatTime(viaEngine.candidateNsPerPacket),
    baseline: base(viaEngine.baselineNsPerPacket), ratio: viaEngine.ratio, method: 'interleaved', goal: { min: 8, text: '≥ 8×' }, chart: true,
  });
  addSummary({
    suite: 'encode', what: 'telemetry topic build + encodePublish (codec only)', hubwire: formatTime(viaCodec.candidateNsPerPacket),
    baseline: base(viaCodec.baselineNsPerPacket), ratio: viaCodec.ratio, method: 'interleaved', chart: true,
  });
  const print = (): void => {
    console.log('\nInterleaved ratios to telemetryTopic + generate (median of alternating passes; see bench/lib/interleaved.ts):\n');
    for (const [label, r] of [['engine publishTelemetry + pollTransmit', viaEngine], ['telemetryTopic + encodePublish', viaCodec]] as const) {
      console.log(`  ${label.padEnd(40)} ${r.ratio.toFixed(2)}×  (${r.candidateNsPerPacket.toFixed(0)} vs ${r.baselineNsPerPacket.toFixed(0)} ns)`);
    }
  };
  return { results: { engine: viaEngine, codec: viaCodec }, print };
}

/** Runs the encode suite. */
export async function encodeSuite(): Promise<void> {
  const telemetry = telemetryCases();
  const interleaved = telemetryInterleaved(telemetry);
  await runSuite('encode', [
    ...telemetry,
    ...pubackCases(),
    ...sizeCases(16, '16 B'),
    ...sizeCases(1024, '1 KiB'),
    ...sizeCases(16_384, '16 KiB'),
    ...sizeCases(262_144, '256 KiB'),
    ...engineSizeCases(16_384, '16 KiB'),
    ...engineSizeCases(262_144, '256 KiB'),
  ], { interleaved: interleaved.results });
  interleaved.print();
}
