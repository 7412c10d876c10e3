/**
 * Model-based test of the ProvisioningEngine (fc.commands): any interleaving of application
 * intents, service answers, time jumps and connection losses keeps the one-ending rule — every
 * rid `register` returned ends in exactly one `assigned` or `registration-failed`, never two,
 * and `registering` is set exactly while its registration has not ended. Misuse throws
 * InvalidStateError and leaves no trace on the wire.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidStateError, ProvisioningEngine } from '@hubwire/core';
import type { ProvisioningEvent } from '@hubwire/core';
import type { DeviceRequest } from './support/scripted-dps.ts';
import { assignedBody, assigningBody, connack, DpsHarness, dpsReply, errorBody, pingresp, rawPublish, suback } from './support/scripted-dps.ts';

const REG = 'model-device';

/** What the model knows: the rids handed out and how often each ended. */
interface Model {
  readonly rids: string[];
  readonly endings: Map<string, number>;
}

/** The engine under test, its service-side wire, and requests the service has not answered yet. */
class Real {
  readonly h: DpsHarness = new DpsHarness(
    new ProvisioningEngine({
      idScope: '0ne00000A0A',
      registrationId: REG,
      requestTimeoutMs: 10_000,
      registrationTimeoutMs: 60_000,
      connackTimeoutMs: 10_000,
      pingTimeoutMs: 5_000,
      keepAliveSeconds: 30,
      maxTransientRetries: 2,
      random: () => 0.75,
    }),
  );
  readonly unanswered: DeviceRequest[] = [];

  /** Starts connecting, so that most command sequences get to register. */
  constructor() {
    this.h.engine.connect(this.h.now);
    this.collectSent();
  }

  /** Moves what the device sent into the unanswered list (PINGREQ is answered at once). */
  collectSent(): void {
    for (const request of this.h.sent()) {
      if (request.kind === 'pingreq') this.h.deliver(pingresp());
      else if (request.kind !== 'puback' && request.kind !== 'disconnect') this.unanswered.push(request);
    }
  }

  /** Drains events into the model, checking the one-ending rule as they come. */
  settle(model: Model): void {
    this.collectSent();
    for (const event of this.h.events()) record(model, event);
    const last = model.rids.at(-1);
    const open = last !== undefined && (model.endings.get(last) ?? 0) === 0;
    expect(this.h.engine.registering).toBe(open ? last : undefined);
  }
}

function record(model: Model, event: ProvisioningEvent): void {
  if (event.type !== 'assigned' && event.type !== 'registration-failed') return;
  expect(model.rids).toContain(event.rid);
  const count = (model.endings.get(event.rid) ?? 0) + 1;
  expect(count).toBe(1);
  model.endings.set(event.rid, count);
}

type Cmd = fc.Command<Model, Real>;

class Connect implements Cmd {
  check = (): boolean => true;
  run(model: Model, real: Real): void {
    const engine = real.h.engine;
    if (engine.state === 'connecting' || engine.state === 'connected') {
      expect(() => engine.connect(real.h.now)).toThrow(InvalidStateError);
      expect(engine.pollTransmit()).toBeUndefined();
    } else {
      real.unanswered.length = 0; // a new socket: the old one's requests are gone
      engine.connect(real.h.now);
    }
    real.settle(model);
  }
  toString = (): string => 'connect';
}

class Register implements Cmd {
  check = (): boolean => true;
  run(model: Model, real: Real): void {
    const engine = real.h.engine;
    const allowed = (engine.state === 'connecting' || engine.state === 'connected') && engine.registering === undefined;
    if (allowed) {
      model.rids.push(engine.register(real.h.now).rid);
    } else {
      expect(() => engine.register(real.h.now)).toThrow(InvalidStateError);
      expect(engine.pollTransmit()).toBeUndefined();
    }
    real.settle(model);
  }
  toString = (): string => 'register';
}

/**
 * How the service answers the oldest unanswered request. `broken` answers on a topic with a broken
 * status that still names the request, `stray-broken` on a broken topic naming no request, and
 * `vague-retry` says `assigning` with a retry-after that is not a number.
 */
type Answer =
  | 'ok'
  | 'assigning'
  | 'throttled'
  | 'unauthorized'
  | 'server-error'
  | 'refuse'
  | 'drop'
  | 'broken'
  | 'stray-broken'
  | 'vague-retry';

