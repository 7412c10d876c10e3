/**
 * One fuzz case for ProvisioningEngine, as device-case.ts does for DeviceEngine: random options,
 * random steps (DPS replies right and wrong, noise, chunkings, intents, time, lost sockets), the
 * driver draining after each, the same invariants — and every `register` ends in exactly one
 * `assigned` or `registration-failed`, also when the case ends with it still running.
 */
import { ProvisioningEngine, seededRandom } from '@hubwire/core';
import type { ProvisioningEngineOptions, ProvisioningEvent } from '@hubwire/core';
import { attempt, check, count, Ledger } from './ledger.ts';
import type { Tally } from './ledger.ts';
import { runOutDeadlines, takeTransmit } from './drive.ts';
import { chunked, inboundStream } from './packets.ts';
import type { Known } from './packets.ts';
import type { Rng } from './rng.ts';

const TOKEN = 'SharedAccessSignature sr=0ne00000A0A%2Fregistrations%2Freg-1&sig=c2ln&se=1&skn=registration';
const TOO_LARGE_PAYLOAD = 'x'.repeat(100_000);

const PROVISIONING_EVENTS: ReadonlySet<string> = new Set<ProvisioningEvent['type']>([
  'connected', 'connect-failed', 'subscribed', 'subscription-refused', 'assigned', 'registration-failed', 'token-expiring',
  'connection-lost', 'protocol-error', 'disconnected',
]);

function options(r: Rng): ProvisioningEngineOptions & { maxPacketBytes: number } {
  return {
    idScope: '0ne00000A0A',
    registrationId: 'reg-1',
    keepAliveSeconds: r.pick([0, 30, 240]),
    requestTimeoutMs: r.pick([1, 100, 30_000]),
    connackTimeoutMs: r.pick([10, 60_000]),
    registrationTimeoutMs: r.pick([50, 5000, 300_000]),
    maxTransientRetries: r.int(4),
    maxPacketBytes: r.pick([64, 512, 102_400]),
    random: seededRandom(r.seed()),
  };
}

/** Runs one case; throws FuzzFailure (or whatever escaped) when an invariant breaks. */
export function provisioningCase(r: Rng, log?: string[], tally?: Tally): void {
  const o = options(r);
  const engine = new ProvisioningEngine(o);
  const ledger = new Ledger();
  const known: Known = { deviceId: 'd1', moduleId: undefined, service: 'dps', chaos: r.pick([0.02, 0.1, 0.5]), connecting: false, rids: [], packetIds: [], subscribes: [] };
  let now = 0;
  let step = '';

  const observe = (): string => `${engine.state}|${engine.pollTimeout()}|${engine.registering}`;
  const quiet = (): boolean => engine.pollTransmit() === undefined && engine.pollEvent() === undefined;
  const tryIntent = <T>(intent: () => T): T | undefined => attempt(() => step, observe, quiet, intent, tally);

  const drain = (bytesIn: number): void => {
    const packets = takeTransmit(engine, known);
    let events = 0;
    for (let e = engine.pollEvent(); e !== undefined; e = engine.pollEvent()) {
      events++;
      count(tally, e.type);
      check(PROVISIONING_EVENTS.has(e.type), `${step}: an event of unknown type ${String(e.type)}`);
      if (e.type === 'assigned' || e.type === 'registration-failed') ledger.ended(e.rid, e.type);
    }
    check(events <= 10 + 3 * bytesIn, `${step}: ${events} events from ${bytesIn} bytes`);
    check(packets <= 10 + bytesIn, `${step}: ${packets} packets to send from ${bytesIn} bytes`);
  };

  const steps = 1 + r.int(40);
  for (let i = 0; i < steps; i++) {
    let bytesIn = 0;
    const op = engine.state !== 'connecting' && engine.state !== 'connected' && r.chance(0.4) ? 6 : r.int(14);
    if (op < 6) {
      const stream = inboundStream(r, known);
      bytesIn = stream.length;
      step = `step ${i}: receive ${stream.length} bytes`;
      for (const chunk of chunked(r, stream)) engine.receive(now, chunk); // must never throw
    } else if (op === 6) {
      step = `step ${i}: connect`;
      tryIntent(() => engine.connect(now, r.pick<unknown>([undefined, { password: TOKEN }, null, { password: 7 }]) as undefined));
    } else if (op === 7 || op === 8) {
      step = `step ${i}: register`;
      const opts = r.chance(0.03) ? { payload: TOO_LARGE_PAYLOAD } : r.pick<unknown>([undefined, { payload: { modelId: 'dtmi:x;1' } }, { payload: Number.NaN }, 5]);
      const result = tryIntent(() => engine.register(now, opts as undefined));
      if (result !== undefined) ledger.issue(result.rid);
    } else if (op === 9) {
      step = `step ${i}: disconnect`;
      tryIntent(() => engine.disconnect(now));
    } else if (op === 10) {
      step = `step ${i}: connectionLost`;
      tryIntent(() => engine.connectionLost(now, r.pick<unknown>([undefined, 'gone', {}]) as string));
    } else if (op === 11) {
      step = `step ${i}: a wrong call`;
      tryIntent(r.pick<() => unknown>([() => engine.receive(now, null as unknown as Uint8Array), () => engine.register(Number.NaN)]));
    } else {
      const deadline = engine.pollTimeout();
      now = deadline !== undefined && r.chance(0.7) ? Math.max(now, deadline) : now + r.pick([0, 1, 1000, 10_000]);
      step = `step ${i}: handleTimeout(${now})`;
      engine.handleTimeout(now);
    }
    log?.push(step);
    drain(bytesIn);
    check(engine.bufferedBytes <= o.maxPacketBytes, `${step}: ${engine.bufferedBytes} bytes buffered, maxPacketBytes ${o.maxPacketBytes}`);
  }

  step = 'end: disconnect';
  engine.disconnect(now);
  drain(0);
  runOutDeadlines(engine, now, (at) => {
    engine.handleTimeout(at);
    drain(0);
  });
  check(engine.registering === undefined, `registration ${engine.registering} still running after the end`);
  ledger.allEnded();
}
