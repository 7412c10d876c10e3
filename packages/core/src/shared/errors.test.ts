import { describe, expect, it } from 'vitest';
import { HubwireError, InvalidIntentError, InvalidStateError, InvalidTimeError, QueueFullError } from './errors.ts';

describe('the error hierarchy', () => {
  it('gives every error a name, a stable code and a common base class', () => {
    const errors = [
      new InvalidIntentError('unsupported-qos', 'QoS 2'),
      new QueueFullError(8, 'telemetry'),
      new InvalidStateError('not-connected', 'disconnected', 'needs a connection'),
      new InvalidTimeError(Number.NaN),
    ];
    expect(errors.map((e) => [e.name, e.code, e instanceof HubwireError, e instanceof Error])).toEqual([
      ['InvalidIntentError', 'unsupported-qos', true, true],
      ['QueueFullError', 'queue-full', true, true],
      ['InvalidStateError', 'not-connected', true, true],
      ['InvalidTimeError', 'invalid-now', true, true],
    ]);
  });

  it('says the limit and the state in the message and as fields', () => {
    const full = new QueueFullError(1024, 'telemetry');
    expect(full.limit).toBe(1024);
    expect(full.message).toContain('maxQueued = 1024');
    const state = new InvalidStateError('already-connected', 'connected', 'connect needs a closed connection');
    expect(state.state).toBe('connected');
    expect(state.message).toBe('connect needs a closed connection (state: connected)');
  });

  it('names the bad now in the message and as a field', () => {
    const error = new InvalidTimeError(Number.POSITIVE_INFINITY);
    expect(error.now).toBe(Number.POSITIVE_INFINITY);
    expect(error.message).toBe("now must be a finite number of milliseconds on the caller's monotonic clock, got Infinity");
    expect([undefined, null, '5', Object.create(null), 5n].map((now) => new InvalidTimeError(now).message.replace(/.* got /, ''))).toEqual([
      'undefined',
      'null',
      '"5"',
      'an object',
      '5n',
    ]);
  });
});