class Serve implements Cmd {
  constructor(readonly answer: Answer, readonly retryAfter: number) {}
  check = (): boolean => true;
  run(model: Model, real: Real): void {
    const request = real.unanswered.shift();
    if (request !== undefined && this.answer !== 'drop') real.h.deliver(...this.#bytes(request));
    real.settle(model);
  }
  #bytes(request: DeviceRequest): Uint8Array[] {
    const ra = { retryAfter: this.retryAfter };
    switch (request.kind) {
      case 'connect':
        return [connack(this.answer === 'refuse' ? 5 : this.answer === 'server-error' ? 3 : 0)];
      case 'subscribe':
        return [suback(request.messageId, [this.answer === 'refuse' ? 0x80 : 1])];
      case 'register':
      case 'poll':
        switch (this.answer) {
          case 'ok':
            return [dpsReply(200, request.rid, assignedBody('op-1', { registrationId: REG }))];
          case 'assigning':
            return [dpsReply(202, request.rid, assigningBody('op-1'), ra)];
          case 'throttled':
            return [dpsReply(429, request.rid, errorBody(429001, 'throttled'), ra)];
          case 'unauthorized':
            return [dpsReply(401, request.rid, errorBody(401002, 'unauthorized'))];
          case 'server-error':
            return [dpsReply(503, request.rid, 'down', ra)];
          case 'broken':
            return [rawPublish(`$dps/registrations/res/2x/?$rid=${request.rid}`, '{}')];
          case 'stray-broken':
            return [rawPublish('$dps/registrations/res/2x/?$rid=nobody', '{}')];
          case 'vague-retry':
            return [rawPublish(`$dps/registrations/res/202/?$rid=${request.rid}&retry-after=soon`, JSON.stringify(assigningBody('op-1')))];
          default:
            return [dpsReply(200, request.rid, { operationId: 'op-1', status: 'disabled' })];
        }
      default:
        return [];
    }
  }
  toString = (): string => `serve(${this.answer}, retry-after ${this.retryAfter})`;
}

class Advance implements Cmd {
  check = (): boolean => true;
  run(model: Model, real: Real): void {
    const at = real.h.engine.pollTimeout();
    if (at !== undefined) real.h.advanceTo(Math.max(real.h.now, at));
    real.settle(model);
  }
  toString = (): string => 'advance';
}

class LoseConnection implements Cmd {
  check = (): boolean => true;
  run(model: Model, real: Real): void {
    real.h.engine.connectionLost(real.h.now, 'model');
    real.unanswered.length = 0;
    real.settle(model);
    expect(['disconnected', 'closed']).toContain(real.h.engine.state);
  }
  toString = (): string => 'lose-connection';
}

class Disconnect implements Cmd {
  check = (): boolean => true;
  run(model: Model, real: Real): void {
    real.h.engine.disconnect(real.h.now);
    real.unanswered.length = 0;
    real.settle(model);
    expect(real.h.engine.state).toBe('closed');
  }
  toString = (): string => 'disconnect';
}

const serve = fc
  .tuple(
    fc.constantFrom<Answer>(
      'ok',
      'assigning',
      'assigning',
      'assigning',
      'throttled',
      'unauthorized',
      'server-error',
      'refuse',
      'drop',
      'broken',
      'stray-broken',
      'vague-retry',
    ),
    fc.constantFrom(1, 2, 0, 500),
  )
  .map(([answer, retryAfter]) => new Serve(answer, retryAfter));

// Repeated entries weigh the choice: mostly registering, answering and waiting.
const commands = [
  fc.constant(new Connect()),
  fc.constant(new Register()),
  fc.constant(new Register()),
  serve,
  serve,
  serve,
  serve,
  fc.constant(new Advance()),
  fc.constant(new Advance()),
  fc.constant(new LoseConnection()),
  fc.constant(new Disconnect()),
];

describe('ProvisioningEngine model', () => {
  it('ends every registration exactly once under any interleaving of intents, answers, time and losses', () => {
    fc.assert(
      fc.property(fc.commands(commands, { maxCommands: 80, size: 'large' }), (cmds) => {
        const model: Model = { rids: [], endings: new Map() };
        const real = new Real();
        fc.modelRun(() => ({ model, real }), cmds);
        // Afterwards, with the service silent, time alone ends whatever is still open.
        for (let step = 0; step < 50 && real.h.engine.registering !== undefined; step++) new Advance().run(model, real);
        for (const rid of model.rids) expect(model.endings.get(rid)).toBe(1);
      }),
      { numRuns: 300 },
    );
  });
});
