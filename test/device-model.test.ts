/**
 * Model-based test of DeviceEngine (fast-check `fc.commands` / `fc.modelRun`): random intents,
 * hub answers, delays, throttling (429) and lost connections, checked after every step and at
 * the end against the invariants the engine promises (device-engine.ts, theory of operation):
 *
 * - every twin request ends in exactly one event (answered, failed, timed out, connection lost);
 * - a twin answer on a broken topic that still names its request ends that request at once;
 * - a token renewal (disconnect renewing + connect with a new password) ends no request: those
 *   pending at the renewal are answered on the new connection when the hub answers;
 * - every acknowledged QoS 1 message reached the hub before its PUBACK, and is acknowledged once;
 * - two different messages never share a packet id while both await a PUBACK;
 * - an intent refused with QueueFullError changes nothing;
 * - after a final reconnect with a healthy hub, nothing is left pending.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseOutboundTopic } from '@hubwire/topics';
import { DeviceEngine, QueueFullError } from '@hubwire/core';
import type { DeviceEvent } from '@hubwire/core';
import { drainEvents, HOST, ScriptedHub, seededRandom } from './support/scripted-hub.ts';
import type { HubPacket } from './support/scripted-hub.ts';

const REQUEST_TIMEOUT = 10_000;

/** What the test expects: issued requests and messages, and how often each ended. */
interface Model {
  readonly requests: Map<string, number>;
  readonly qos1: Map<number, number>;
  readonly bodies: Map<number, string>;
  /** The event that ended each request. */
  readonly endings: Map<string, DeviceEvent>;
  seq: number;
}

/** The system under test plus the hub's side of the wire. */
class World {
  readonly engine: DeviceEngine;
  readonly hub: ScriptedHub = new ScriptedHub();
  readonly events: DeviceEvent[] = [];
  /** Packets the hub received but has not answered yet. */
  backlog: HubPacket[] = [];
  /** QoS 1 packet ids the hub saw and has not acknowledged: id → body. */
  readonly outstanding: Map<number, string> = new Map();
  /** How many of the next twin answers go out on a broken topic (a `$version` that is not a number). */
  breakNext = 0;
  /** Rids answered on a broken topic since the last check. */
  readonly brokenAnswers: string[] = [];
  now = 0;

  constructor(seed: number) {
    this.engine = new DeviceEngine({
      hostName: HOST,
      deviceId: 'd1',
      random: seededRandom(seed),
      requestTimeoutMs: REQUEST_TIMEOUT,
      keepAliveSeconds: 30,
      pingTimeoutMs: 5000,
      maxInFlight: 3,
      maxQueued: 6,
    });
  }

  /** Moves the engine's output to the hub's backlog and checks it for packet-id collisions. */
  pump(): void {
    for (const packet of this.hub.take(this.engine)) {
      if (packet.cmd === 'publish' && packet.qos === 1) {
        const body = new TextDecoder().decode(packet.payload);
        const held = this.outstanding.get(packet.messageId!);
        if (held !== undefined && held !== body) throw new Error(`packet id ${packet.messageId} reused for ${body} while ${held} is unacknowledged`);
        this.outstanding.set(packet.messageId!, body);
      }
      this.backlog.push(packet);
    }
  }

  /** The hub answers the first `n` packets of its backlog. */
  answer(n: number): void {
    this.pump();
    const batch = this.backlog.splice(0, n);
    for (const packet of batch) {
      if (packet.cmd === 'publish' && typeof packet.topic === 'string' && parseOutboundTopic(packet.topic).kind === 'telemetry') {
        this.hub.respond(packet); // records the telemetry
        if (packet.qos === 1) {
          this.outstanding.delete(packet.messageId!);
          this.engine.receive(this.now, this.hub.puback(packet.messageId!));
        }
        continue;
      }
      const twin = packet.cmd === 'publish' && typeof packet.topic === 'string' ? parseOutboundTopic(packet.topic) : undefined;
      if (this.breakNext > 0 && (twin?.kind === 'twin-get' || twin?.kind === 'twin-patch-reported')) {
        this.breakNext--;
        this.brokenAnswers.push(twin.rid);
        this.engine.receive(this.now, this.hub.publish(`$iothub/twin/res/204/?$rid=${twin.rid}&$version=x`));
        continue;
      }
      for (const reply of this.hub.respond(packet)) this.engine.receive(this.now, reply);
    }
    this.pump();
  }

  collect(): DeviceEvent[] {
    const fresh = drainEvents(this.engine);
    this.events.push(...fresh);
    return fresh;
  }
}

