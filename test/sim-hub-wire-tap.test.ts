/**
 * The simulated hub's wire tap: it must pass every byte through in order whatever the chunking,
 * report each PUBACK id once, grant QoS 2 subscription requests as QoS 1, and refuse oversize packets.
 */
import { Duplex } from 'node:stream';
import fc from 'fast-check';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES, TappedConnection } from '../packages/sim-hub/src/wire-tap.ts';

/** A fake socket: `push` feeds the tap, nothing written back is needed here. */
function fakeSocket(): Duplex {
  return new Duplex({ read() {}, write(_chunk, _encoding, callback) { callback(); } });
}

/** Feeds `chunks` through a tap; resolves with the bytes aedes would read and the PUBACK ids reported. */
async function through(chunks: readonly Uint8Array[]): Promise<{ bytes: Buffer; pubacks: number[] }> {
  const raw = fakeSocket();
  const tap = new TappedConnection(raw, 'tcp');
  const pubacks: number[] = [];
  tap.onPuback = (id) => pubacks.push(id);
  const out: Buffer[] = [];
  tap.on('data', (chunk: Buffer) => out.push(chunk));
  const ended = new Promise<void>((resolve) => tap.once('end', resolve));
  for (const chunk of chunks) raw.push(Buffer.from(chunk));
  raw.push(null);
  await ended;
  tap.destroy();
  return { bytes: Buffer.concat(out), pubacks };
}

const stream: Packet[] = [
  { cmd: 'publish', topic: 'devices/d/messages/events/', payload: Buffer.from('x'.repeat(300)), qos: 1, messageId: 7, dup: false, retain: false },
  { cmd: 'puback', messageId: 513 },
  { cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: '$iothub/twin/res/#', qos: 2 }, { topic: '$iothub/methods/POST/#', qos: 0 }] },
  { cmd: 'pingreq' },
  { cmd: 'puback', messageId: 1 },
];
const wire = Buffer.concat(stream.map((packet) => mqttPacket.generate(packet)));
const expected = Buffer.concat(
  stream.map((packet) =>
    mqttPacket.generate(packet.cmd === 'subscribe' ? { ...packet, subscriptions: [{ topic: '$iothub/twin/res/#', qos: 1 }, { topic: '$iothub/methods/POST/#', qos: 0 }] } : packet),
  ),
);

describe('wire tap', () => {
  it('passes packets through, reports PUBACK ids, and rewrites a QoS 2 subscription request to QoS 1', async () => {
    const { bytes, pubacks } = await through([wire]);
    expect(bytes.equals(expected)).toBe(true);
    expect(pubacks).toEqual([513, 1]);
  });

  it('gives the same result however the stream is split into chunks', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: wire.length - 1 }), { maxLength: 20 }), async (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), wire.length];
        const chunks = points.slice(1).map((end, i) => wire.subarray(points[i], end));
        const { bytes, pubacks } = await through(chunks);
        expect(bytes.equals(expected)).toBe(true);
        expect(pubacks).toEqual([513, 1]);
      }),
      { numRuns: 60 },
    );
  });

  it('destroys the connection on a packet larger than MAX_FRAME_BYTES before buffering it', async () => {
    const raw = fakeSocket();
    const tap = new TappedConnection(raw, 'tcp');
    const failed = new Promise<Error>((resolve) => tap.once('error', resolve));
    const header = mqttPacket.generate({ cmd: 'publish', topic: 't', payload: Buffer.alloc(MAX_FRAME_BYTES), qos: 0, dup: false, retain: false });
    raw.push(header.subarray(0, 16));
    expect((await failed).message).toMatch(/exceeds/);
    expect(raw.destroyed).toBe(true);
  });

  it('hands aedes a clean session whatever CONNECT asked, and remembers what it asked', async () => {
    for (const clean of [false, true]) {
      const connect = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'dev1', clean, keepalive: 60, username: 'h/dev1/?api-version=2021-04-12' });
      const raw = fakeSocket();
      const tap = new TappedConnection(raw, 'tcp');
      const seen = new Promise<Buffer>((resolve) => tap.once('data', resolve));
      raw.push(connect);
      const parsed = await new Promise<Packet>((resolve) => {
        const parser = mqttPacket.parser();
        parser.once('packet', resolve);
        void seen.then((bytes) => parser.parse(bytes));
      });
      expect(tap.cleanSession).toBe(clean);
      expect(parsed).toMatchObject({ cmd: 'connect', clientId: 'dev1', clean: true, username: 'h/dev1/?api-version=2021-04-12' });
      tap.destroy();
    }
  });

  it("sets CONNACK's session-present flag from the hub, however aedes splits its writes, and leaves later bytes alone", async () => {
    const connack = mqttPacket.generate({ cmd: 'connack', returnCode: 0, sessionPresent: false });
    const publish = mqttPacket.generate({ cmd: 'publish', topic: 'a', payload: Buffer.from([0, 1, 0, 1]), qos: 0, dup: false, retain: false });
    const stream = Buffer.concat([connack, publish]);
    const pristine = Buffer.from(stream);
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 6 }), async (present, cuts) => {
        const written: Buffer[] = [];
        const raw = new Duplex({ read() {}, write(chunk: Buffer, _encoding, callback) { written.push(Buffer.from(chunk)); callback(); } });
        const tap = new TappedConnection(raw, 'tcp');
        tap.sessionPresent = present;
        const points = [0, ...cuts.sort((a, b) => a - b), stream.length];
        const chunks = points.slice(1).map((end, i) => stream.subarray(points[i], end));
        for (const chunk of chunks) await new Promise<void>((resolve, reject) => tap.write(chunk, (error) => (error ? reject(error) : resolve())));
        const out = Buffer.concat(written);
        expect([...out.subarray(0, 4)]).toEqual([0x20, 0x02, present ? 1 : 0, 0]);
        expect(out.subarray(4).equals(publish)).toBe(true);
        // The caller's buffers are never changed in place (aedes shares some as constants).
        expect(stream.equals(pristine)).toBe(true);
        tap.destroy();
      }),
      { numRuns: 40 },
    );
  });

  it('sends the pieces of a corked write to the socket as one buffer (one TLS record, one syscall)', async () => {
    const written: Buffer[] = [];
    const raw = new Duplex({ read() {}, write(chunk: Buffer, _encoding, callback) { written.push(Buffer.from(chunk)); callback(); } });
    const tap = new TappedConnection(raw, 'tls');
    const puback = mqttPacket.generate({ cmd: 'puback', messageId: 300 });
    tap.write(Buffer.from([0x20, 0x02, 0x00, 0x00])); // CONNACK first, as always
    await new Promise((resolve) => setImmediate(resolve));
    // mqtt-packet's writeToStream corks the stream and writes a packet in pieces.
    expect(mqttPacket.writeToStream({ cmd: 'puback', messageId: 300 }, tap)).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(written.length).toBe(2);
    expect(written[1]!.equals(puback)).toBe(true);
    tap.destroy();
  });
});
