/**
 * Losing and restoring a connection (docs/protocol.md §9 "Reconnection flow", §15), token renewal
 * (§4), keep-alive (§2) and request deadlines, on simulated time: `now` jumps straight to the
 * engine's next deadline, never to the wall clock.
 */
import { describe, expect, it } from 'vitest';
import { parseOutboundTopic } from '@hubwire/topics';
import { DeviceEngine } from '@hubwire/core';
import { connectedEngine, drainEvents, exchange, HOST, ofType, ScriptedHub, seededRandom } from './support/scripted-hub.ts';

const text = (bytes: Uint8Array | undefined): string => new TextDecoder().decode(bytes);

describe('the reconnect flow', () => {
  it('loses nothing: twin requests fail once, telemetry is re-sent, subscriptions restored, the twin re-read', () => {
    const { engine, hub } = connectedEngine({ maxInFlight: 2 });
    hub.policy.ackTelemetry = false;
    hub.policy.answerTwin = false;
    const twin = engine.getTwin(1);
    const patch = engine.patchReported(1, { fw: '2.0' });
    const ids = ['a', 'b', 'c', 'd'].map((body) => engine.publishTelemetry(1, body).id);
    const before = exchange(engine, hub, 1);
    const firstIds = before.filter((p) => p.cmd === 'publish' && p.qos === 1).map((p) => p.messageId);
    expect(firstIds).toHaveLength(2); // c and d wait behind the window
    expect(engine.queuedTelemetry).toBe(2);

    engine.connectionLost(2, 'ECONNRESET');
    expect(engine.state).toBe('disconnected');
    const lost = drainEvents(engine);
    expect(lost).toEqual([
      { type: 'connection-lost', reason: 'socket-closed', detail: 'ECONNRESET' },
      { type: 'request-failed', intent: 'get-twin', rid: twin.rid, reason: 'connection-lost', retriable: true },
      { type: 'request-failed', intent: 'patch-reported', rid: patch.rid, reason: 'connection-lost', retriable: true },
    ]);
    const queuedMeanwhile = engine.publishTelemetry(3, 'e').id;
    engine.connectionLost(3); // a second report of the same loss changes nothing
    expect(drainEvents(engine)).toEqual([]);

    hub.policy.ackTelemetry = true;
    hub.policy.answerTwin = true;
    hub.newConnection();
    engine.connect(10);
    const after = exchange(engine, hub, 10);
    const events = drainEvents(engine);

    // Subscriptions restored (the session was not resumed), before anything else is published.
    expect(after.map((p) => p.cmd).slice(0, 3)).toEqual(['connect', 'subscribe', 'publish']);
    expect(after[1]?.subscriptions).toHaveLength(4);
    // The unacknowledged messages go again first, same packet ids, DUP clear on a new session.
    const resent = after.filter((p) => p.cmd === 'publish' && p.qos === 1).slice(0, 2);
    expect(resent.map((p) => [p.messageId, p.dup, text(p.payload)])).toEqual([
      [firstIds[0], false, 'a'],
      [firstIds[1], false, 'b'],
    ]);
    // Every message reached the hub; only the unacknowledged ones twice (QoS 1 allows that).
    expect(hub.telemetry.map((t) => t.body)).toEqual(['a', 'b', 'a', 'b', 'c', 'd', 'e']);
    expect(ofType(events, 'telemetry-acked').map((e) => e.id).sort()).toEqual([...ids, queuedMeanwhile].sort());
    // The twin is read again by the engine itself.
    const twins = ofType(events, 'twin');
    expect(twins).toHaveLength(1);
    expect(twins[0]?.rid).not.toBe(twin.rid);
    expect(after.filter((p) => typeof p.topic === 'string' && parseOutboundTopic(p.topic).kind === 'twin-get')).toHaveLength(1);
    expect(engine.pendingRequests).toBe(0);
    expect(engine.inFlightTelemetry + engine.queuedTelemetry).toBe(0);
  });

  it('re-sends with DUP and skips SUBSCRIBE when CONNACK says the session was resumed', () => {
    const { engine, hub } = connectedEngine();
    hub.policy.keepSessions = true;
    hub.newConnection();
    engine.connectionLost(1);
    engine.connect(1);
    exchange(engine, hub, 1); // establishes the session on the hub
    hub.policy.ackTelemetry = false;
    engine.publishTelemetry(2, 'x');
    const [first] = exchange(engine, hub, 2);
    engine.connectionLost(3);
    drainEvents(engine);
    hub.policy.ackTelemetry = true;
    hub.newConnection();
    engine.connect(4);
    const after = exchange(engine, hub, 4);
    expect(drainEvents(engine)[0]).toEqual({ type: 'connected', sessionPresent: true });
    expect(after.some((p) => p.cmd === 'subscribe')).toBe(false);
    const resent = after.find((p) => p.cmd === 'publish' && p.qos === 1);
    expect(resent).toMatchObject({ messageId: first?.messageId, dup: true });
  });

  it('surfaces a desired patch missed while offline through the re-read twin, and drops it if it arrives late', () => {
    const { engine, hub } = connectedEngine();
    hub.desired = { mode: 'a', $version: 2 };
    engine.getTwin(1);
    exchange(engine, hub, 1);
    expect(ofType(drainEvents(engine), 'twin')[0]?.desiredVersion).toBe(2);
    engine.connectionLost(2);
    hub.desired = { mode: 'b', $version: 3 }; // changed while offline
    hub.newConnection();
    engine.connect(3);
    exchange(engine, hub, 3);
    const twin = ofType(drainEvents(engine), 'twin')[0];
    expect(twin?.desired).toEqual({ mode: 'b', $version: 3 });
    engine.receive(4, hub.desiredPatch(3, { mode: 'b' }));
    engine.receive(4, hub.desiredPatch(4, { mode: 'c' }));
    expect(ofType(drainEvents(engine), 'desired-patch').map((p) => p.version)).toEqual([4]);
  });

  it('treats broken framing as a lost stream: protocol-error, connection-lost, then a clean reconnect', () => {
    const { engine, hub } = connectedEngine();
    engine.receive(1, Uint8Array.of(0x30, 0xff, 0xff, 0xff, 0xff, 0x01)); // remaining length over 4 bytes
    const events = drainEvents(engine);
    expect(events.map((e) => e.type)).toEqual(['protocol-error', 'connection-lost']);
    expect(events[1]).toMatchObject({ reason: 'protocol-error' });
    expect(engine.state).toBe('disconnected');
    engine.receive(1, hub.pingresp()); // late bytes of the dead socket are ignored
    expect(drainEvents(engine)).toEqual([]);
    hub.newConnection();
    engine.connect(2);
    exchange(engine, hub, 2);
    expect(engine.state).toBe('connected');
  });

  it('refuses an oversize packet from its header alone', () => {
    const { engine } = connectedEngine({ maxPacketBytes: 1024 });
    engine.receive(1, Uint8Array.of(0x30, 0x80, 0x80, 0x04)); // announces 65536 bytes, sends none
    expect(drainEvents(engine)).toEqual([
      expect.objectContaining({ type: 'protocol-error', reason: 'packet-too-large' }),
      expect.objectContaining({ type: 'connection-lost', reason: 'protocol-error' }),
    ]);
  });

  it('treats a packet other than CONNACK before CONNACK as a protocol violation', () => {
    const engine = new DeviceEngine({ hostName: HOST, deviceId: 'd1' });
    const hub = new ScriptedHub();
    engine.connect(0);
    engine.receive(1, hub.pingresp());
    expect(drainEvents(engine).map((e) => e.type)).toEqual(['protocol-error', 'connection-lost']);
  });
});

