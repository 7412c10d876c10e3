import { describe, expect, it } from 'vitest';
import { connectRefusedReason, isConnectRetriable } from './connack.ts';

describe('CONNACK return codes', () => {
  it('names codes 1–5 after MQTT 3.1.1 §3.2.2.3 and everything else unknown', () => {
    expect(() => connectRefusedReason(-1)).toThrow(expect.objectContaining({ code: 'invalid-return-code' }));
    expect(() => connectRefusedReason(256)).toThrow(expect.objectContaining({ code: 'invalid-return-code' }));
    expect([1, 2, 3, 4, 5, 6, 255, 0].map(connectRefusedReason)).toEqual([
      'unacceptable-protocol-version',
      'identifier-rejected',
      'server-unavailable',
      'bad-username-or-password',
      'not-authorized',
      'unknown',
      'unknown',
      'unknown',
    ]);
  });

  it('retries only server-unavailable and (slowly) not-authorized, as docs/protocol.md §15 says', () => {
    expect([1, 2, 3, 4, 5, 6].filter(isConnectRetriable)).toEqual([3, 5]);
  });
});
