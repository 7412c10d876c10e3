import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Slab } from './slab.ts';

/** Byte ranges [start, end) of live regions, keyed by their ArrayBuffer. */
function overlaps(regions: readonly Uint8Array[]): boolean {
  const byBuffer = new Map<ArrayBufferLike, [number, number][]>();
  for (const r of regions) {
    const list = byBuffer.get(r.buffer) ?? [];
    list.push([r.byteOffset, r.byteOffset + r.length]);
    byBuffer.set(r.buffer, list);
  }
  for (const list of byBuffer.values()) {
    list.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < list.length; i++) if ((list[i] as [number, number])[0] < (list[i - 1] as [number, number])[1]) return true;
  }
  return false;
}

describe('Slab', () => {
  it('hands out regions of the requested size that never overlap a live one', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ size: fc.integer({ min: 0, max: 600 }), release: fc.boolean() }), { maxLength: 200 }),
        (steps) => {
          const slab = new Slab(1024);
          const live: Uint8Array[] = [];
          for (const { size, release } of steps) {
            const region = slab.alloc(size);
            expect(region.length).toBe(size);
            if (release) slab.release(region);
            else live.push(region);
          }
          expect(overlaps(live.filter((r) => r.length > 0))).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reuses a released region only when it was the latest one', () => {
    const slab = new Slab(1024);
    const a = slab.alloc(10);
    const b = slab.alloc(10);
    slab.release(a); // not the latest: ignored
    const c = slab.alloc(10);
    expect(c.byteOffset).toBe(b.byteOffset + 10);
    slab.release(c);
    expect(slab.alloc(10).byteOffset).toBe(c.byteOffset);
  });

  it('claims regions by offset that never overlap an alloc or another claim, and releases the latest one', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ size: fc.integer({ min: 1, max: 256 }), claim: fc.boolean(), release: fc.boolean() }), { maxLength: 100 }),
        (steps) => {
          const slab = new Slab(1024);
          const live: Uint8Array[] = [];
          for (const { size, claim, release } of steps) {
            if (claim) {
              const start = slab.claim(size);
              const block = slab.block;
              if (release) slab.releaseAt(block, start, start + size);
              else live.push(block.subarray(start, start + size));
            } else {
              const region = slab.alloc(size);
              if (release) slab.release(region);
              else live.push(region);
            }
          }
          expect(overlaps(live)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
    const slab = new Slab(1024);
    const start = slab.claim(10);
    slab.releaseAt(slab.block, start, start + 10);
    expect(slab.claim(10)).toBe(start);
  });

  it('gives large regions their own memory', () => {
    const slab = new Slab(1024);
    const small = slab.alloc(8);
    const big = slab.alloc(300);
    expect(big.buffer).not.toBe(small.buffer);
    expect(big.byteLength).toBe(big.buffer.byteLength);
  });
});
