import { describe, expect, it } from 'vitest';
import { ephemeralPorts, fileLimitWarning, loopbackSources, openFileLimit } from './socket-limits.ts';

describe('socket limits', () => {
  it('reads the open-file limit and the ephemeral port range where Linux publishes them', () => {
    if (process.platform !== 'linux') return;
    expect(openFileLimit()).toBeGreaterThan(0);
    expect(ephemeralPorts()).toBeGreaterThan(1000);
  });

  it('warns only when the connections do not fit, and says how many will fail', () => {
    expect(fileLimitWarning(10_000, 20_000)).toBeUndefined();
    expect(fileLimitWarning(10_000, undefined)).toBeUndefined();
    expect(fileLimitWarning(100_000, 20_000)).toBe(
      'the open-file limit (ulimit -n) is 20000: about 19936 connections fit in this process, so 80064 devices will fail with EMFILE; raise it, or split the fleet across processes with --start',
    );
  });

  it('spreads loopback connections over as many 127.0.0.x sources as the ports need', () => {
    expect(loopbackSources(20_000, 28_232)).toEqual(['127.0.0.1']);
    expect(loopbackSources(100_000, 28_232)).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4']);
    expect(loopbackSources(1_000_000_000, 28_232)).toHaveLength(254);
  });
});
