import { describe, expect, it } from 'vitest';
import { failureReason, isRetriable, isSuccess } from './status.ts';

describe('status helpers', () => {
  it('calls 429 and 5xx retriable and nothing else', () => {
    expect([200, 204, 400, 401, 404, 412, 429, 499, 500, 503, 599, 600].filter(isRetriable)).toEqual([429, 500, 503, 599]);
  });

  it('calls 2xx success', () => {
    expect([199, 200, 202, 204, 299, 300].filter(isSuccess)).toEqual([200, 202, 204, 299]);
  });

  it('maps failures to throttled, server-error or rejected', () => {
    expect([429, 500, 400, 404].map(failureReason)).toEqual(['throttled', 'server-error', 'rejected', 'rejected']);
  });
});
