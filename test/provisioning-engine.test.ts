import { describe, expect, it } from 'vitest';
import { InvalidIntentError, InvalidStateError, ProvisioningEngine } from '@hubwire/core';
import type { ProvisioningEngineOptions } from '@hubwire/core';
import {
  assignedBody,
  assigningBody,
  connack,
  DpsHarness,
  dpsReply,
  errorBody,
  pingresp,
  rawPublish,
  suback,
} from './support/scripted-dps.ts';
import type { DeviceRequest } from './support/scripted-dps.ts';

const SCOPE = '0ne00000A0A';
const REG = 'sn-007-888-abc-mac-a1-b2-c3-d4-e5-f6';
const TOKEN = 'SharedAccessSignature sr=0ne00000A0A%2Fregistrations%2Fsn-007&sig=abc%3D&se=1700000000&skn=registration';
const OP = '4.d0a671905ea5b2c8.42d78160-4c78-479e-8be7-61d5e55dac0d';

function harness(options: Partial<ProvisioningEngineOptions> = {}): DpsHarness {
  return new DpsHarness(new ProvisioningEngine({ idScope: SCOPE, registrationId: REG, ...options }), 1_000);
}

function only<T extends DeviceRequest['kind']>(requests: DeviceRequest[], kind: T): Extract<DeviceRequest, { kind: T }> {
  expect(requests.map((r) => r.kind)).toEqual([kind]);
  return requests[0] as Extract<DeviceRequest, { kind: T }>;
}

/** Connects, registers, answers the SUBACK; returns the register request. */
function startRegistration(h: DpsHarness, payload?: unknown): { rid: string; request: Extract<DeviceRequest, { kind: 'register' }> } {
  h.open({ password: TOKEN });
  const { rid } = h.engine.register(h.now, payload === undefined ? {} : { payload });
  const subscribe = only(h.sent(), 'subscribe');
  h.deliver(suback(subscribe.messageId, [1]));
  expect(h.events()).toEqual([{ type: 'subscribed', topics: ['$dps/registrations/res/#'], granted: [1] }]);
  return { rid, request: only(h.sent(), 'register') };
}