/** Checks new events against the model: one ending per request, acks only for delivered messages. */
function account(model: Model, world: World): void {
  for (const event of world.collect()) {
    if (event.type === 'protocol-error') expect(event.reason).toBe('malformed-topic'); // only broken answers
    switch (event.type) {
      case 'twin':
      case 'reported-patched':
      case 'request-failed': {
        if (event.type === 'request-failed' && event.intent === 'telemetry') throw new Error('telemetry never fails');
        // Nothing here closes the engine for good; only renewals disconnect, and they end no request.
        if (event.type === 'request-failed') expect(event.reason).not.toBe('closed');
        const rid = event.rid!;
        model.endings.set(rid, event);
        const ended = model.requests.get(rid);
        if (ended === undefined) {
          // The engine's own re-read after a reconnect: adopt it.
          model.requests.set(rid, 1);
          break;
        }
        expect(ended, `request ${rid} ended twice`).toBe(0);
        model.requests.set(rid, 1);
        break;
      }
      case 'telemetry-acked': {
        expect(model.qos1.get(event.id), `ack for ${event.id}`).toBe(0);
        model.qos1.set(event.id, 1);
        const body = model.bodies.get(event.id)!;
        expect(world.hub.telemetry.some((t) => t.body === body), `${body} was acked before it reached the hub`).toBe(true);
        break;
      }
      default:
        break;
    }
  }
  expect(world.hub.errors).toEqual([]);
  // The hub answered each of these on a broken topic: the request has ended (now, or before if the answer was late).
  for (const rid of world.brokenAnswers.splice(0)) expect(model.requests.get(rid), `${rid} still pending after its broken answer`).toBe(1);
}

type Cmd = fc.Command<Model, World>;

class Publish implements Cmd {
  constructor(readonly qos: 0 | 1) {}
  check(): boolean {
    return true;
  }
  run(model: Model, world: World): void {
    const body = `m${model.seq++}`;
    const queued = world.engine.queuedTelemetry;
    try {
      const { id } = world.engine.publishTelemetry(world.now, body, { qos: this.qos });
      model.bodies.set(id, body);
      if (this.qos === 1) model.qos1.set(id, 0);
    } catch (error) {
      expect(error).toBeInstanceOf(QueueFullError);
      expect(world.engine.queuedTelemetry).toBe(queued);
    }
    world.pump();
    account(model, world);
  }
  toString(): string {
    return `publish(qos ${this.qos})`;
  }
}

class TwinRequest implements Cmd {
  constructor(readonly kind: 'get' | 'patch') {}
  check(): boolean {
    return true;
  }
  run(model: Model, world: World): void {
    const pending = world.engine.pendingRequests;
    try {
      const { rid } = this.kind === 'get' ? world.engine.getTwin(world.now) : world.engine.patchReported(world.now, { n: model.seq++ });
      expect(model.requests.has(rid), `rid ${rid} issued twice`).toBe(false);
      model.requests.set(rid, 0);
    } catch (error) {
      expect(error).toBeInstanceOf(QueueFullError);
      expect(world.engine.pendingRequests).toBe(pending);
    }
    world.pump();
    account(model, world);
  }
  toString(): string {
    return `twin ${this.kind}`;
  }
}

class HubAnswers implements Cmd {
  constructor(readonly n: number) {}
  check(): boolean {
    return true;
  }
  run(model: Model, world: World): void {
    world.answer(this.n);
    account(model, world);
  }
  toString(): string {
    return `hub answers ${this.n}`;
  }
}

class Throttle implements Cmd {
  constructor(readonly status: number) {}
  check(): boolean {
    return true;
  }
  run(_model: Model, world: World): void {
    world.hub.policy.twinStatuses.push(this.status);
  }
  toString(): string {
    return `next twin status ${this.status}`;
  }
}

class BreakNextAnswer implements Cmd {
  check(): boolean {
    return true;
  }
  run(_model: Model, world: World): void {
    world.breakNext++;
  }
  toString(): string {
    return 'next twin answer on a broken topic';
  }
}

class Advance implements Cmd {
  constructor(readonly ms: number) {}
  check(): boolean {
    return true;
  }
  run(model: Model, world: World): void {
    world.now += this.ms;
    world.engine.handleTimeout(world.now);
    world.pump();
    account(model, world);
  }
  toString(): string {
    return `advance ${this.ms} ms`;
  }
}

