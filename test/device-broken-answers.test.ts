/**
 * Twin answers whose topic is broken but still names its request (each request ends in exactly one
 * event, docs/design.md "Rules the engine keeps"). The hub answered, so the request ends at once
 * with `request-failed` (malformed-response) after the `protocol-error`, instead of waiting for
 * its deadline; a broken topic that names no pending request only reports the protocol error.
 */
import { describe, expect, it } from 'vitest';
import { parseOutboundTopic } from '@hubwire/topics';
import type { DeviceEngine } from '@hubwire/core';
import { connectedEngine, drainEvents, exchange, ofType, ScriptedHub } from './support/scripted-hub.ts';

const REQUEST_TIMEOUT = 10_000;

/** A connected engine with one twin request of `intent` on the wire and unanswered. */
function pending(intent: 'get-twin' | 'patch-reported'): { engine: DeviceEngine; hub: ScriptedHub; rid: string } {
  const { engine, hub } = connectedEngine({ requestTimeoutMs: REQUEST_TIMEOUT, keepAliveSeconds: 0 });
  const { rid } = intent === 'get-twin' ? engine.getTwin(1) : engine.patchReported(1, { fw: '1.1' });
  expect(hub.take(engine).map((p) => parseOutboundTopic(p.topic!).kind)).toEqual([intent === 'get-twin' ? 'twin-get' : 'twin-patch-reported']);
  return { engine, hub, rid };
}

describe('a twin answer with a broken topic that names a pending request', () => {
  const broken: [intent: 'get-twin' | 'patch-reported', topic: (rid: string) => string, why: string][] = [
    ['patch-reported', (rid) => `$iothub/twin/res/204/?$rid=${rid}&$version=abc`, 'non-integer $version'],
    ['patch-reported', (rid) => `$iothub/twin/res/204/?$version=-1&$rid=${rid}`, 'negative $version before the rid'],
    ['get-twin', (rid) => `$iothub/twin/res/2oo/?$rid=${rid}`, 'non-integer status'],
    ['get-twin', (rid) => `$iothub/twin/res/200/?%24rid=${rid}&$version=`, 'empty $version, escaped rid key'],
  ];
  for (const [intent, topic, why] of broken) {
    it(`ends the ${intent} at once, in exactly one request-failed (${why})`, () => {
      const { engine, hub, rid } = pending(intent);
      engine.receive(2, hub.publish(topic(rid), '{}'));
      expect(drainEvents(engine)).toEqual([
        { type: 'protocol-error', reason: 'malformed-topic', detail: expect.stringContaining(rid) },
        { type: 'request-failed', intent, rid, reason: 'malformed-response', retriable: false },
      ]);
      expect(engine.pendingRequests).toBe(0);
      expect(engine.pollTimeout()).toBeUndefined(); // no request deadline left to wait for
      engine.handleTimeout(1 + REQUEST_TIMEOUT);
      engine.receive(1 + REQUEST_TIMEOUT, hub.twinResponse(204, rid, undefined, 3)); // a late good answer changes nothing
      expect(drainEvents(engine)).toEqual([]);
      expect(engine.state).toBe('connected');
    });
  }

  it('ends only the request it names; the others keep waiting for their own answers', () => {
    const { engine, hub } = connectedEngine({ requestTimeoutMs: REQUEST_TIMEOUT, keepAliveSeconds: 0 });
    const first = engine.patchReported(1, { a: 1 }).rid;
    const second = engine.getTwin(1).rid;
    hub.take(engine);
    engine.receive(2, hub.publish(`$iothub/twin/res/204/?$rid=${first}&$version=x`));
    expect(ofType(drainEvents(engine), 'request-failed')).toEqual([
      { type: 'request-failed', intent: 'patch-reported', rid: first, reason: 'malformed-response', retriable: false },
    ]);
    expect(engine.pendingRequests).toBe(1);
    engine.receive(3, hub.twinResponse(200, second, { desired: {}, reported: {} }));
    expect(drainEvents(engine)).toEqual([expect.objectContaining({ type: 'twin', rid: second })]);
  });

  it('acknowledges a QoS 1 broken answer, as any malformed topic', () => {
    const { engine, hub, rid } = pending('patch-reported');
    engine.receive(2, hub.publish(`$iothub/twin/res/204/?$rid=${rid}&$version=abc`, undefined, 1));
    expect(hub.take(engine).map((p) => p.cmd)).toEqual(['puback']);
    expect(ofType(drainEvents(engine), 'request-failed')).toHaveLength(1);
  });
});

