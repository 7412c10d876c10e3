import { Buffer } from 'node:buffer';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SasTokenError } from './errors.ts';
import { deriveGroupKey } from './group-key.ts';

describe('deriveGroupKey', () => {
  it('equals HMAC-SHA256 of the UTF-8 registration id under the decoded group key', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 16, maxLength: 64 }), fc.string({ unit: 'grapheme', maxLength: 40 }), async (key, id) => {
        const expected = createHmac('sha256', key).update(id, 'utf8').digest('base64');
        expect(await deriveGroupKey(Buffer.from(key).toString('base64'), id)).toBe(expected);
      }),
      { numRuns: 100 },
    );
  });

  it('derives different keys for registration ids differing only in case', async () => {
    const group = Buffer.alloc(32, 1).toString('base64');
    expect(await deriveGroupKey(group, 'Reg-1')).not.toBe(await deriveGroupKey(group, 'reg-1'));
  });

  it('rejects a group key that is not base64 as invalid-key', async () => {
    const error = await deriveGroupKey('group key!', 'reg').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SasTokenError);
    expect((error as SasTokenError).code).toBe('invalid-key');
  });
});
