import { describe, expect, it } from 'vitest';
import { count, counted, rate } from './format.ts';

describe('number formatting', () => {
  it('groups thousands with spaces', () => {
    expect([count(0), count(999), count(1000), count(1234567.4)]).toEqual(['0', '999', '1 000', '1 234 567']);
  });

  it('gives a rate under 10 one decimal, so a slow run does not read as 0', () => {
    expect([rate(0), rate(0.425), rate(9.94), rate(9.96), rate(2001.3)]).toEqual(['0.0', '0.4', '9.9', '10', '2 001']);
  });

  it('puts a count with its noun, singular for one', () => {
    expect([counted(1, 'device'), counted(0, 'device'), counted(2000, 'device')]).toEqual(['1 device', '0 devices', '2 000 devices']);
  });
});
