import { PerformanceObserver, performance } from 'node:perf_hooks';
import { collectGarbage } from './gc.ts';

/**
 * Bytes allocated on the JS heap per packet by `work` (which handles `packets` packets per call).
 *
 * Method: run `work` a few times to warm up; then, for each sample, collect garbage twice, read
 * `process.memoryUsage().heapUsed`, call `work` once and read it again. With no collection in
 * between, the difference is what the call allocated (garbage and survivors alike). A GC
 * observer timestamps every collection; samples during which one ran are discarded. The median
 * of the clean samples is divided by `packets`. The input bytes are built beforehand and do
 * not count; heap only (ArrayBuffer backing stores of new typed arrays are off-heap and show up
 * in `external`, reported separately).
 */
export async function allocationPerPacket(
  work: () => unknown,
  packets: number,
  samples = 25,
): Promise<{ heapBytesPerPacket: number; externalBytesPerPacket: number; cleanSamples: number }> {
  const collections: [number, number][] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) collections.push([e.startTime, e.startTime + e.duration]);
  });
  observer.observe({ entryTypes: ['gc'] });
  for (let i = 0; i < 20; i++) work();
  const windows: { from: number; to: number; heap: number; external: number }[] = [];
  for (let i = 0; i < samples; i++) {
    collectGarbage();
    collectGarbage();
    await new Promise((resolve) => setImmediate(resolve)); // let the forced collections' entries arrive first
    const before = process.memoryUsage();
    const from = performance.now();
    work();
    const to = performance.now();
    const after = process.memoryUsage();
    windows.push({ from, to, heap: after.heapUsed - before.heapUsed, external: after.external - before.external });
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  const clean = windows.filter((w) => !collections.some(([s, e]) => s < w.to && e > w.from) && w.heap >= 0);
  const median = (xs: number[]): number => {
    const sorted = [...xs].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  };
  return {
    heapBytesPerPacket: median(clean.map((w) => w.heap)) / packets,
    externalBytesPerPacket: median(clean.map((w) => w.external)) / packets,
    cleanSamples: clean.length,
  };
}