describe('token renewal', () => {
  it('warns token-expiring the configured margin before expiry, once', () => {
    const engine = new DeviceEngine({ hostName: HOST, deviceId: 'd1', tokenRenewalMarginMs: 60_000, keepAliveSeconds: 0 });
    const hub = new ScriptedHub();
    engine.connect(0, { password: 'p1', passwordExpiresAt: 3_600_000 });
    exchange(engine, hub, 0);
    drainEvents(engine);
    expect(engine.pollTimeout()).toBe(3_540_000);
    engine.handleTimeout(3_539_999);
    expect(drainEvents(engine)).toEqual([]);
    engine.handleTimeout(3_540_000);
    engine.handleTimeout(3_540_000);
    expect(drainEvents(engine)).toEqual([{ type: 'token-expiring', expiresAt: 3_600_000 }]);
    expect(engine.pollTimeout()).toBeUndefined();
  });

  it('defaults the margin to a fifth of the remaining lifetime (the C SDK renews at 80 %)', () => {
    const engine = new DeviceEngine({ hostName: HOST, deviceId: 'd1', keepAliveSeconds: 0 });
    engine.connect(1000, { password: 'p', passwordExpiresAt: 11_000 });
    expect(engine.pollTimeout()).toBe(9000);
  });

  it('renews by disconnect and connect with a new password, restoring subscriptions, telemetry and the twin', () => {
    const { engine, hub } = connectedEngine({ tokenRenewalMarginMs: 1000 });
    hub.policy.ackTelemetry = false;
    engine.publishTelemetry(1, 'pending');
    exchange(engine, hub, 1);
    engine.disconnect(2);
    expect(hub.take(engine).map((p) => p.cmd)).toEqual(['disconnect']);
    drainEvents(engine);
    hub.policy.ackTelemetry = true;
    hub.newConnection();
    engine.connect(3, { password: 'new-token', passwordExpiresAt: 100_000 });
    const after = exchange(engine, hub, 3);
    expect(text(after[0]?.password)).toBe('new-token');
    const events = drainEvents(engine);
    expect(events.map((e) => e.type)).toEqual(['connected', 'subscribed', 'telemetry-acked', 'twin']);
    expect(hub.telemetry.map((t) => t.body)).toEqual(['pending', 'pending']);
    expect(engine.pollTimeout()).toBeLessThanOrEqual(99_000);
  });

  it('keeps twin requests pending across a renewal and answers each once on the new connection', () => {
    const { engine, hub } = connectedEngine({ keepAliveSeconds: 0 });
    hub.policy.answerTwin = false; // the old connection never answers
    const twin = engine.getTwin(1);
    const patch = engine.patchReported(1, { fw: '2.0' });
    const firstSent = exchange(engine, hub, 1).filter((p) => p.topic?.startsWith('$iothub/twin/'));
    expect(firstSent).toHaveLength(2);

    engine.disconnect(2, { renewing: true });
    expect(hub.take(engine).map((p) => p.cmd)).toEqual(['disconnect']);
    expect(drainEvents(engine)).toEqual([{ type: 'disconnected' }]);
    expect(engine.state).toBe('closed');
    expect(engine.pendingRequests).toBe(2);

    hub.policy.answerTwin = true;
    hub.newConnection();
    engine.connect(3, { password: 'new-token', passwordExpiresAt: 100_000 });
    const after = exchange(engine, hub, 3);
    const kinds = after.filter((p) => p.cmd === 'publish').map((p) => parseOutboundTopic(p.topic as string));
    // Sent again after SUBACK, under their own rids, then the engine's own re-read.
    expect(kinds.slice(0, 2)).toEqual([
      { kind: 'twin-get', rid: twin.rid },
      { kind: 'twin-patch-reported', rid: patch.rid },
    ]);
    const events = drainEvents(engine);
    expect(ofType(events, 'twin').filter((e) => e.rid === twin.rid)).toHaveLength(1);
    expect(ofType(events, 'reported-patched')).toEqual([{ type: 'reported-patched', rid: patch.rid, status: 204, version: 2 }]);
    expect(ofType(events, 'request-failed')).toEqual([]);
    expect(hub.reported).toMatchObject({ fw: '2.0' });
    expect(engine.pendingRequests).toBe(0);

    // A duplicate answer (as from the old connection) is dropped: one ending per request.
    engine.receive(4, hub.twinResponse(200, twin.rid, { desired: {}, reported: {} }));
    engine.receive(4, hub.twinResponse(204, patch.rid, undefined, 3));
    expect(drainEvents(engine)).toEqual([]);
  });

  it('ends twin requests with closed on a disconnect without renewing, as before', () => {
    const { engine, hub } = connectedEngine({ keepAliveSeconds: 0 });
    hub.policy.answerTwin = false;
    const twin = engine.getTwin(1);
    const patch = engine.patchReported(1, { fw: '2.0' });
    exchange(engine, hub, 1);
    engine.disconnect(2);
    expect(drainEvents(engine)).toEqual([
      { type: 'disconnected' },
      { type: 'request-failed', intent: 'get-twin', rid: twin.rid, reason: 'closed', retriable: true },
      { type: 'request-failed', intent: 'patch-reported', rid: patch.rid, reason: 'closed', retriable: true },
    ]);
    expect(engine.pendingRequests).toBe(0);
  });

  it('times a request out once when the renewal never reconnects, and never sends it afterwards', () => {
    const { engine, hub } = connectedEngine({ keepAliveSeconds: 0, requestTimeoutMs: 5000 });
    hub.policy.answerTwin = false;
    const held = engine.patchReported(1, { a: 1 }); // sent on the old connection
    exchange(engine, hub, 1);
    engine.disconnect(2, { renewing: true });
    const offline = engine.getTwin(3); // made during the renewal
    drainEvents(engine);
    expect(engine.pollTimeout()).toBe(5001);
    engine.handleTimeout(5001);
    engine.handleTimeout(5003);
    engine.handleTimeout(5003);
    expect(drainEvents(engine)).toEqual([
      { type: 'request-failed', intent: 'patch-reported', rid: held.rid, reason: 'timeout', retriable: true },
      { type: 'request-failed', intent: 'get-twin', rid: offline.rid, reason: 'timeout', retriable: true },
    ]);
    hub.newConnection();
    hub.policy.answerTwin = true;
    engine.connect(6000, { password: 'late' });
    const after = exchange(engine, hub, 6000);
    const rids = after.filter((p) => p.cmd === 'publish').map((p) => (parseOutboundTopic(p.topic as string) as { rid?: string }).rid);
    expect(rids).not.toContain(held.rid);
    expect(rids).not.toContain(offline.rid);
  });

  it('sends held requests right after CONNACK when the renewal resumes the session (no SUBSCRIBE needed)', () => {
    const { engine, hub } = connectedEngine({ keepAliveSeconds: 0 });
    hub.policy.keepSessions = true;
    hub.newConnection();
    engine.connectionLost(1);
    engine.connect(1);
    exchange(engine, hub, 1); // establishes the session on the hub
    hub.policy.answerTwin = false;
    const patch = engine.patchReported(2, { fw: '3.0' });
    exchange(engine, hub, 2);
    drainEvents(engine);
    engine.disconnect(3, { renewing: true });
    hub.take(engine);
    expect(drainEvents(engine)).toEqual([{ type: 'disconnected' }]);
    hub.policy.answerTwin = true;
    hub.newConnection();
    engine.connect(4, { password: 'new-token' });
    const after = exchange(engine, hub, 4);
    expect(after.map((p) => p.cmd)).not.toContain('subscribe');
    expect(after[1]).toMatchObject({ cmd: 'publish', topic: expect.stringContaining(`$rid=${patch.rid}`) as unknown });
    const events = drainEvents(engine);
    expect(events[0]).toEqual({ type: 'connected', sessionPresent: true });
    expect(ofType(events, 'reported-patched').map((e) => e.rid)).toEqual([patch.rid]);
  });

  it('refuses a renewing option that is not a boolean, changing nothing', () => {
    const { engine } = connectedEngine();
    engine.getTwin(1);
    expect(() => engine.disconnect(2, { renewing: 'yes' as unknown as boolean })).toThrow(
      expect.objectContaining({ name: 'InvalidIntentError', code: 'invalid-renewing' }),
    );
    expect(engine.state).toBe('connected');
    expect(engine.pendingRequests).toBe(1);
  });

  it('fails held requests with connection-lost when the connection after a renewal is lost', () => {
    const { engine, hub } = connectedEngine({ keepAliveSeconds: 0 });
    hub.policy.answerTwin = false;
    const twin = engine.getTwin(1);
    exchange(engine, hub, 1);
    engine.disconnect(2, { renewing: true });
    engine.connect(3, { password: 'new-token' });
    engine.connectionLost(4, 'ECONNRESET');
    expect(ofType(drainEvents(engine), 'request-failed')).toEqual([
      { type: 'request-failed', intent: 'get-twin', rid: twin.rid, reason: 'connection-lost', retriable: true },
    ]);
    expect(engine.pendingRequests).toBe(0);
  });

  it('refuses connect while connected', () => {
    const { engine } = connectedEngine();
    expect(() => engine.connect(1)).toThrow(expect.objectContaining({ name: 'InvalidStateError', code: 'already-connected' }));
    expect(engine.state).toBe('connected');
  });
});