describe('ProvisioningEngine connect', () => {
  it('sends CONNECT with the registration id, the §13 user name, the SAS password and a clean session', () => {
    const h = harness();
    h.engine.connect(h.now, { password: TOKEN });
    expect(h.engine.state).toBe('connecting');
    expect(only(h.sent(), 'connect')).toEqual({
      kind: 'connect',
      clientId: REG,
      username: `${SCOPE}/registrations/${REG}/api-version=2019-03-31`,
      password: TOKEN,
      clean: true,
      keepalive: 240,
      protocolVersion: 4,
    });
    h.deliver(connack(0));
    expect(h.engine.state).toBe('connected');
    expect(h.events()).toEqual([{ type: 'connected', sessionPresent: false }]);
  });

  it('appends ClientVersion and a chosen api-version to the user name', () => {
    const h = harness({ apiVersion: '2021-06-01', clientVersion: 'hubwire/0.1 (node)', keepAliveSeconds: 60 });
    const connect = h.open();
    expect(connect).toMatchObject({
      username: `${SCOPE}/registrations/${REG}/api-version=2021-06-01&ClientVersion=hubwire%2F0.1%20%28node%29`,
      keepalive: 60,
    });
  });

  it('sends no password at all for X.509 authentication', () => {
    const h = harness();
    const connect = h.open();
    expect(connect).toMatchObject({ kind: 'connect', clientId: REG, password: undefined });
  });

  it('reports a refused CONNACK and fails the registration that waited for it', () => {
    const h = harness();
    h.engine.connect(h.now, { password: TOKEN });
    const { rid } = h.engine.register(h.now);
    h.sent();
    h.deliver(connack(5));
    expect(h.events()).toEqual([
      { type: 'connect-failed', returnCode: 5, reason: 'not-authorized', retriable: true },
      { type: 'registration-failed', rid, reason: 'rejected', retriable: true, message: 'CONNACK refused: not-authorized (5)' },
    ]);
    expect(h.engine.state).toBe('disconnected');
    expect(h.sent()).toEqual([]);
    expect(h.engine.pollTimeout()).toBeUndefined();
  });

  it('gives up on a CONNACK that never comes after connackTimeoutMs', () => {
    const h = harness({ connackTimeoutMs: 5_000 });
    h.engine.connect(h.now);
    const { rid } = h.engine.register(h.now);
    expect(h.engine.pollTimeout()).toBe(6_000);
    h.advance();
    expect(h.events()).toEqual([
      { type: 'connection-lost', reason: 'connack-timeout', detail: 'no CONNACK within 5000 ms' },
      {
        type: 'registration-failed',
        rid,
        reason: 'connection-lost',
        retriable: true,
        message: 'connection lost: connack-timeout (no CONNACK within 5000 ms)',
      },
    ]);
    expect(h.engine.state).toBe('disconnected');
  });

  it('refuses connect while connected, and bad options at construction', () => {
    const h = harness();
    h.open();
    expect(() => h.engine.connect(h.now)).toThrow(InvalidStateError);
    expect(() => new ProvisioningEngine({ idScope: SCOPE, registrationId: '-bad-' })).toThrow(InvalidIntentError);
    expect(() => new ProvisioningEngine({ idScope: SCOPE, registrationId: 'a/b' })).toThrow(/registrationId/);
    expect(() => new ProvisioningEngine({ idScope: '0ne/x', registrationId: REG })).toThrow(InvalidIntentError);
    expect(() => new ProvisioningEngine({ idScope: SCOPE, registrationId: REG, keepAliveSeconds: 1178 })).toThrow(InvalidIntentError);
    expect(() => new ProvisioningEngine({ idScope: SCOPE, registrationId: REG, requestTimeoutMs: 0 })).toThrow(InvalidIntentError);
  });
});

