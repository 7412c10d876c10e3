import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ByteStream } from './byte-stream.ts';
import { DriveLoop, type Drivable } from './drive-loop.ts';

/** A scripted engine: records calls, hands out whatever the test queued. */
class ScriptedEngine implements Drivable<string> {
  readonly calls: string[] = [];
  readonly transmit: Uint8Array[] = [];
  readonly events: string[] = [];
  deadline: number | undefined;

  receive(now: number, chunk: Uint8Array): void {
    this.calls.push(`receive@${now}:${chunk.length}`);
    this.transmit.push(Uint8Array.of(0x40, 0x02, 0x00, 0x01), Uint8Array.of(0xc0, 0x00));
    this.events.push('received');
  }
  pollTransmit(): Uint8Array | undefined {
    return this.transmit.shift();
  }
  pollEvent(): string | undefined {
    return this.events.shift();
  }
  pollTimeout(): number | undefined {
    return this.deadline;
  }
  handleTimeout(now: number): void {
    this.calls.push(`timeout@${now}`);
    if (this.deadline !== undefined && this.deadline <= now) {
      this.deadline = undefined;
      this.events.push('timer fired');
    }
  }
  connectionLost(now: number, reason?: string): void {
    this.calls.push(`lost@${now}:${reason}`);
    this.events.push('connection-lost');
  }
}

/** A stream that records each write batch. */
function recordingStream(): ByteStream & { batches: number[][][] } {
  const batches: number[][][] = [];
  return { label: 'test', batches, write: (chunks) => batches.push(chunks.map((c) => [...c])), close: () => {} };
}

describe('DriveLoop', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(10_000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const clock = (): number => Date.now();

  it('writes what one input queued as one batch and only then hands events to the app', () => {
    const engine = new ScriptedEngine();
    const stream = recordingStream();
    const seen: string[] = [];
    const loop = new DriveLoop(engine, { clock, onEvent: (e) => seen.push(`${e} after ${stream.batches.length} batch`) });
    loop.attach(stream);
    loop.receive(Uint8Array.of(1, 2, 3));
    expect(engine.calls).toEqual(['receive@10000:3']);
    expect(stream.batches).toEqual([[[0x40, 0x02, 0x00, 0x01], [0xc0, 0x00]]]);
    expect(seen).toEqual(['received after 1 batch']);
  });

  it('keeps exactly one platform timer, armed for the engine deadline, and calls handleTimeout(clock()) on wake', () => {
    const engine = new ScriptedEngine();
    const seen: string[] = [];
    const loop = new DriveLoop(engine, { clock, onEvent: (e) => seen.push(e) });
    engine.deadline = 10_500;
    loop.pump();
    engine.deadline = 10_200; // an earlier deadline replaces the timer rather than adding one
    loop.pump();
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(199);
    expect(engine.calls).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(engine.calls).toEqual(['timeout@10200']);
    expect(seen).toEqual(['timer fired']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('folds the driver wake-up into the same timer and runs it once when due', () => {
    const engine = new ScriptedEngine();
    const loop = new DriveLoop(engine, { clock, onEvent: () => {} });
    engine.deadline = 13_000;
    const woke: number[] = [];
    loop.wakeAt(11_000, () => woke.push(Date.now()));
    loop.pump();
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(woke).toEqual([11_000]);
    expect(vi.getTimerCount()).toBe(1); // re-armed for the engine's 13 000
    vi.advanceTimersByTime(5000);
    expect(woke).toEqual([11_000]);
    expect(engine.calls).toEqual(['timeout@11000', 'timeout@13000']);
  });

  it('drops bytes queued while no stream is attached instead of sending them on the next one', () => {
    const engine = new ScriptedEngine();
    const loop = new DriveLoop(engine, { clock, onEvent: () => {} });
    engine.transmit.push(Uint8Array.of(0xe0, 0x00));
    loop.pump();
    const stream = recordingStream();
    loop.attach(stream);
    loop.pump();
    expect(stream.batches).toEqual([]);
    expect(engine.transmit).toEqual([]);
  });

  it('sends an intent run from an event handler before the handler continues', () => {
    const engine = new ScriptedEngine();
    const stream = recordingStream();
    const order: string[] = [];
    const loop = new DriveLoop(engine, {
      clock,
      onEvent: (event) => {
        if (event !== 'received') return;
        loop.act(() => engine.transmit.push(Uint8Array.of(0xe0, 0x00)));
        order.push(`handler saw ${stream.batches.length} batches`);
        loop.detach();
      },
    });
    loop.attach(stream);
    loop.receive(Uint8Array.of(9));
    expect(stream.batches).toEqual([[[0x40, 0x02, 0x00, 0x01], [0xc0, 0x00]], [[0xe0, 0x00]]]);
    expect(order).toEqual(['handler saw 2 batches']);
  });

  it('reports a lost connection to the engine and stops writing to the old stream', () => {
    const engine = new ScriptedEngine();
    const stream = recordingStream();
    const seen: string[] = [];
    const loop = new DriveLoop(engine, { clock, onEvent: (e) => seen.push(e) });
    loop.attach(stream);
    loop.connectionLost('socket closed');
    expect(engine.calls).toEqual(['lost@10000:socket closed']);
    expect(seen).toEqual(['connection-lost']);
    expect(loop.stream).toBeUndefined();
  });

  it('never arms the timer again after close', () => {
    const engine = new ScriptedEngine();
    const loop = new DriveLoop(engine, { clock, onEvent: () => {} });
    engine.deadline = 10_100;
    loop.pump();
    loop.close();
    loop.pump();
    expect(vi.getTimerCount()).toBe(0);
  });
});
