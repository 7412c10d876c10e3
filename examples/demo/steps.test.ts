import { describe, expect, it } from 'vitest';
import { LiveLog } from './live-log.ts';
import { StepRunner } from './steps.ts';

describe('StepRunner', () => {
  it('passes only when every step passed, and records failures and overruns instead of throwing', async () => {
    const lines: string[] = [];
    const steps = new StepRunner(new LiveLog({ sink: (line) => lines.push(line) }));
    expect(steps.ok).toBe(false); // nothing ran yet
    expect(await steps.run('fine', 1000, async () => {})).toBe(true);
    expect(steps.ok).toBe(true);
    expect(await steps.run('broken', 1000, async () => Promise.reject(new Error('boom')))).toBe(false);
    expect(await steps.run('stuck', 10, () => new Promise<void>(() => {}))).toBe(false);
    expect(steps.ok).toBe(false);
    expect(steps.results.map((r) => [r.name, r.ok, r.error])).toEqual([
      ['fine', true, undefined],
      ['broken', false, 'boom'],
      ['stuck', false, 'step did not finish within 10 ms'],
    ]);
    expect(lines.filter((line) => line.includes('FAILED'))).toHaveLength(2);
  });
});