describe('a broken topic that names no pending twin request', () => {
  it('only reports the protocol error when the rid is unknown', () => {
    const { engine, hub, rid } = pending('patch-reported');
    engine.receive(2, hub.publish('$iothub/twin/res/204/?$rid=nobody&$version=abc'));
    expect(drainEvents(engine)).toEqual([expect.objectContaining({ type: 'protocol-error', reason: 'malformed-topic' })]);
    expect(engine.pendingRequests).toBe(1);
    engine.receive(3, hub.twinResponse(204, rid, undefined, 2));
    expect(drainEvents(engine)).toEqual([{ type: 'reported-patched', rid, status: 204, version: 2 }]);
  });

  it('only reports the protocol error when the rid cannot be read; the request then times out once', () => {
    const { engine, hub, rid } = pending('get-twin');
    engine.receive(2, hub.publish('$iothub/twin/res/200/?$rid=%E2'));
    expect(drainEvents(engine)).toEqual([expect.objectContaining({ type: 'protocol-error', reason: 'malformed-topic' })]);
    engine.handleTimeout(1 + REQUEST_TIMEOUT);
    expect(drainEvents(engine)).toEqual([{ type: 'request-failed', intent: 'get-twin', rid, reason: 'timeout', retriable: true }]);
  });

  it('ends no twin request for a broken DPS reply carrying the same rid: it answers no twin request', () => {
    const { engine, hub, rid } = pending('get-twin');
    engine.receive(2, hub.publish(`$dps/registrations/res/abc/?$rid=${rid}`));
    expect(drainEvents(engine)).toEqual([expect.objectContaining({ type: 'protocol-error', reason: 'malformed-topic' })]);
    expect(engine.pendingRequests).toBe(1);
  });
});

describe("a broken answer to the engine's own re-read", () => {
  // A topic broken in its `$version`, and a well-formed topic whose body is not a twin: either way the
  // re-read ends at once and is tried again after the first back-off, as after a timeout.
  const answers: [string, (rid: string) => [string, string | object], number | undefined][] = [
    ['a broken topic', (rid) => [`$iothub/twin/res/200/?$rid=${rid}&$version=z`, { desired: {}, reported: {} }], undefined],
    ['a body that is not a twin', (rid) => [`$iothub/twin/res/200/?$rid=${rid}`, 'not json'], 200],
  ];
  it.each(answers)('ends the re-read at %s at once and reads the twin again after a back-off', (_, answer, status) => {
    const { engine, hub } = connectedEngine({ requestTimeoutMs: REQUEST_TIMEOUT, keepAliveSeconds: 0 });
    engine.connectionLost(1);
    drainEvents(engine);
    hub.newConnection();
    hub.policy.answerTwin = false;
    engine.connect(2);
    exchange(engine, hub, 2);
    drainEvents(engine);
    const reread = hub.log.filter((p) => typeof p.topic === 'string' && parseOutboundTopic(p.topic).kind === 'twin-get').at(-1);
    const parsed = parseOutboundTopic(reread!.topic!);
    const rid = parsed.kind === 'twin-get' ? parsed.rid : '';
    const [topic, body] = answer(rid);
    engine.receive(3, hub.publish(topic, body));
    expect(ofType(drainEvents(engine), 'request-failed')).toEqual([
      {
        type: 'request-failed',
        intent: 'get-twin',
        rid,
        reason: 'malformed-response',
        ...(status === undefined ? {} : { status }),
        retriable: false,
      },
    ]);
    const at = engine.pollTimeout();
    expect(at).toBeGreaterThanOrEqual(3);
    expect(at).toBeLessThan(3 + 1000); // the first back-off window, not the request timeout
    hub.policy.answerTwin = true;
    engine.handleTimeout(at!);
    exchange(engine, hub, at!);
    expect(ofType(drainEvents(engine), 'twin')).toHaveLength(1);
  });
});
