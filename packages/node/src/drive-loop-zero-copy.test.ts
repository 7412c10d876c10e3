/**
 * A large telemetry body goes from the application to the kernel without a copy: the engine queues
 * the PUBLISH header and the body's own memory (DeviceEngine.pollTransmit), the drive loop hands a
 * pump's entries to the stream as one batch, and the TCP stream writes that batch corked, so Node
 * passes every entry to one `writev`. Checked on a real loopback socket, by recording what reaches
 * net.Socket's `_writev` (the real method still does the writing), and by parsing what the server got.
 */
import { createServer, Socket, type Server } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceEngine, SEPARATE_PAYLOAD_BYTES, seededRandom } from '@hubwire/core';
import type { DeviceEvent } from '@hubwire/core';
import type { ByteStream } from './byte-stream.ts';
import { DriveLoop } from './drive-loop.ts';
import { tcpConnector } from './tcp.ts';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0).reverse()) close();
});

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

/** A loopback server that parses what it receives with mqtt-packet and answers CONNECT with CONNACK. */
async function hub(): Promise<{ port: number; packets: mqttPacket.Packet[] }> {
  const packets: mqttPacket.Packet[] = [];
  const server: Server = createServer((socket) => {
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (packet) => {
      packets.push(packet);
      if (packet.cmd === 'connect') socket.write(Uint8Array.of(0x20, 0x02, 0x00, 0x00));
    });
    socket.on('data', (chunk) => parser.parse(chunk));
    closers.push(() => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => server.close());
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, packets };
}

/** Records the chunks of every `_writev` call on any net.Socket, calling the real method. */
function recordWritev(): { calls: Uint8Array[][] } {
  const proto = Socket.prototype as unknown as { _writev: (chunks: { chunk: Uint8Array }[], cb: () => void) => void };
  const real = proto._writev;
  const calls: Uint8Array[][] = [];
  proto._writev = function (this: Socket, chunks, cb) {
    calls.push(chunks.map((c) => c.chunk));
    real.call(this, chunks, cb);
  };
  closers.push(() => {
    proto._writev = real;
  });
  return { calls };
}

describe('zero-copy telemetry through the drive loop and a TCP stream', () => {
  it('writes the header and the body itself in one writev, and the hub receives the packet intact', async () => {
    const { port, packets } = await hub();
    const events: DeviceEvent[] = [];
    const engine = new DeviceEngine({
      hostName: 'localhost',
      deviceId: 'zero-copy',
      random: seededRandom(1),
      subscribe: { c2d: false, methods: false, twin: false },
    });
    const loop = new DriveLoop(engine, { onEvent: (e) => events.push(e) });
    closers.push(() => loop.close());
    const batches: Uint8Array[][] = [];
    const tcp = await tcpConnector({ host: '127.0.0.1', port })({ onData: (chunk) => loop.receive(chunk), onClose: () => undefined });
    closers.push(() => tcp.close());
    const stream: ByteStream = { label: tcp.label, close: () => tcp.close(), write: (chunks) => (batches.push([...chunks]), tcp.write(chunks)) };
    loop.attach(stream);
    loop.act((now) => engine.connect(now, { password: 'SharedAccessSignature sr=x&sig=y&se=1' }));
    await until(() => events.some((e) => e.type === 'connected'), 'CONNACK');

    const writev = recordWritev();
    const memory = new Uint8Array(200_000);
    for (let i = 0; i < memory.length; i++) memory[i] = i % 251;
    const body = memory.subarray(1000, 1000 + 150_000);
    loop.act((now) => {
      engine.publishTelemetry(now, body, { qos: 0, contentType: 'application/octet-stream' });
      engine.publishTelemetry(now, 'small', { qos: 0 });
    });

    // One batch from the pump: the first message's header, its body (the application's memory), the second message.
    expect(batches.at(-1)).toHaveLength(3);
    const [header, sentBody, small] = batches.at(-1) as Uint8Array[];
    expect(header!.length).toBeLessThan(SEPARATE_PAYLOAD_BYTES);
    expect(sentBody!.buffer).toBe(memory.buffer);
    expect([sentBody!.byteOffset, sentBody!.length]).toEqual([1000, 150_000]);
    expect(small!.length).toBeLessThan(SEPARATE_PAYLOAD_BYTES);

    // The socket got all three in one writev, the body still as that same memory.
    const call = writev.calls.find((chunks) => chunks.length === 3);
    expect(call).toBeDefined();
    expect(call![1]!.buffer).toBe(memory.buffer);
    expect(call![1]!.byteOffset).toBe(1000);

    await until(() => packets.filter((p) => p.cmd === 'publish').length === 2, 'both PUBLISHes at the hub');
    const [big, tiny] = packets.filter((p): p is mqttPacket.IPublishPacket => p.cmd === 'publish');
    expect(big!.topic).toBe('devices/zero-copy/messages/events/%24.ct=application%2Foctet-stream');
    expect(Buffer.from(big!.payload as Uint8Array).equals(Buffer.from(body))).toBe(true);
    expect(Buffer.from(tiny!.payload as Uint8Array).toString()).toBe('small');
  });
});