describe('keep-alive', () => {
  it('sends PINGREQ when nothing was sent for keep-alive seconds, and any send pushes it back', () => {
    const { engine, hub } = connectedEngine({ keepAliveSeconds: 60 });
    expect(engine.pollTimeout()).toBe(60_000);
    engine.publishTelemetry(30_000, 'x', { qos: 0 });
    hub.take(engine);
    expect(engine.pollTimeout()).toBe(90_000);
    engine.handleTimeout(89_999);
    expect(hub.take(engine)).toEqual([]);
    engine.handleTimeout(90_000);
    expect(hub.take(engine).map((p) => p.cmd)).toEqual(['pingreq']);
    // Waiting for PINGRESP (default 30 s) or the next ping, whichever is first.
    expect(engine.pollTimeout()).toBe(120_000);
    engine.receive(90_500, hub.pingresp());
    expect(engine.lastReceivedAt).toBe(90_500);
    expect(engine.pollTimeout()).toBe(150_000);
    expect(drainEvents(engine)).toEqual([]);
  });

  it('declares the connection lost when no PINGRESP comes within pingTimeoutMs', () => {
    const { engine, hub } = connectedEngine({ keepAliveSeconds: 10, pingTimeoutMs: 5000 });
    hub.policy.answerPings = false;
    engine.handleTimeout(10_000);
    expect(hub.take(engine).map((p) => p.cmd)).toEqual(['pingreq']);
    expect(engine.pollTimeout()).toBe(15_000);
    engine.handleTimeout(15_000);
    expect(drainEvents(engine)).toEqual([
      { type: 'connection-lost', reason: 'ping-timeout', detail: 'no PINGRESP within 5000 ms' },
    ]);
    expect(engine.state).toBe('disconnected');
    expect(engine.pollTimeout()).toBeUndefined();
  });

  it('pings at least every 1177 s whatever keep-alive CONNECT announced, inside the hub\'s 1767 s idle cap (docs/protocol.md §2)', () => {
    const { engine, hub, sent } = connectedEngine({ keepAliveSeconds: 3600 });
    expect(sent[0]?.keepalive).toBe(3600);
    expect(engine.pollTimeout()).toBe(1_177_000);
    engine.handleTimeout(1_177_000);
    expect(hub.take(engine).map((p) => p.cmd)).toEqual(['pingreq']);
  });

  it('sends no pings with keep-alive 0', () => {
    const { engine } = connectedEngine({ keepAliveSeconds: 0 });
    expect(engine.pollTimeout()).toBeUndefined();
  });

  it('gives up on a CONNACK that never comes', () => {
    const engine = new DeviceEngine({ hostName: HOST, deviceId: 'd1', connackTimeoutMs: 30_000 });
    engine.connect(5);
    expect(engine.pollTimeout()).toBe(30_005);
    engine.handleTimeout(30_005);
    expect(drainEvents(engine)).toEqual([
      { type: 'connection-lost', reason: 'connack-timeout', detail: 'no CONNACK within 30000 ms' },
    ]);
  });
});

