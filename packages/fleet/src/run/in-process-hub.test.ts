import { DeviceEngine } from '@hubwire/core';
import type { ByteStream } from '@hubwire/node';
import { describe, expect, it } from 'vitest';
import { InProcessHub } from './in-process-hub.ts';

/** A DeviceEngine on an in-process stream, driven as any driver drives one. */
class Device {
  readonly engine: DeviceEngine;
  stream: ByteStream | undefined;
  connected = false;
  readonly acked: number[] = [];
  readonly problems: string[] = [];

  constructor(index: number) {
    this.engine = new DeviceEngine({ hostName: 'in-process.local', deviceId: `d${index}`, random: Math.random });
  }

  pump(): void {
    const chunks: Uint8Array[] = [];
    for (let bytes = this.engine.pollTransmit(); bytes !== undefined; bytes = this.engine.pollTransmit()) chunks.push(bytes);
    if (chunks.length > 0) this.stream?.write(chunks);
    for (let event = this.engine.pollEvent(); event !== undefined; event = this.engine.pollEvent()) {
      if (event.type === 'connected') this.connected = true;
      else if (event.type === 'telemetry-acked') this.acked.push(event.id);
      else if (event.type === 'protocol-error' || event.type === 'connection-lost' || event.type === 'connect-failed') this.problems.push(event.type);
    }
  }
}

/** Resolves once `condition()` holds, checking on every timer turn; rejects after `ms`. */
async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const end = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

describe('InProcessHub', () => {
  it('answers 5 000 devices that all connect at once and acknowledges every message each one sends, in order', async () => {
    const hub = new InProcessHub();
    const connector = hub.connector();
    const devices = Array.from({ length: 5000 }, (_, i) => new Device(i));
    for (const device of devices) {
      device.stream = await connector({
        onData: (chunk) => {
          device.engine.receive(0, chunk);
          device.pump();
        },
        onClose: () => device.problems.push('closed'),
      });
    }

    for (const device of devices) {
      device.engine.connect(0, { password: 'not checked in process' });
      device.pump();
    }
    await until(() => devices.every((d) => d.connected), 20_000, 'every CONNACK');

    const sent = devices.map((device) => {
      const ids = [1, 2, 3].map(() => device.engine.publishTelemetry(0, new Uint8Array(32), { qos: 1 }).id);
      device.pump();
      return ids;
    });
    await until(() => devices.every((d) => d.acked.length === 3), 20_000, 'every PUBACK');
    expect(devices.map((d) => d.acked)).toEqual(sent); // each device's PUBACKs, in the order it sent
    expect(devices.flatMap((d) => d.problems)).toEqual([]);
    expect(hub.stats.connects).toBe(5000);
    expect(hub.stats.telemetry).toBe(15_000);
    expect(hub.queued).toBe(0);
  }, 60_000);

  it('keeps pace with devices whose own turns are long: what waits when a turn begins is handled in it', async () => {
    const hub = new InProcessHub();
    const connector = hub.connector();
    let answers = 0;
    const streams = await Promise.all(Array.from({ length: 200 }, () => connector({ onData: (chunk) => (answers += chunk.length / 2), onClose: () => undefined })));
    const PINGREQ = Uint8Array.of(0xc0, 0x00);
    const perTurn = 400_000;
    const seen: number[] = [];
    await new Promise<void>((resolve) => {
      let turn = 0;
      const timer = setInterval(() => {
        seen.push(answers);
        if (turn++ === 10) {
          clearInterval(timer);
          resolve();
          return;
        }
        // A device turn that takes a while (as a fleet's does under load), then a burst of writes.
        const busyUntil = performance.now() + 30;
        while (performance.now() < busyUntil);
        for (const stream of streams) stream.write(Array.from({ length: perTurn / streams.length }, () => PINGREQ));
      }, 1);
    });
    // Answers trail the writes by at most two turns; a hub limited to a fixed slice falls further behind every turn.
    seen.forEach((answered, turn) => expect(answered, `turn ${turn}`).toBeGreaterThanOrEqual(perTurn * (turn - 2)));
    await until(() => answers === 10 * perTurn, 20_000, 'every PINGRESP');
    for (const stream of streams) stream.close();
  }, 60_000);
});
