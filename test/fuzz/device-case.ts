/**
 * One fuzz case for DeviceEngine: random options, then up to 40 random steps — inbound streams in
 * random chunks, intents right and wrong, time moving (sometimes backwards), lost sockets — with the
 * driver draining its queues after every step, as a real one does. After every step: `receive` threw
 * nothing, buffers and queues are within their bounds, every event is of the union, no request ended
 * twice, every refused intent was a HubwireError that changed nothing. At the end the engine is
 * closed and its deadlines run out: every twin request the application made ended exactly once.
 */
import { DeviceEngine, seededRandom } from '@hubwire/core';
import type { DeviceEngineOptions, DeviceEvent } from '@hubwire/core';
import { attempt, check, count, Ledger } from './ledger.ts';
import type { Tally } from './ledger.ts';
import { runOutDeadlines, takeTransmit } from './drive.ts';
import { chunked, inboundStream } from './packets.ts';
import type { Known } from './packets.ts';
import type { Rng } from './rng.ts';

const TOKEN = 'SharedAccessSignature sr=h&sig=c2ln&se=1';
const HOST = 'fuzz-hub.azure-devices.net';
/** Bodies made once: cases take views of them, so a million cases allocate no large arrays. */
const BODY = new Uint8Array(300).map((_, i) => i);
const TOO_LARGE = new Uint8Array(262_145);
const TOO_LARGE_PATCH = { a: 'x'.repeat(40_000) };
const TOO_LARGE_PASSWORD = 'p'.repeat(65_536);

const DEVICE_EVENTS: ReadonlySet<string> = new Set<DeviceEvent['type']>([
  'connected', 'connect-failed', 'subscribed', 'subscription-refused', 'telemetry-acked', 'c2d', 'module-input', 'twin',
  'reported-patched', 'desired-patch', 'method-request', 'request-failed', 'token-expiring', 'connection-lost',
  'protocol-error', 'disconnected',
]);

/** Random engine options within their documented ranges. */
function options(r: Rng): DeviceEngineOptions & { maxPacketBytes: number; maxQueued: number; maxInFlight: number } {
  const moduleId = r.chance(0.2) ? 'm1' : undefined;
  return {
    hostName: HOST,
    deviceId: 'd1',
    ...(moduleId === undefined ? {} : { moduleId }),
    keepAliveSeconds: r.pick([0, 1, 30, 240]),
    cleanSession: r.chance(0.5),
    requestTimeoutMs: r.pick([1, 50, 1000, 30_000]),
    connackTimeoutMs: r.pick([10, 1000, 60_000]),
    pingTimeoutMs: r.pick([10, 1000, 30_000]),
    maxPacketBytes: r.pick([64, 200, 1024, 270_336]),
    maxInFlight: 1 + r.int(4),
    maxQueued: r.pick([0, 1, 3, 16]),
    manualC2dAck: r.chance(0.3),
    ...(r.chance(0.2) ? { subscribe: { twin: false } } : {}),
    ...(r.chance(0.1) ? { will: { body: 'bye', qos: r.pick([0, 1] as const) } } : {}),
    random: seededRandom(r.seed()),
  };
}