class LoseConnection implements Cmd {
  check(): boolean {
    return true;
  }
  run(model: Model, world: World): void {
    const open = world.engine.state === 'connecting' || world.engine.state === 'connected';
    world.engine.connectionLost(world.now, 'test');
    world.backlog = []; // whatever the hub had not answered is gone with the socket
    world.hub.newConnection();
    account(model, world);
    // Requests of a lost connection end with it; those made while disconnected wait for the next one.
    if (open) expect(world.engine.pendingRequests).toBe(0);
  }
  toString(): string {
    return 'lose connection';
  }
}

class Reconnect implements Cmd {
  check(): boolean {
    return true;
  }
  run(model: Model, world: World): void {
    if (world.engine.state === 'connecting' || world.engine.state === 'connected') return;
    world.backlog = [];
    world.hub.newConnection();
    world.engine.connect(world.now, { password: 'token' });
    world.pump();
    account(model, world);
  }
  toString(): string {
    return 'reconnect';
  }
}

class Renew implements Cmd {
  constructor(readonly hubAnswers: boolean) {}
  check(): boolean {
    return true;
  }
  run(model: Model, world: World): void {
    const carried = [...model.requests].filter(([, ended]) => ended === 0).map(([rid]) => rid);
    world.engine.disconnect(world.now, { renewing: true });
    world.backlog = []; // the old socket is closed: nothing on it is answered
    world.hub.newConnection();
    account(model, world);
    for (const rid of carried) expect(model.requests.get(rid), `${rid} ended by a renewal`).toBe(0);
    world.engine.connect(world.now, { password: `token-${model.seq++}` });
    world.pump();
    account(model, world);
    if (!this.hubAnswers) return;
    // The hub answers everything at once (no time passes, so no deadline fires): each request
    // pending at the renewal ends in the hub's answer (a success or a status the hub chose).
    for (let round = 0; round < 20 && world.backlog.length > 0; round++) world.answer(Infinity);
    account(model, world);
    for (const rid of carried) {
      const ending = model.endings.get(rid);
      const answered =
        ending !== undefined && (ending.type !== 'request-failed' || ending.status !== undefined || ending.reason === 'malformed-response');
      expect(answered, `${rid} was not answered after the renewal`).toBe(true);
    }
  }
  toString(): string {
    return `renew token${this.hubAnswers ? ', hub answers' : ''}`;
  }
}

const commands = [
  fc.constantFrom(0 as const, 1 as const).map((qos) => new Publish(qos)),
  fc.constantFrom('get' as const, 'patch' as const).map((kind) => new TwinRequest(kind)),
  fc.integer({ min: 1, max: 8 }).map((n) => new HubAnswers(n)),
  fc.constantFrom(429, 500, 400).map((status) => new Throttle(status)),
  fc.constant(new BreakNextAnswer()),
  fc.integer({ min: 1, max: 20_000 }).map((ms) => new Advance(ms)),
  fc.constant(new LoseConnection()),
  fc.constant(new Reconnect()),
  fc.boolean().map((hubAnswers) => new Renew(hubAnswers)),
];

/** Reconnects to a healthy hub and lets time pass until everything has ended. */
function settle(model: Model, world: World): void {
  world.hub.policy.twinStatuses.length = 0;
  world.breakNext = 0;
  for (let round = 0; round < 20; round++) {
    if (world.engine.state !== 'connected') {
      world.engine.connectionLost(world.now);
      new Reconnect().run(model, world);
    }
    world.answer(Infinity);
    world.now = Math.max(world.now + 1, world.engine.pollTimeout() ?? world.now + 1);
    world.engine.handleTimeout(world.now);
    world.answer(Infinity);
    account(model, world);
    const done = world.engine.pendingRequests === 0 && world.engine.inFlightTelemetry === 0 && world.engine.queuedTelemetry === 0;
    if (done && world.engine.state === 'connected') break;
  }
}

describe('DeviceEngine under random intents, answers, delays, throttling, lost connections and token renewals', () => {
  it('ends every request exactly once and acknowledges only messages that reached the hub', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.commands(commands, { maxCommands: 60 }), (seed, cmds) => {
        const world = new World(seed);
        const model: Model = { requests: new Map(), qos1: new Map(), bodies: new Map(), endings: new Map(), seq: 0 };
        world.engine.connect(0, { password: 'token' });
        world.pump();
        fc.modelRun(() => ({ model, real: world }), cmds);
        settle(model, world);
        expect(world.engine.state).toBe('connected');
        expect([...model.requests].filter(([, ended]) => ended !== 1)).toEqual([]);
        expect([...model.qos1].filter(([, acked]) => acked !== 1)).toEqual([]);
        // Every QoS 1 body reached the hub at least once.
        for (const [id] of model.qos1) expect(world.hub.telemetry.some((t) => t.body === model.bodies.get(id))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