describe('ProvisioningEngine register', () => {
  it('subscribes, registers, waits retry-after, polls and reports the assignment', () => {
    const h = harness();
    const { rid, request } = startRegistration(h);
    expect(request).toEqual({ kind: 'register', rid, qos: 0, body: { registrationId: REG } });

    h.deliver(dpsReply(202, rid, assigningBody(OP), { retryAfter: 3 }));
    expect(h.events()).toEqual([]);
    expect(h.engine.pollTimeout()).toBe(h.now + 3_000);
    h.advanceTo(h.now + 2_999);
    expect(h.sent()).toEqual([]);
    h.advanceTo(h.now + 1);
    const poll = only(h.sent(), 'poll');
    expect(poll).toMatchObject({ operationId: OP, qos: 0, bodyLength: 0 });
    expect(poll.rid).not.toBe(rid);

    h.deliver(dpsReply(200, poll.rid, assignedBody(OP, { registrationId: REG, deviceId: 'device-7', payload: { tier: 2 } })));
    expect(h.events()).toEqual([
      {
        type: 'assigned',
        rid,
        registrationId: REG,
        assignedHub: 'contoso.azure-devices.net',
        deviceId: 'device-7',
        substatus: 'initialAssignment',
        operationId: OP,
        payload: { tier: 2 },
      },
    ]);
    expect(h.engine.registering).toBeUndefined();
    // Only the keep-alive remains armed.
    expect(h.engine.pollTimeout()).toBe(h.now + 240_000);
  });

  it('sends the custom payload in the register body', () => {
    const h = harness();
    const { request } = startRegistration(h, { modelId: 'dtmi:com:example:Thermostat;1' });
    expect(request.body).toEqual({ registrationId: REG, payload: { modelId: 'dtmi:com:example:Thermostat;1' } });
  });

  it('keeps polling through 202, 202, then 200', () => {
    const h = harness();
    const { rid } = startRegistration(h);
    h.deliver(dpsReply(202, rid, assigningBody(OP), { retryAfter: 1 }));
    h.advance();
    const first = only(h.sent(), 'poll');
    h.deliver(dpsReply(202, first.rid, assigningBody(OP), { retryAfter: 2 }));
    const at = h.now;
    expect(h.advance()).toBe(at + 2_000);
    const second = only(h.sent(), 'poll');
    expect(new Set([rid, first.rid, second.rid]).size).toBe(3);
    h.deliver(dpsReply(200, second.rid, assignedBody(OP, { registrationId: REG })));
    expect(h.events()).toMatchObject([{ type: 'assigned', rid, deviceId: REG }]);
  });

  it('waits 1 s when retry-after is absent or out of range', () => {
    const h = harness();
    const { rid } = startRegistration(h);
    h.deliver(dpsReply(202, rid, assigningBody(OP)));
    expect(h.engine.pollTimeout()).toBe(h.now + 1_000);
    h.advance();
    const poll = only(h.sent(), 'poll');
    h.deliver(dpsReply(202, poll.rid, assigningBody(OP), { retryAfter: 3_600 }));
    expect(h.engine.pollTimeout()).toBe(h.now + 1_000);
  });

  it('reports a 200 whose operation failed as registration-failed with the service error', () => {
    const h = harness();
    const { rid } = startRegistration(h);
    h.deliver(
      dpsReply(200, rid, {
        operationId: OP,
        status: 'failed',
        registrationState: { registrationId: REG, status: 'failed', errorCode: 400209, errorMessage: 'Custom allocation failed' },
      }),
    );
    expect(h.events()).toEqual([
      { type: 'registration-failed', rid, reason: 'failed', retriable: false, status: 200, errorCode: 400209, message: 'Custom allocation failed' },
    ]);
  });

  it('reports a disabled enrollment as registration-failed disabled', () => {
    const h = harness();
    const { rid } = startRegistration(h);
    h.deliver(dpsReply(202, rid, assigningBody(OP)));
    h.advance();
    const poll = only(h.sent(), 'poll');
    h.deliver(dpsReply(200, poll.rid, { operationId: OP, status: 'disabled', registrationState: { registrationId: REG, status: 'disabled' } }));
    expect(h.events()).toEqual([{ type: 'registration-failed', rid, reason: 'disabled', retriable: false, status: 200 }]);
  });

  it('treats 401 as final and sends nothing more', () => {
    const h = harness();
    const { rid } = startRegistration(h);
    h.deliver(dpsReply(401, rid, errorBody(401002, 'The request is unauthorized.')));
    expect(h.events()).toEqual([
      { type: 'registration-failed', rid, reason: 'rejected', retriable: false, status: 401, errorCode: 401002, message: 'The request is unauthorized.' },
    ]);
    h.advanceTo(h.now + 60_000);
    expect(h.sent()).toEqual([]);
  });

  it('resends the register request after a 429 with its retry-after, then succeeds', () => {
    const h = harness();
    const { rid, request } = startRegistration(h);
    h.deliver(dpsReply(429, rid, errorBody(429001, 'Throttled'), { retryAfter: 5 }));
    expect(h.events()).toEqual([]);
    const at = h.now;
    expect(h.advance()).toBe(at + 5_000);
    const again = only(h.sent(), 'register');
    expect(again.body).toEqual(request.body);
    expect(again.rid).not.toBe(rid);
    h.deliver(dpsReply(202, again.rid, assigningBody(OP)));
    h.advance();
    const poll = only(h.sent(), 'poll');
    h.deliver(dpsReply(200, poll.rid, assignedBody(OP, { registrationId: REG })));
    expect(h.events()).toMatchObject([{ type: 'assigned', rid }]);
  });

  it('gives up as throttled after maxTransientRetries throttled replies in a row', () => {
    const h = harness({ maxTransientRetries: 2 });
    const { rid } = startRegistration(h);
    let wireRid = rid;
    for (let i = 0; i < 2; i++) {
      h.deliver(dpsReply(429, wireRid, errorBody(429001, 'Throttled'), { retryAfter: 1 }));
      h.advance();
      wireRid = only(h.sent(), 'register').rid;
    }
    h.deliver(dpsReply(429, wireRid, errorBody(429001, 'Throttled'), { retryAfter: 1 }));
    expect(h.events()).toEqual([
      { type: 'registration-failed', rid, reason: 'throttled', retriable: true, status: 429, errorCode: 429001, message: 'Throttled' },
    ]);
  });

  it('retries a 503 on the poll and reports server-error when retries run out', () => {
    const h = harness({ maxTransientRetries: 0 });
    const { rid } = startRegistration(h);
    h.deliver(dpsReply(202, rid, assigningBody(OP)));
    h.advance();
    const poll = only(h.sent(), 'poll');
    h.deliver(dpsReply(503, poll.rid, 'Service Unavailable'));
    expect(h.events()).toEqual([{ type: 'registration-failed', rid, reason: 'server-error', retriable: true, status: 503 }]);
  });

  it('fails with timeout when no reply comes within requestTimeoutMs, and ignores the late reply', () => {
    const h = harness({ requestTimeoutMs: 10_000 });
    const { rid } = startRegistration(h);
    const sentAt = h.now;
    expect(h.advance()).toBe(sentAt + 10_000);
    expect(h.events()).toEqual([
      { type: 'registration-failed', rid, reason: 'timeout', retriable: true, message: 'no DPS reply within requestTimeoutMs' },
    ]);
    h.deliver(dpsReply(200, rid, assignedBody(OP, { registrationId: REG })));
    expect(h.events()).toEqual([]);
    // The connection and its subscription survive: the next registration publishes at once.
    const next = h.engine.register(h.now);
    expect(only(h.sent(), 'register').rid).toBe(next.rid);
  });

  it('counts a SUBACK that arrives after its registration timed out', () => {
    const h = harness({ requestTimeoutMs: 10_000 });
    h.open();
    h.engine.register(h.now);
    const subscribe = only(h.sent(), 'subscribe');
    h.advance();
    expect(h.events()).toMatchObject([{ type: 'registration-failed', reason: 'timeout' }]);
    h.deliver(suback(subscribe.messageId, [1]));
    expect(h.events()).toEqual([]);
    const { rid } = h.engine.register(h.now);
    expect(only(h.sent(), 'register').rid).toBe(rid);
  });

  it('fails at once with malformed-response when a DPS reply topic is broken', () => {
    const h = harness();
    const { rid } = startRegistration(h);
    h.deliver(rawPublish(`$dps/registrations/res/abc/?$rid=${rid}`, '{}'));
    expect(h.events()).toEqual([
      expect.objectContaining({ type: 'protocol-error', reason: 'malformed-topic' }),
      expect.objectContaining({ type: 'registration-failed', rid, reason: 'malformed-response', retriable: false }),
    ]);
  });

  it('ends a poll answered on a broken topic at once, exactly once, and drops what comes after', () => {
    const h = harness();
    const { rid } = startRegistration(h);
    h.deliver(dpsReply(202, rid, assigningBody(OP), { retryAfter: 1 }));
    h.advance();
    const poll = only(h.sent(), 'poll');
    h.deliver(rawPublish(`$dps/registrations/res/2O2/?retry-after=1&$rid=${poll.rid}`, JSON.stringify(assigningBody(OP))));
    expect(h.events()).toEqual([
      expect.objectContaining({ type: 'protocol-error', reason: 'malformed-topic' }),
      expect.objectContaining({ type: 'registration-failed', rid, reason: 'malformed-response', retriable: false }),
    ]);
    expect(h.engine.registering).toBeUndefined();
    h.deliver(dpsReply(200, poll.rid, assignedBody(OP, { registrationId: REG })));
    h.advanceTo(h.now + 120_000);
    expect(h.events()).toEqual([]);
  });

  it('reports a broken reply whose rid names another request, and keeps waiting for its own answer', () => {
    const h = harness();
    const { rid } = startRegistration(h);
    h.deliver(rawPublish('$dps/registrations/res/abc/?$rid=someone-else', '{}'));
    expect(h.events()).toEqual([expect.objectContaining({ type: 'protocol-error', reason: 'malformed-topic' })]);
    expect(h.engine.registering).toBe(rid);
    h.deliver(dpsReply(200, rid, assignedBody(OP, { registrationId: REG })));
    expect(h.events()).toMatchObject([{ type: 'assigned', rid }]);
  });

  it('still fails at once on a broken reply whose rid cannot be read, the one request in flight being its likely question', () => {
    const h = harness();
    const { rid } = startRegistration(h);
    h.deliver(rawPublish('$dps/registrations/res/202/?$rid=%G1', '{}'));
    expect(h.events()).toEqual([
      expect.objectContaining({ type: 'protocol-error', reason: 'malformed-topic' }),
      expect.objectContaining({ type: 'registration-failed', rid, reason: 'malformed-response', retriable: false }),
    ]);
  });

  it.each(['x', '', '1.5', '-2', '99999999999999999999'])(
    'treats retry-after=%j as absent: no protocol error, the poll follows after 1 s (docs/protocol.md §13)',
    (retryAfter) => {
      const h = harness();
      const { rid } = startRegistration(h);
      h.deliver(rawPublish(`$dps/registrations/res/202/?$rid=${rid}&retry-after=${retryAfter}`, JSON.stringify(assigningBody(OP))));
      expect(h.events()).toEqual([]);
      expect(h.engine.pollTimeout()).toBe(h.now + 1_000);
      h.advance();
      const poll = only(h.sent(), 'poll');
      h.deliver(dpsReply(200, poll.rid, assignedBody(OP, { registrationId: REG })));
      expect(h.events()).toMatchObject([{ type: 'assigned', rid }]);
    },
  );

  it('fails with timeout when the SUBACK never comes', () => {
    const h = harness({ requestTimeoutMs: 10_000 });
    h.open();
    const { rid } = h.engine.register(h.now);
    only(h.sent(), 'subscribe');
    h.advance();
    expect(h.events()).toEqual([
      { type: 'registration-failed', rid, reason: 'timeout', retriable: true, message: 'no SUBACK within requestTimeoutMs' },
    ]);
  });

  it('bounds the whole registration by registrationTimeoutMs, however long DPS keeps assigning', () => {
    const h = harness({ registrationTimeoutMs: 20_000 });
    const { rid } = startRegistration(h);
    const start = h.now;
    let wireRid = rid;
    const ended = [];
    for (let step = 0; step < 100 && ended.length === 0; step++) {
      h.deliver(dpsReply(202, wireRid, assigningBody(OP), { retryAfter: 4 }));
      h.advance();
      const sent = h.sent();
      if (sent[0]?.kind === 'poll') wireRid = sent[0].rid;
      ended.push(...h.events());
    }
    expect(ended).toEqual([{ type: 'registration-failed', rid, reason: 'timeout', retriable: true, message: 'registrationTimeoutMs elapsed' }]);
    expect(h.now).toBe(start + 20_000);
  });

  it('fails the registration with connection-lost when the socket closes mid-registration', () => {
    const h = harness();
    const { rid } = startRegistration(h);
    h.deliver(dpsReply(202, rid, assigningBody(OP), { retryAfter: 2 }));
    h.engine.connectionLost(h.now, 'ECONNRESET');
    expect(h.events()).toEqual([
      { type: 'connection-lost', reason: 'socket-closed', detail: 'ECONNRESET' },
      { type: 'registration-failed', rid, reason: 'connection-lost', retriable: true, message: 'connection lost: socket-closed (ECONNRESET)' },
    ]);
    expect(h.engine.state).toBe('disconnected');
    expect(h.engine.pollTimeout()).toBeUndefined();
    // After reconnecting, a new registration subscribes again (DPS sessions are clean).
    h.open();
    h.engine.register(h.now);
    only(h.sent(), 'subscribe');
  });

  it('ends a registration with closed when the application disconnects', () => {
    const h = harness();
    const { rid } = startRegistration(h);
    h.engine.disconnect(h.now);
    expect(only(h.sent(), 'disconnect')).toEqual({ kind: 'disconnect' });
    expect(h.events()).toEqual([
      { type: 'disconnected' },
      { type: 'registration-failed', rid, reason: 'closed', retriable: true, message: 'disconnect() was called' },
    ]);
    expect(h.engine.pollTimeout()).toBeUndefined();
    expect(h.engine.state).toBe('closed');
  });

  it('fails with rejected when the service refuses the response subscription', () => {
    const h = harness();
    h.open();
    const { rid } = h.engine.register(h.now);
    const subscribe = only(h.sent(), 'subscribe');
    expect(subscribe.subscriptions).toEqual([{ topic: '$dps/registrations/res/#', qos: 1 }]);
    h.deliver(suback(subscribe.messageId, [0x80]));
    expect(h.events()).toEqual([
      { type: 'subscription-refused', topic: '$dps/registrations/res/#', returnCode: 0x80 },
      { type: 'registration-failed', rid, reason: 'rejected', retriable: false, message: 'SUBACK refused $dps/registrations/res/#' },
    ]);
  });

  it('reports a non-JSON success body as malformed-response', () => {
    const h = harness();
    const { rid } = startRegistration(h);
    h.deliver(dpsReply(202, rid, '<html>oops</html>'));
    expect(h.events()).toEqual([
      { type: 'registration-failed', rid, reason: 'malformed-response', retriable: false, status: 202, message: 'status 202 with a body that is not UTF-8 JSON' },
    ]);
  });

  it('acknowledges replies delivered at QoS 1', () => {
    const h = harness();
    const { rid } = startRegistration(h);
    h.deliver(dpsReply(202, rid, assigningBody(OP), { qos: 1, messageId: 77 }));
    expect(only(h.sent(), 'puback')).toEqual({ kind: 'puback', messageId: 77 });
  });

  it('queues a registration made while connecting and sends it after CONNACK', () => {
    const h = harness();
    h.engine.connect(h.now, { password: TOKEN });
    h.engine.register(h.now);
    only(h.sent(), 'connect');
    h.deliver(connack(0));
    only(h.sent(), 'subscribe');
  });

  it('refuses register before connect, a second concurrent register, and a bad payload, changing nothing', () => {
    const h = harness();
    expect(() => h.engine.register(h.now)).toThrowError(expect.objectContaining({ code: 'not-connected' }));
    h.open();
    expect(() => h.engine.register(h.now, { payload: 10n })).toThrow(InvalidIntentError);
    expect(h.sent()).toEqual([]);
    expect(h.engine.registering).toBeUndefined();
    const { rid } = h.engine.register(h.now);
    expect(() => h.engine.register(h.now)).toThrowError(expect.objectContaining({ code: 'already-registering' }));
    expect(h.engine.registering).toBe(rid);
    expect(only(h.sent(), 'subscribe').subscriptions).toHaveLength(1);
  });

  it('never sends more than five DPS requests in ten seconds', () => {
    const h = harness();
    const { rid } = startRegistration(h);
    const times = [h.now];
    let wireRid = rid;
    for (let i = 0; i < 8; i++) {
      h.deliver(dpsReply(202, wireRid, assigningBody(OP), { retryAfter: 1 }));
      let sent = h.sent();
      for (let step = 0; step < 5 && sent.length === 0; step++) {
        h.advance();
        sent = h.sent();
      }
      wireRid = only(sent, 'poll').rid;
      times.push(h.now);
    }
    // retry-after alone would have polled every second; the limiter stretched the last three.
    expect((times[8] as number) - (times[0] as number)).toBeGreaterThan(8_000);
    for (let i = 5; i < times.length; i++) expect((times[i] as number) - (times[i - 5] as number)).toBeGreaterThanOrEqual(10_000);
  });
});