describe('request deadlines', () => {
  it('fails a twin request after requestTimeoutMs, once, and drops the late answer', () => {
    const { engine, hub } = connectedEngine({ requestTimeoutMs: 5000, keepAliveSeconds: 0 });
    hub.policy.answerTwin = false;
    const { rid } = engine.getTwin(100);
    exchange(engine, hub, 100);
    expect(engine.pollTimeout()).toBe(5100);
    engine.handleTimeout(5099);
    expect(drainEvents(engine)).toEqual([]);
    engine.handleTimeout(5100);
    engine.handleTimeout(5100);
    expect(drainEvents(engine)).toEqual([{ type: 'request-failed', intent: 'get-twin', rid, reason: 'timeout', retriable: true }]);
    engine.receive(5200, hub.twinResponse(200, rid, { desired: {}, reported: {} }));
    expect(drainEvents(engine)).toEqual([]);
    expect(engine.pollTimeout()).toBeUndefined();
  });

  it('runs the deadline of a request made while disconnected, and never sends it after it ended', () => {
    const engine = new DeviceEngine({ hostName: HOST, deviceId: 'd1', requestTimeoutMs: 1000, random: seededRandom(9) });
    const { rid } = engine.patchReported(0, { a: 1 });
    engine.handleTimeout(1000);
    expect(drainEvents(engine)).toEqual([{ type: 'request-failed', intent: 'patch-reported', rid, reason: 'timeout', retriable: true }]);
    const hub = new ScriptedHub();
    engine.connect(2000);
    const sent = exchange(engine, hub, 2000);
    expect(sent.some((p) => p.topic?.startsWith('$iothub/twin/PATCH/properties/reported/'))).toBe(false);
  });
});

