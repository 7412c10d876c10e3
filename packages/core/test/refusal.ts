import { expect } from 'vitest';
import { InvalidIntentError } from '../src/shared/errors.ts';

/** The InvalidIntentError code `encode` is refused with; fails the test when it throws anything else or nothing. */
export function refusal(encode: () => unknown): string {
  try {
    encode();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidIntentError);
    return (error as InvalidIntentError).code;
  }
  throw new Error('the encoder did not throw');
}
