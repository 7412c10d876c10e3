import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpretDpsReply } from './dps-reply.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const json = (value: unknown): Uint8Array => bytes(JSON.stringify(value));

/** The assigned reply from docs/protocol.md §13 step 5. */
const ASSIGNED = {
  operationId: '4.d0a671905ea5b2c8.42d78160-4c78-479e-8be7-61d5e55dac0d',
  status: 'assigned',
  registrationState: {
    registrationId: 'sn-007',
    createdDateTimeUtc: '2026-11-23T12:00:00.000Z',
    assignedHub: 'contoso.azure-devices.net',
    deviceId: 'sn-007',
    status: 'assigned',
    substatus: 'initialAssignment',
    lastUpdatedDateTimeUtc: '2026-11-23T12:00:01.000Z',
    etag: 'IjAwMDAi',
  },
};

describe('interpretDpsReply', () => {
  it('reads a 202 assigning reply as pending with its operation id', () => {
    const reply = interpretDpsReply(202, json({ operationId: '4.abc.def-1', status: 'assigning' }));
    expect(reply).toEqual({ kind: 'pending', operationId: '4.abc.def-1' });
  });

  it('keeps polling the known operation when an unassigned reply omits the id', () => {
    expect(interpretDpsReply(202, json({ status: 'unassigned' }), 'op-1')).toEqual({ kind: 'pending', operationId: 'op-1' });
  });

  it('refuses a pending reply whose operation id could not sit in a topic', () => {
    const reply = interpretDpsReply(202, json({ operationId: 'a&b=c', status: 'assigning' }));
    expect(reply.kind).toBe('malformed');
    expect(interpretDpsReply(202, json({ status: 'assigning' })).kind).toBe('malformed');
  });

  it('reads a 200 assigned reply into the assignment', () => {
    expect(interpretDpsReply(200, json(ASSIGNED))).toEqual({
      kind: 'assigned',
      assignment: {
        operationId: ASSIGNED.operationId,
        registrationId: 'sn-007',
        assignedHub: 'contoso.azure-devices.net',
        deviceId: 'sn-007',
        substatus: 'initialAssignment',
      },
    });
  });

  it('passes the custom allocation payload through, including null', () => {
    const withPayload = { ...ASSIGNED, registrationState: { ...ASSIGNED.registrationState, payload: { tier: 2 } } };
    const reply = interpretDpsReply(200, json(withPayload));
    expect(reply.kind === 'assigned' && reply.assignment.payload).toEqual({ tier: 2 });
    const withNull = { ...ASSIGNED, registrationState: { ...ASSIGNED.registrationState, payload: null } };
    const nullReply = interpretDpsReply(200, json(withNull));
    expect(nullReply.kind === 'assigned' && 'payload' in nullReply.assignment).toBe(true);
  });

  it('treats a 200 whose operation failed as a failure with the registration state error', () => {
    const body = {
      operationId: 'op-1',
      status: 'failed',
      registrationState: { registrationId: 'sn-007', status: 'failed', errorCode: 400209, errorMessage: 'Custom allocation failed' },
    };
    expect(interpretDpsReply(200, json(body))).toEqual({
      kind: 'failed',
      status: 'failed',
      operationId: 'op-1',
      errorCode: 400209,
      message: 'Custom allocation failed',
    });
  });

  it('treats a disabled registration state as disabled even when the operation says assigned', () => {
    const body = { operationId: 'op-1', status: 'assigned', registrationState: { status: 'disabled' } };
    expect(interpretDpsReply(200, json(body))).toMatchObject({ kind: 'failed', status: 'disabled' });
  });

  it('calls an assigned reply without a hub or device id malformed', () => {
    const noHub = { ...ASSIGNED, registrationState: { ...ASSIGNED.registrationState, assignedHub: '' } };
    expect(interpretDpsReply(200, json(noHub)).kind).toBe('malformed');
    expect(interpretDpsReply(200, json({ operationId: 'x', status: 'assigned' })).kind).toBe('malformed');
  });

  it('reads 401 as final with the error body fields', () => {
    const body = { errorCode: 401002, trackingId: 't', message: 'Unauthorized', timestampUtc: '2026-11-23T12:00:00Z' };
    expect(interpretDpsReply(401, json(body))).toEqual({ kind: 'rejected', errorCode: 401002, message: 'Unauthorized' });
  });

  it('reads 429 and 5xx as transient, with or without a body', () => {
    expect(interpretDpsReply(429, json({ errorCode: 429001, message: 'Throttled' }))).toEqual({
      kind: 'transient',
      errorCode: 429001,
      message: 'Throttled',
    });
    expect(interpretDpsReply(503, bytes('Service Unavailable'))).toEqual({ kind: 'transient' });
    expect(interpretDpsReply(428, new Uint8Array(0))).toEqual({ kind: 'rejected' });
  });

  it('calls non-JSON, non-UTF-8 and non-object 2xx bodies malformed', () => {
    expect(interpretDpsReply(200, bytes('{"status":'))).toMatchObject({ kind: 'malformed' });
    expect(interpretDpsReply(200, Uint8Array.of(0x7b, 0xff, 0x7d))).toMatchObject({ kind: 'malformed' });
    expect(interpretDpsReply(200, json([1, 2]))).toMatchObject({ kind: 'malformed' });
    expect(interpretDpsReply(202, new Uint8Array(0))).toMatchObject({ kind: 'malformed' });
    expect(interpretDpsReply(200, json({ status: 'exploded' }))).toMatchObject({ kind: 'malformed' });
  });

  it('does not take inherited names or __proto__ keys for DPS fields', () => {
    const body = bytes('{"__proto__":{"status":"assigned"},"status":"assigning","operationId":"op"}');
    expect(interpretDpsReply(202, body)).toEqual({ kind: 'pending', operationId: 'op' });
    expect(interpretDpsReply(200, bytes('{"status":"toString"}')).kind).toBe('malformed');
    expect(({} as Record<string, unknown>)['status']).toBeUndefined();
  });

  it('never throws on arbitrary bytes or JSON, and answers with a known kind', () => {
    const kinds = new Set(['pending', 'assigned', 'failed', 'transient', 'rejected', 'malformed']);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 999 }),
        fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.json().map(bytes), fc.jsonValue().map(json)),
        (status, body) => {
          expect(kinds.has(interpretDpsReply(status, body).kind)).toBe(true);
        },
      ),
    );
  });

  it('decides the outcome class from the status alone outside 2xx', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 999 }).filter((s) => s < 200 || s > 299),
        fc.jsonValue().map(json),
        (status, body) => {
          expect(interpretDpsReply(status, body).kind).toBe(status >= 429 ? 'transient' : 'rejected');
        },
      ),
    );
  });
});