describe("retrying the engine's own twin re-read", () => {
  /** A connected engine that read the twin once, then lost its connection (no pings: only the re-read timer runs). */
  function offlineEngine(): { engine: DeviceEngine; hub: ScriptedHub } {
    const { engine, hub } = connectedEngine({ keepAliveSeconds: 0 });
    engine.getTwin(0);
    exchange(engine, hub, 0);
    engine.connectionLost(1);
    drainEvents(engine);
    return { engine, hub };
  }

  const twinGets = (hub: ScriptedHub): number =>
    hub.log.filter((p) => typeof p.topic === 'string' && parseOutboundTopic(p.topic).kind === 'twin-get').length;

  it('reads the twin again after a back-off when the re-read is throttled, and still drops patches it covers', () => {
    const { engine, hub } = offlineEngine();
    hub.desired = { $version: 5, x: 1 };
    hub.policy.twinStatuses.push(429);
    hub.newConnection();
    engine.connect(10);
    exchange(engine, hub, 10);
    const failed = ofType(drainEvents(engine), 'request-failed');
    expect(failed).toEqual([expect.objectContaining({ intent: 'get-twin', reason: 'throttled', status: 429, retriable: true })]);

    const at = engine.pollTimeout();
    expect(at).toBeGreaterThanOrEqual(10);
    expect(at).toBeLessThan(10 + 1000); // the first window is 1 s
    engine.handleTimeout((at as number) - 1);
    expect(hub.take(engine)).toEqual([]);
    engine.handleTimeout(at as number);
    exchange(engine, hub, at as number);
    const twins = ofType(drainEvents(engine), 'twin');
    expect(twins).toHaveLength(1);
    expect(twins[0]?.rid).not.toBe(failed[0]?.rid); // a new request
    expect(twins[0]?.desiredVersion).toBe(5);
    expect(twinGets(hub)).toBe(3);

    engine.receive(at as number, hub.desiredPatch(4, { x: 0 }));
    engine.receive(at as number, hub.desiredPatch(5, { x: 1 }));
    expect(drainEvents(engine)).toEqual([]);
    engine.receive(at as number, hub.desiredPatch(6, { x: 2 }));
    expect(drainEvents(engine)).toEqual([expect.objectContaining({ type: 'desired-patch', version: 6 })]);
    expect(engine.pollTimeout()).toBeUndefined();
  });

  it('retries after 5xx and timeouts with growing windows, and gives up after five reads', () => {
    const { engine, hub } = offlineEngine();
    hub.policy.twinStatuses.push(429, 500, 503);
    hub.newConnection();
    engine.connect(10);
    exchange(engine, hub, 10);
    const reasons: string[] = [];
    let now = 10;
    let sentAt = 10;
    const waits: number[] = [];
    for (let step = 0; step < 20; step++) {
      for (const event of ofType(drainEvents(engine), 'request-failed')) reasons.push(event.reason);
      if (reasons.length === 3) hub.policy.answerTwin = false; // the last two time out
      const next = engine.pollTimeout();
      if (next === undefined) break;
      const before = twinGets(hub);
      now = next;
      engine.handleTimeout(now);
      exchange(engine, hub, now);
      if (twinGets(hub) > before) {
        waits.push(now - sentAt);
        sentAt = now;
      }
    }
    expect(reasons).toEqual(['throttled', 'server-error', 'server-error', 'timeout', 'timeout']);
    expect(twinGets(hub)).toBe(1 + 5); // the first connection's getTwin, then five re-reads
    // Re-reads after an answered failure wait within 1 s, 2 s, 4 s; after a timeout, the timeout plus 8 s.
    expect(waits[0]).toBeLessThan(1000);
    expect(waits[1]).toBeLessThan(2000);
    expect(waits[2]).toBeLessThan(4000);
    expect(engine.pollTimeout()).toBeUndefined();
    expect(engine.pendingRequests).toBe(0);
  });

  it('does not re-read on a connection that was lost while waiting, and re-reads once on the next one', () => {
    const { engine, hub } = offlineEngine();
    hub.policy.twinStatuses.push(503);
    hub.newConnection();
    engine.connect(10);
    exchange(engine, hub, 10);
    drainEvents(engine);
    expect(engine.pollTimeout()).toBeDefined();
    engine.connectionLost(11);
    drainEvents(engine);
    expect(engine.pollTimeout()).toBeUndefined();
    engine.handleTimeout(120_000);
    expect(hub.take(engine)).toEqual([]);
    expect(drainEvents(engine)).toEqual([]);

    hub.newConnection();
    engine.connect(120_000);
    exchange(engine, hub, 120_000);
    expect(ofType(drainEvents(engine), 'twin')).toHaveLength(1);
    expect(twinGets(hub)).toBe(1 + 1 + 1); // getTwin, the throttled re-read, the next connection's re-read
    expect(engine.pollTimeout()).toBeUndefined();
  });
});
