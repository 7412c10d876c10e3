/**
 * Events are plain data consumed by an exhaustive switch (docs/design.md "Events"): the union is checked at
 * compile time with a `never` default, and every event of a full session survives
 * `structuredClone` unchanged (so it can cross a worker boundary).
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { DeviceEvent, ProvisioningEvent } from '@hubwire/core';
import { connectedEngine, drainEvents, exchange } from './support/scripted-hub.ts';

/** One line per event type; adding an event to the union without a case here fails to compile. */
function describeEvent(event: DeviceEvent): string {
  switch (event.type) {
    case 'connected':
      return `connected ${event.sessionPresent}`;
    case 'connect-failed':
      return `refused ${event.reason}`;
    case 'subscribed':
      return `subscribed ${event.topics.length}`;
    case 'subscription-refused':
      return `refused ${event.topic}`;
    case 'telemetry-acked':
      return `acked ${event.id}`;
    case 'c2d':
      return `c2d ${event.body.length}`;
    case 'module-input':
      return `input ${event.inputName}`;
    case 'twin':
      return `twin ${event.rid}`;
    case 'reported-patched':
      return `patched ${event.rid}`;
    case 'desired-patch':
      return `desired ${event.version}`;
    case 'method-request':
      return `method ${event.commandName}`;
    case 'request-failed':
      return `failed ${event.reason}`;
    case 'token-expiring':
      return `expiring ${event.expiresAt}`;
    case 'connection-lost':
      return `lost ${event.reason}`;
    case 'protocol-error':
      return `protocol ${event.reason}`;
    case 'disconnected':
      return 'disconnected';
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

describe('device events', () => {
  it('narrow on type, and the switch over them is exhaustive', () => {
    expectTypeOf<Extract<DeviceEvent, { type: 'twin' }>['desiredVersion']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<Extract<DeviceEvent, { type: 'c2d' }>['body']>().toEqualTypeOf<Uint8Array>();
    expectTypeOf<Extract<ProvisioningEvent, { type: 'assigned' }>['assignedHub']>().toEqualTypeOf<string>();
    expectTypeOf<DeviceEvent['type']>().toEqualTypeOf<
      | 'connected' | 'connect-failed' | 'subscribed' | 'subscription-refused' | 'telemetry-acked' | 'c2d' | 'module-input'
      | 'twin' | 'reported-patched' | 'desired-patch' | 'method-request' | 'request-failed' | 'token-expiring'
      | 'connection-lost' | 'protocol-error' | 'disconnected'
    >();
    expect(describeEvent({ type: 'disconnected' })).toBe('disconnected');
  });

  it('survive structuredClone as equal plain data, with no Buffer anywhere', () => {
    const { engine, hub, events } = connectedEngine({ tokenRenewalMarginMs: 0 });
    const all = [...events];
    engine.connectionLost(0);
    engine.connect(0, { password: 'p', passwordExpiresAt: 5 });
    hub.newConnection();
    exchange(engine, hub, 0);
    engine.publishTelemetry(1, 'x');
    engine.getTwin(1);
    engine.patchReported(1, { a: 1 });
    exchange(engine, hub, 1);
    engine.receive(2, Buffer.from(hub.c2d('d1', 'hi', { messageId: 'm', application: { k: 'v' } })));
    engine.receive(2, hub.desiredPatch(9, { x: [1, { y: null }] }));
    engine.receive(2, hub.methodRequest('c*cmd', 'r1', '{}'));
    engine.receive(2, hub.publish('bogus', 'x'));
    hub.policy.twinStatuses.push(429);
    engine.getTwin(3);
    exchange(engine, hub, 3);
    engine.handleTimeout(5);
    engine.disconnect(6);
    all.push(...drainEvents(engine));
    const types = new Set(all.map((e) => e.type));
    expect(types.size).toBeGreaterThanOrEqual(13);
    for (const event of all) {
      const clone = structuredClone(event);
      expect(clone).toEqual(event);
      expect(describeEvent(clone)).toBe(describeEvent(event));
      for (const value of Object.values(event)) expect(Buffer.isBuffer(value)).toBe(false);
      if ('body' in event) expect(event.body.constructor).toBe(Uint8Array);
    }
  });
});
