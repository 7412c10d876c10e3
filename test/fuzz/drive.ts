/**
 * The driver's side of a fuzz case, the same for both engines: take the bytes an engine has to
 * send (learning rids and packet ids from them, so later inbound packets can answer them), and at
 * the end walk the clock through every armed deadline until none is left.
 */
import { learn } from './packets.ts';
import type { Known } from './packets.ts';

/** What the fuzz cases drive: the part of the engine surface both engines share. */
interface Engine {
  pollTransmit(): Uint8Array | undefined;
  pollTimeout(): number | undefined;
}

/** Takes every packet `engine` has to send, learning from each; returns how many there were. */
export function takeTransmit(engine: Engine, known: Known): number {
  let packets = 0;
  for (let b = engine.pollTransmit(); b !== undefined; b = engine.pollTransmit()) {
    packets++;
    learn(known, b);
  }
  return packets;
}

/** Moves the clock to each armed deadline in turn, at most 1000 times, and calls `fire` there; stops once none is armed. */
export function runOutDeadlines(engine: Engine, now: number, fire: (now: number) => void): void {
  for (let round = 0; round < 1000; round++) {
    const at = engine.pollTimeout();
    if (at === undefined) return;
    now = Math.max(now, at);
    fire(now);
  }
}
