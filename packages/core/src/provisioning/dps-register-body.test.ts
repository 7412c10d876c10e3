import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dpsRegisterBody } from './dps-register-body.ts';
import { InvalidIntentError } from '../shared/errors.ts';

const text = (body: Uint8Array): string => new TextDecoder().decode(body);

describe('dpsRegisterBody', () => {
  it('sends only the registration id when there is no payload', () => {
    expect(text(dpsRegisterBody('sn-007'))).toBe('{"registrationId":"sn-007"}');
  });

  it('adds a Plug and Play model id as the payload (docs/protocol.md §11, §13)', () => {
    expect(text(dpsRegisterBody('sn-007', { modelId: 'dtmi:com:example:Thermostat;1' }))).toBe(
      '{"registrationId":"sn-007","payload":{"modelId":"dtmi:com:example:Thermostat;1"}}',
    );
  });

  it('round-trips any JSON payload', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (payload) => {
        const parsed = JSON.parse(text(dpsRegisterBody('dev-1', payload))) as Record<string, unknown>;
        expect(parsed['registrationId']).toBe('dev-1');
        expect(parsed['payload']).toEqual(JSON.parse(JSON.stringify(payload)));
      }),
    );
  });

  it('refuses payloads without a JSON form', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    for (const payload of [cyclic, 10n, () => 1, Symbol('x')]) {
      expect(() => dpsRegisterBody('dev-1', payload)).toThrow(InvalidIntentError);
    }
  });

  it('refuses a body over the 96 KB DPS message limit', () => {
    expect(() => dpsRegisterBody('dev-1', 'x'.repeat(98_304))).toThrowError(
      expect.objectContaining({ code: 'payload-too-large' }),
    );
    expect(() => dpsRegisterBody('dev-1', 'x'.repeat(98_304 - 40))).not.toThrow();
  });
});
