import { createSasToken } from '@hubwire/sas';
import { expect, it } from 'vitest';
import { signSasToken } from './sign.ts';

it('signs exactly the token createSasToken makes', async () => {
  const key = Buffer.alloc(32, 9).toString('base64');
  const resourceUri = 'sim-hub.local/devices/sim-00042';
  expect(signSasToken(resourceUri, key, 1_900_000_000)).toBe(await createSasToken({ resourceUri, key, expiresAt: 1_900_000_000 }));
});