/** Runs one case; throws FuzzFailure (or whatever escaped) when an invariant breaks. `log` collects the steps when given. */
export function deviceCase(r: Rng, log?: string[], tally?: Tally): void {
  const o = options(r);
  const engine = new DeviceEngine(o);
  const ledger = new Ledger();
  const known: Known = { deviceId: 'd1', moduleId: o.moduleId, service: 'hub', chaos: r.pick([0.02, 0.1, 0.5]), connecting: false, rids: [], packetIds: [], subscribes: [] };
  const ackIds: number[] = [];
  const methodRids: string[] = [];
  const telemetry = new Set<number>();
  let now = 0;
  let step = '';

  const observe = (): string =>
    `${engine.state}|${engine.pollTimeout()}|${engine.pendingRequests}|${engine.inFlightTelemetry}|${engine.queuedTelemetry}|` +
    `${engine.lastSentAt}|${engine.lastReceivedAt}|${engine.bufferedBytes}|${engine.desiredVersion}|${engine.activeSubscriptions.length}`;
  const quiet = (): boolean => engine.pollTransmit() === undefined && engine.pollEvent() === undefined;
  const tryIntent = <T>(intent: () => T): T | undefined => attempt(() => step, observe, quiet, intent, tally);

  /** The driver's turn: write every byte, hand over every event, check the bounds. */
  const drain = (bytesIn: number): void => {
    const packets = takeTransmit(engine, known);
    let events = 0;
    for (let e = engine.pollEvent(); e !== undefined; e = engine.pollEvent()) {
      events++;
      count(tally, e.type);
      check(DEVICE_EVENTS.has(e.type), `${step}: an event of unknown type ${String(e.type)}`);
      if (e.type === 'twin' || e.type === 'reported-patched' || (e.type === 'request-failed' && e.rid !== undefined)) ledger.ended(e.rid as string, e.type);
      else if (e.type === 'telemetry-acked') {
        check(telemetry.delete(e.id), `${step}: telemetry ${e.id} acknowledged twice or never sent at QoS 1`);
      } else if ((e.type === 'c2d' || e.type === 'module-input') && e.ackId !== undefined) ackIds.push(e.ackId);
      else if (e.type === 'method-request') methodRids.push(e.rid);
    }
    const scale = 3 * (o.maxQueued + o.maxInFlight + 4);
    check(events <= 10 + 3 * bytesIn + scale, `${step}: ${events} events from ${bytesIn} bytes`);
    check(packets <= 10 + bytesIn + scale, `${step}: ${packets} packets to send from ${bytesIn} bytes`);
    check(engine.bufferedBytes <= o.maxPacketBytes, `${step}: ${engine.bufferedBytes} bytes buffered, maxPacketBytes ${o.maxPacketBytes}`);
    check(engine.pendingRequests <= Math.max(o.maxQueued, 1), `${step}: ${engine.pendingRequests} twin requests pending, maxQueued ${o.maxQueued}`);
    check(engine.queuedTelemetry <= o.maxQueued, `${step}: ${engine.queuedTelemetry} telemetry queued, maxQueued ${o.maxQueued}`);
    check(engine.inFlightTelemetry <= o.maxInFlight, `${step}: ${engine.inFlightTelemetry} in flight, maxInFlight ${o.maxInFlight}`);
  };

  const learnRid = (rid: string): void => {
    ledger.issue(rid);
    known.rids.push(rid); // answered even before it reaches the wire: a late or early answer is fair game
  };

  const steps = 1 + r.int(40);
  for (let i = 0; i < steps; i++) {
    let bytesIn = 0;
    // A driver reconnects when the connection is gone: often, not always.
    const op = engine.state !== 'connecting' && engine.state !== 'connected' && r.chance(0.4) ? 6 : r.int(20);
    if (op < 6) {
      const stream = inboundStream(r, known);
      bytesIn = stream.length;
      step = `step ${i}: receive ${stream.length} bytes`;
      for (const chunk of chunked(r, stream)) engine.receive(now, chunk); // must never throw
    } else if (op === 6) {
      step = `step ${i}: connect`;
      const auth = r.pick([undefined, { password: TOKEN }, { password: TOKEN, passwordExpiresAt: now + r.int(100_000) }, 5, { password: 5 }, { password: TOO_LARGE_PASSWORD }]);
      tryIntent(() => engine.connect(now, auth as undefined));
    } else if (op === 7) {
      step = `step ${i}: disconnect`;
      tryIntent(() => engine.disconnect(now, r.pick([undefined, { renewing: true }, { renewing: false }, { renewing: 'yes' as unknown as boolean }])));
    } else if (op === 8 || op === 9) {
      step = `step ${i}: publishTelemetry`;
      const qos = r.pick([0, 1, 1, 2] as const);
      const body = r.pick<unknown>(['t', BODY.subarray(0, r.int(300)), 5, 'x\ud800', TOO_LARGE]);
      const opts = r.pick<unknown>([undefined, { qos }, { qos, contentType: 'application/json', properties: { k: 'v' } }, { application: null }, 5, { qos, properties: { a: 5 } }]);
      const result = tryIntent(() => engine.publishTelemetry(now, body as string, opts as undefined));
      const effectiveQos = typeof opts === 'object' && opts !== null && 'qos' in opts ? (opts as { qos: number }).qos : 1;
      if (result !== undefined && effectiveQos === 1) telemetry.add(result.id);
    } else if (op === 10 || op === 11) {
      step = `step ${i}: getTwin`;
      const result = tryIntent(() => engine.getTwin(now));
      if (result !== undefined) learnRid(result.rid);
    } else if (op === 12) {
      step = `step ${i}: patchReported`;
      const patch = r.pick<unknown>([{ a: r.int(9) }, { a: Number.NaN }, new Date(0), [1], null, TOO_LARGE_PATCH]);
      const result = tryIntent(() => engine.patchReported(now, patch as object));
      if (result !== undefined) learnRid(result.rid);
    } else if (op === 13) {
      step = `step ${i}: respondMethod`;
      const rid = methodRids.length > 0 && r.chance(0.7) ? r.pick(methodRids) : r.pick(['', 'a&b', 'r1']);
      tryIntent(() => engine.respondMethod(now, rid, r.pick([200, 404, -1, 70_000]), r.pick<unknown>([undefined, '{}', { ok: true }, { n: Number.NaN }]) as object));
    } else if (op === 14) {
      step = `step ${i}: ackC2d`;
      tryIntent(() => engine.ackC2d(now, ackIds.length > 0 && r.chance(0.8) ? r.pick(ackIds) : r.int(5)));
    } else if (op === 15) {
      step = `step ${i}: connectionLost`;
      tryIntent(() => engine.connectionLost(now, r.pick<unknown>([undefined, 'closed', 5]) as string));
    } else if (op === 16) {
      step = `step ${i}: a wrong call`;
      const wrong = r.pick<() => unknown>([
        () => engine.receive(now, 'bytes' as unknown as Uint8Array),
        () => engine.receive(Number.NaN, new Uint8Array(1)),
        () => engine.handleTimeout(Number.POSITIVE_INFINITY),
        () => engine.getTwin(undefined as unknown as number),
      ]);
      tryIntent(wrong);
    } else {
      const deadline = engine.pollTimeout();
      now = r.chance(0.1) ? Math.max(0, now - r.int(1000)) : deadline !== undefined && r.chance(0.6) ? Math.max(now, deadline) : now + r.pick([0, 1, 100, 5000, 60_000]);
      step = `step ${i}: handleTimeout(${now})`;
      engine.handleTimeout(now);
    }
    log?.push(step);
    drain(bytesIn);
  }

  // The end: close, let every deadline pass; each request the application made must have ended once.
  step = 'end: disconnect';
  engine.disconnect(now);
  drain(0);
  runOutDeadlines(engine, now, (at) => {
    step = `end: handleTimeout(${at})`;
    engine.handleTimeout(at);
    drain(0);
  });
  check(engine.pollTimeout() === undefined, 'deadlines still armed after the end');
  check(engine.pendingRequests === 0, `${engine.pendingRequests} twin requests still pending after the end`);
  ledger.allEnded();
}
