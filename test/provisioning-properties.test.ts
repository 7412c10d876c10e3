/**
 * Property tests of the ProvisioningEngine against a scripted DPS whose replies fast-check picks:
 * the event sequence does not depend on how the inbound bytes are chunked, and every `register`
 * ends in exactly one `assigned` or `registration-failed`, whatever DPS answers, drops or delays.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProvisioningEngine } from '@hubwire/core';
import { concat, split } from '../packages/core/test/mqtt-oracle.ts';
import type { ProvisioningEvent } from '@hubwire/core';
import type { DeviceRequest } from './support/scripted-dps.ts';
import { assignedBody, assigningBody, connack, DpsHarness, dpsReply, errorBody, pingresp, suback } from './support/scripted-dps.ts';

const REG = 'dev-42';
const OP = '4.a1b2c3.op-9';

/** What the scripted DPS does with one register or poll request. */
type Action =
  | { readonly kind: 'reply'; readonly status: number; readonly body: ReplyBody; readonly retryAfter?: number; readonly qos: 0 | 1; readonly delayMs: number }
  | { readonly kind: 'drop' }
  | { readonly kind: 'lose-connection' };

type ReplyBody = 'assigning' | 'assigned' | 'failed' | 'disabled' | 'error' | 'garbage';

/** A reply's status and body kind. */
type Shape = readonly [status: number, body: ReplyBody];

const weighted = (weight: number, arbitrary: fc.Arbitrary<Shape>): fc.WeightedArbitrary<Shape> => ({ weight, arbitrary });

/** A reply: mostly the status and body DPS would pair, sometimes any status with any body. */
const replyArb: fc.Arbitrary<Action> = fc
  .record(
    {
      shape: fc.oneof(
        weighted(4, fc.constant([202, 'assigning'])),
        weighted(2, fc.constant([200, 'assigned'])),
        weighted(1, fc.tuple(fc.constant(200), fc.constantFrom<ReplyBody>('failed', 'disabled'))),
        weighted(1, fc.tuple(fc.constantFrom(400, 401, 404), fc.constant<ReplyBody>('error'))),
        weighted(2, fc.tuple(fc.constantFrom(429, 500, 503), fc.constant<ReplyBody>('error'))),
        weighted(
          1,
          fc.tuple(
            fc.constantFrom(200, 202, 204, 302, 429, 500),
            fc.constantFrom<ReplyBody>('assigning', 'assigned', 'failed', 'error', 'garbage'),
          ),
        ),
      ),
      retryAfter: fc.constantFrom(0, 1, 2, 3, 5, 30, 301),
      qos: fc.constantFrom<0 | 1>(0, 1),
      // Mostly at once, sometimes late, sometimes after the engine's 20 s request timeout.
      delayMs: fc.oneof(
        { weight: 6, arbitrary: fc.constant(0) },
        { weight: 3, arbitrary: fc.integer({ min: 1, max: 19_999 }) },
        { weight: 1, arbitrary: fc.integer({ min: 20_000, max: 40_000 }) },
      ),
    },
    { requiredKeys: ['shape', 'qos', 'delayMs'] },
  )
  .map(({ shape: [status, body], ...rest }): Action => ({ kind: 'reply', status, body, ...rest }));

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 8, arbitrary: replyArb },
  { weight: 1, arbitrary: fc.constant({ kind: 'drop' } as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'lose-connection' } as const) },
);

function bodyOf(kind: ReplyBody, status: number): unknown {
  switch (kind) {
    case 'assigning':
      return assigningBody(OP);
    case 'assigned':
      return assignedBody(OP, { registrationId: REG });
    case 'failed':
    case 'disabled':
      return { operationId: OP, status: kind, registrationState: { registrationId: REG, status: kind, errorCode: 400209 } };
    case 'error':
      return errorBody(status * 1000 + 1, 'scripted error');
    case 'garbage':
      return '\u0000not json';
  }
}

/** Scripted DPS turns: what to send back for each request, chosen ahead by fast-check. */
interface Script {
  readonly actions: readonly Action[];
  /** SUBACK return codes, one per SUBSCRIBE (cycled). */
  readonly granted: readonly number[];
  /** How many registrations the application runs, one after another. */
  readonly registrations: number;
}

