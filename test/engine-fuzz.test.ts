/**
 * A bounded run of `pnpm fuzz` (test/fuzz) inside the test command: a few thousand seeded cases of
 * both engines must hold every invariant, and the run must reach the states the invariants are
 * about — connections made and lost, every kind of request ending, refused intents — or passing
 * would prove nothing. The million-case run is `pnpm fuzz --cases 1000000`.
 */
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { FuzzFailure } from './fuzz/ledger.ts';
import type { Tally } from './fuzz/ledger.ts';
import { Rng } from './fuzz/rng.ts';
import { runCase, runFuzz } from './fuzz/run.ts';

const SEED = 0x5eed_2026;

describe('pnpm fuzz, bounded', () => {
  it('holds every invariant over 4 000 cases of both engines and reaches what they are about', () => {
    const tally: Tally = new Map();
    const result = runFuzz({ seed: SEED, count: 4000, clock: () => performance.now(), tally });
    expect(result.failure, result.failure === undefined ? '' : `${result.failure.message}\n  replay: pnpm fuzz --seed ${SEED} --case ${result.failure.index}`).toBeUndefined();
    expect(result.cases).toBe(4000);
    const reached = [
      'connected', 'subscribed', 'connection-lost', 'protocol-error', 'disconnected', 'c2d', 'method-request', 'desired-patch',
      'twin', 'reported-patched', 'request-failed', 'telemetry-acked', 'assigned', 'registration-failed',
      'refused invalid-chunk', 'refused invalid-body', 'refused invalid-auth', 'refused not-connected',
    ];
    for (const key of reached) expect(tally.get(key) ?? 0, key).toBeGreaterThan(0);
  });

  it('replays one case alone, step for step, from its seed and index', () => {
    const first: string[] = [];
    const again: string[] = [];
    runCase(SEED, 1234, first);
    runCase(SEED, 1234, again);
    expect(first.length).toBeGreaterThan(0);
    expect(again).toEqual(first);
    // Neighbouring cases draw unrelated streams.
    expect(new Rng(SEED, 1).next()).not.toBe(new Rng(SEED, 2).next());
  });

  it('stops at the first failing case and names its seed and index', () => {
    const ran: number[] = [];
    const result = runFuzz({
      seed: SEED,
      count: 100,
      first: 40,
      clock: () => 0,
      runOne: (_seed, index) => {
        ran.push(index);
        if (index === 47) throw new FuzzFailure('request r1 ended twice');
      },
    });
    expect(ran).toEqual([40, 41, 42, 43, 44, 45, 46, 47]);
    expect(result).toMatchObject({ cases: 8, failure: { seed: SEED, index: 47, engine: 'provisioning', message: 'FuzzFailure: request r1 ended twice' } });
  });
});
