import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DesiredVersions, versionOf } from './desired-versions.ts';

describe('DesiredVersions', () => {
  it('accepts each version once and never one at or below what was seen', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.nat(50).map((v) => ['patch', v] as const), fc.nat(50).map((v) => ['twin', v] as const))), (ops) => {
        const versions = new DesiredVersions();
        const surfaced: number[] = [];
        let fetched = -1;
        for (const [kind, v] of ops) {
          if (kind === 'twin') {
            versions.fetched(v);
            fetched = Math.max(fetched, v);
          } else if (versions.offer(v)) {
            surfaced.push(v);
            // Surfaced versions rise strictly, and each is above every fetched twin so far.
            expect(v).toBeGreaterThan(fetched);
          }
        }
        expect(surfaced).toEqual([...new Set(surfaced)].sort((a, b) => a - b));
      }),
    );
  });

  it('reports the latest version seen', () => {
    const versions = new DesiredVersions();
    expect(versions.latest).toBeUndefined();
    versions.fetched(4);
    expect(versions.offer(4)).toBe(false);
    expect(versions.offer(6)).toBe(true);
    versions.fetched(5);
    expect(versions.latest).toBe(6);
  });

  it('reads $version only as a non-negative safe integer', () => {
    expect([3, 0, -1, 1.5, '3', 2 ** 53, null].map(versionOf)).toEqual([3, 0, undefined, undefined, undefined, undefined, undefined]);
  });
});