interface Outcome {
  readonly events: readonly ProvisioningEvent[];
  readonly rids: readonly string[];
  /** Times (ms) at which the device published a DPS request. */
  readonly requestTimes: readonly number[];
  /** For each DPS request sent after a reply that asked to wait: [sent at, earliest allowed]. */
  readonly waits: readonly (readonly [number, number])[];
  /** For each registration: [register() time, end event time]. */
  readonly spans: readonly (readonly [number, number])[];
}

const REGISTRATION_TIMEOUT_MS = 120_000;

/** What DPS does once the script runs out: assign at once. */
const FINALLY_ASSIGNED: Action = { kind: 'reply', status: 200, body: 'assigned', qos: 0, delayMs: 0 };

/**
 * Runs the script to completion; `split` cuts each inbound byte run into chunks. Bounded: gives up
 * after 5 000 steps (each step fires a deadline or delivers bytes).
 */
function simulate(script: Script, split: (bytes: Uint8Array) => Uint8Array[]): Outcome {
  const engine = new ProvisioningEngine({
    idScope: '0ne00000A0A',
    registrationId: REG,
    requestTimeoutMs: 20_000,
    registrationTimeoutMs: REGISTRATION_TIMEOUT_MS,
    maxTransientRetries: 1,
    keepAliveSeconds: 60,
    random: () => 0.5,
  });
  const h = new DpsHarness(engine, 0);
  const events: ProvisioningEvent[] = [];
  const rids: string[] = [];
  const requestTimes: number[] = [];
  const waits: [number, number][] = [];
  const spans: [number, number][] = [];
  /** Bytes the service will deliver at a given time, in order. */
  let pending: { at: number; bytes: Uint8Array }[] = [];
  let actionIndex = 0;
  let subscribeIndex = 0;
  let earliestNext: number | undefined;
  let registeredAt = 0;

  const deliver = (bytes: Uint8Array): void => {
    for (const chunk of split(bytes)) engine.receive(h.now, chunk);
  };
  const collect = (): void => {
    for (const event of h.events()) {
      events.push(event);
      if (event.type === 'assigned' || event.type === 'registration-failed') {
        spans.push([registeredAt, h.now]);
        earliestNext = undefined;
      }
    }
  };
  const serve = (requests: DeviceRequest[]): void => {
    const out: Uint8Array[] = [];
    for (const request of requests) {
      switch (request.kind) {
        case 'connect':
          out.push(connack(0));
          break;
        case 'subscribe': {
          const code = script.granted[subscribeIndex++ % script.granted.length] ?? 1;
          out.push(suback(request.messageId, [code]));
          break;
        }
        case 'pingreq':
          out.push(pingresp());
          break;
        case 'register':
        case 'poll': {
          requestTimes.push(h.now);
          if (earliestNext !== undefined) waits.push([h.now, earliestNext]);
          earliestNext = undefined;
          const action = script.actions[actionIndex++] ?? FINALLY_ASSIGNED;
          if (action.kind === 'lose-connection') {
            engine.connectionLost(h.now, 'scripted');
            pending = [];
            return;
          }
          if (action.kind === 'reply') {
            const bytes = dpsReply(action.status, request.rid, bodyOf(action.body, action.status), {
              ...(action.retryAfter === undefined ? {} : { retryAfter: action.retryAfter }),
              qos: action.qos,
              messageId: actionIndex,
            });
            if (action.delayMs === 0) out.push(bytes);
            else pending.push({ at: h.now + action.delayMs, bytes });
            const waitsAfter = action.status === 202 || action.status >= 429;
            if (waitsAfter && action.delayMs < 20_000) {
              const ra = action.retryAfter;
              const wait = ra !== undefined && ra >= 1 && ra <= 300 ? ra * 1000 : 1000;
              earliestNext = h.now + action.delayMs + wait;
            }
          }
          break;
        }
        default:
          break;
      }
    }
    if (out.length > 0) deliver(concat(out));
  };

  let started = 0;
  for (let step = 0; step < 5_000; step++) {
    collect();
    if (engine.registering === undefined && started < script.registrations) {
      if (engine.state === 'disconnected') engine.connect(h.now);
      registeredAt = h.now;
      rids.push(engine.register(h.now).rid);
      started++;
    }
    const requests = h.sent();
    if (requests.length > 0) {
      serve(requests); // replies may make the engine send more: serve again before time moves
      continue;
    }
    if (engine.registering === undefined && started === script.registrations) break;
    const due = pending.filter((p) => p.at <= h.now);
    if (due.length > 0) {
      pending = pending.filter((p) => p.at > h.now);
      deliver(concat(due.map((p) => p.bytes)));
      continue;
    }
    const deadline = engine.pollTimeout();
    const nextDelivery = pending.reduce((min, p) => Math.min(min, p.at), Infinity);
    const next = Math.min(deadline ?? Infinity, nextDelivery);
    if (next === Infinity) break;
    h.advanceTo(Math.max(h.now, next));
  }
  collect();
  return { events, rids, requestTimes, waits, spans };
}

