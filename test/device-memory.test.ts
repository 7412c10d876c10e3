/**
 * The engine stays lean (a gateway or simulator holds a million of them): an idle connected engine
 * costs at most 1 KB of JS heap (a million in under 1 GB) and a pending twin request at most 100
 * bytes. Measured with the garbage collector exposed, over many instances so per-object noise
 * averages out. `node --expose-gc --import tsx scripts/engine-cost.ts` prints the same figures for a
 * million engines.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { DeviceEngine } from '@hubwire/core';
import { HOST, ScriptedHub } from './support/scripted-hub.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap bytes retained by what `build` returns, per unit. */
function heapPer(units: number, build: () => unknown): number {
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = build();
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  expect(kept).toBeDefined();
  return (after - before) / units;
}

const hub = new ScriptedHub();
const CONNACK = hub.connack(0, false);
const SUBACK = hub.suback(1, [1, 0, 0, 0]); // the first packet id of every fresh engine

function idleConnected(i: number, maxQueued?: number): DeviceEngine {
  const engine = new DeviceEngine({ hostName: HOST, deviceId: `device-${i}`, random: () => 0.5, ...(maxQueued === undefined ? {} : { maxQueued }) });
  engine.connect(0, { password: 'SharedAccessSignature sr=x&sig=y&se=1' });
  while (engine.pollTransmit() !== undefined);
  engine.receive(1, CONNACK);
  engine.receive(1, SUBACK);
  while (engine.pollTransmit() !== undefined);
  while (engine.pollEvent() !== undefined);
  return engine;
}

describe('memory', () => {
  it('keeps an idle connected engine within 1 KB of heap', () => {
    expect(idleConnected(0).activeSubscriptions).toHaveLength(4);
    const perEngine = heapPer(5000, () => Array.from({ length: 5000 }, (_, i) => idleConnected(i)));
    expect(perEngine).toBeLessThan(1024);
  });

  it('holds a decoder only while a read ended mid-packet: a whole read leaves none behind', () => {
    const engine = idleConnected(1);
    engine.receive(2, Uint8Array.of(0xd0));
    expect(engine.bufferedBytes).toBe(1);
    engine.receive(3, Uint8Array.of(0x00));
    expect([engine.bufferedBytes, engine.lastReceivedAt]).toEqual([0, 3]);
    const afterWhole = heapPer(5000, () => Array.from({ length: 5000 }, (_, i) => {
      const e = idleConnected(i);
      e.receive(4, Uint8Array.of(0xd0, 0x00)); // a PINGRESP read whole
      return e;
    }));
    const midPacket = heapPer(5000, () => Array.from({ length: 5000 }, (_, i) => {
      const e = idleConnected(i);
      e.receive(4, Uint8Array.of(0xd0)); // the first byte of a PINGRESP: the decoder holds it
      return e;
    }));
    expect(afterWhole).toBeLessThan(1024);
    expect(midPacket - afterWhole).toBeGreaterThan(100);
  });

  it('keeps a pending twin request within 100 bytes of heap', () => {
    const engineWithMany = idleConnected(0, 1_000_000);
    const perRequest = heapPer(100_000, () => {
      for (let i = 0; i < 100_000; i++) {
        engineWithMany.getTwin(1);
        engineWithMany.pollTransmit();
      }
      return engineWithMany;
    });
    expect(engineWithMany.pendingRequests).toBe(100_000);
    expect(perRequest).toBeLessThan(100);
  });

  it('frees a request that timed out while waiting for a connection, body and all', () => {
    const offline = new DeviceEngine({ hostName: HOST, deviceId: 'd1', random: () => 0.5, maxQueued: 4 });
    const patch = { blob: 'x'.repeat(4096) };
    const retained = (): number => {
      gc();
      gc();
      const usage = process.memoryUsage();
      return usage.heapUsed + usage.arrayBuffers; // bodies are ArrayBuffers, outside the JS heap
    };
    const before = retained();
    let now = 0;
    for (let i = 0; i < 2000; i++) {
      offline.patchReported(now, patch);
      now = offline.pollTimeout() as number;
      offline.handleTimeout(now);
      while (offline.pollEvent() !== undefined); // the request-failed events are not what is measured
    }
    const perRequest = (retained() - before) / 2000;
    expect(offline.pendingRequests).toBe(0);
    // Each held request carries its 4 KB serialised body; none may outlive its timeout.
    expect(perRequest).toBeLessThan(400);
  });
});