describe('ProvisioningEngine connection upkeep', () => {
  it('pings after keep-alive seconds of silence and drops the connection without PINGRESP', () => {
    const h = harness({ keepAliveSeconds: 30, pingTimeoutMs: 5_000 });
    h.open();
    expect(h.advance()).toBe(31_000);
    only(h.sent(), 'pingreq');
    h.deliver(pingresp());
    expect(h.advance()).toBe(61_000);
    only(h.sent(), 'pingreq');
    expect(h.advance()).toBe(66_000);
    expect(h.events()).toEqual([{ type: 'connection-lost', reason: 'ping-timeout', detail: 'no PINGRESP within 5000 ms' }]);
    expect(h.engine.state).toBe('disconnected');
  });

  it('sends no pings when keepAliveSeconds is 0', () => {
    const h = harness({ keepAliveSeconds: 0 });
    expect(h.open()).toMatchObject({ keepalive: 0 });
    expect(h.engine.pollTimeout()).toBeUndefined();
  });

  it('warns token-expiring at 80% of the token lifetime by default', () => {
    const h = harness();
    h.open({ password: TOKEN, passwordExpiresAt: 101_000 });
    expect(h.engine.pollTimeout()).toBe(81_000);
    h.advance();
    expect(h.events()).toEqual([{ type: 'token-expiring', expiresAt: 101_000 }]);
  });

  it('warns token-expiring a margin before passwordExpiresAt', () => {
    const h = harness({ tokenRenewalMarginMs: 10_000 });
    h.open({ password: TOKEN, passwordExpiresAt: 50_000 });
    h.advanceTo(39_999);
    expect(h.events()).toEqual([]);
    h.advanceTo(40_000);
    expect(h.events()).toEqual([{ type: 'token-expiring', expiresAt: 50_000 }]);
  });

  it('turns a broken byte stream into protocol-error and a lost connection', () => {
    const h = harness();
    const { rid } = startRegistration(h);
    h.deliver(Uint8Array.of(0x30, 0xff, 0xff, 0xff, 0xff, 0x7f));
    expect(h.events()).toEqual([
      expect.objectContaining({ type: 'protocol-error', reason: 'malformed-packet' }),
      expect.objectContaining({ type: 'connection-lost', reason: 'protocol-error' }),
      expect.objectContaining({ type: 'registration-failed', rid, reason: 'connection-lost', retriable: true }),
    ]);
    expect(h.engine.state).toBe('disconnected');
  });

  it('treats a second CONNACK and a QoS 2 PUBLISH as a broken stream', () => {
    for (const bytes of [connack(0), rawPublish('$dps/registrations/res/200/?$rid=1', '{}', 2)]) {
      const h = harness();
      const { rid } = startRegistration(h);
      h.deliver(bytes);
      expect(h.events()).toEqual([
        expect.objectContaining({ type: 'protocol-error', reason: 'unexpected-packet' }),
        expect.objectContaining({ type: 'connection-lost', reason: 'protocol-error' }),
        expect.objectContaining({ type: 'registration-failed', rid, reason: 'connection-lost' }),
      ]);
      expect(h.engine.state).toBe('disconnected');
    }
  });

  it('reports publishes on foreign topics without disturbing the registration', () => {
    const h = harness();
    const { rid } = startRegistration(h);
    // PUBLISH (QoS 0), remaining length 7, topic length 3, topic "a/b", payload "{}".
    h.deliver(Uint8Array.of(0x30, 0x07, 0x00, 0x03, 0x61, 0x2f, 0x62, 0x7b, 0x7d));
    expect(h.events()).toEqual([expect.objectContaining({ type: 'protocol-error', reason: 'unknown-topic' })]);
    h.deliver(dpsReply(202, rid, assigningBody(OP)));
    h.advance();
    expect(only(h.sent(), 'poll').operationId).toBe(OP);
  });
});