/** Cuts `bytes` before each position in `cuts` (taken modulo the length). */
function splitter(cuts: readonly number[]): (bytes: Uint8Array) => Uint8Array[] {
  return (bytes) => split(bytes, cuts.map((c) => c % (bytes.length + 1)));
}

const whole = (bytes: Uint8Array): Uint8Array[] => [bytes];
const byteByByte = (bytes: Uint8Array): Uint8Array[] => Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));

const scriptArb: fc.Arbitrary<Script> = fc.record({
  actions: fc.array(actionArb, { maxLength: 30 }),
  granted: fc.array(fc.constantFrom(0, 1, 1, 1, 0x80), { minLength: 1, maxLength: 3 }),
  registrations: fc.integer({ min: 1, max: 3 }),
});

const isEnd = (e: ProvisioningEvent): e is Extract<ProvisioningEvent, { type: 'assigned' | 'registration-failed' }> =>
  e.type === 'assigned' || e.type === 'registration-failed';

describe('ProvisioningEngine properties', () => {
  it('emits the same events however the inbound bytes are chunked', () => {
    fc.assert(
      fc.property(scriptArb, fc.array(fc.nat(), { maxLength: 12 }), (script, cuts) => {
        const reference = simulate(script, whole);
        expect(simulate(script, splitter(cuts)).events).toEqual(reference.events);
        expect(simulate(script, byteByByte).events).toEqual(reference.events);
      }),
      { numRuns: 150 },
    );
  });

  it('ends every register in exactly one assigned or registration-failed event', () => {
    fc.assert(
      fc.property(scriptArb, (script) => {
        const { events, rids, spans } = simulate(script, whole);
        expect(rids).toHaveLength(script.registrations);
        const ends = events.filter(isEnd);
        expect(ends.map((e) => e.rid)).toEqual(rids);
        for (const [start, end] of spans) expect(end - start).toBeLessThanOrEqual(REGISTRATION_TIMEOUT_MS);
      }),
      { numRuns: 300 },
    );
  });

  it('turns random inbound bytes into events only, and still ends the registration exactly once', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 48 }), { minLength: 1, maxLength: 6 }), (garbage) => {
        const engine = new ProvisioningEngine({ idScope: '0ne00000A0A', registrationId: REG, random: () => 0.25 });
        const h = new DpsHarness(engine, 0);
        h.open();
        const { rid } = engine.register(h.now);
        const [subscribe] = h.sent();
        h.deliver(suback(subscribe?.kind === 'subscribe' ? subscribe.messageId : 0, [1]));
        for (const bytes of garbage) expect(() => engine.receive(h.now, bytes)).not.toThrow();
        for (let step = 0; step < 20 && engine.registering !== undefined; step++) h.advance();
        const events = h.events();
        expect(events.filter(isEnd).map((e) => e.rid)).toEqual([rid]);
        const known = new Set(['connected', 'subscribed', 'subscription-refused', 'protocol-error', 'connection-lost', 'registration-failed', 'assigned']);
        for (const event of events) expect(known.has(event.type)).toBe(true);
        // A broken stream leaves the engine reusable: connect and register again.
        if (engine.state === 'disconnected') h.open();
        expect(engine.register(h.now).rid).not.toBe(rid);
      }),
      { numRuns: 300 },
    );
  });

  it('honours retry-after and never sends more than five DPS requests in ten seconds', () => {
    fc.assert(
      fc.property(scriptArb, (script) => {
        const { requestTimes, waits } = simulate(script, whole);
        for (let i = 5; i < requestTimes.length; i++) {
          expect((requestTimes[i] as number) - (requestTimes[i - 5] as number)).toBeGreaterThanOrEqual(10_000);
        }
        for (const [sentAt, earliest] of waits) expect(sentAt).toBeGreaterThanOrEqual(earliest);
      }),
      { numRuns: 300 },
    );
  });
});
