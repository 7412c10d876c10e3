/**
 * Two chart kinds as inline SVG strings, so a report is one self-contained file that opens
 * offline: a time-series line chart and a latency histogram on a logarithmic axis.
 */
import type { HistogramBucket } from '../metrics/histogram.ts';

/** One line of a line chart. */
export interface Series {
  readonly name: string;
  readonly color: string;
  readonly points: readonly (readonly [x: number, y: number])[];
  /** Fill the area under the line. */
  readonly area?: boolean;
  /** Draw it dashed (a series that often lies on top of another, such as sent under acknowledged). */
  readonly dashed?: boolean;
}

const W = 640;
const H = 260;
const PAD = { left: 64, right: 16, top: 36, bottom: 40 };

/** A line chart of `series` over x (seconds), with optional labelled vertical marks (phases of the run). */
export function lineChart(title: string, series: readonly Series[], yUnit: string, marks: readonly { x: number; label: string }[] = []): string {
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const xMax = Math.max(1, ...xs);
  const yMax = niceCeiling(Math.max(1, ...ys));
  const x = (v: number): number => PAD.left + (v / xMax) * (W - PAD.left - PAD.right);
  const y = (v: number): number => H - PAD.bottom - (v / yMax) * (H - PAD.top - PAD.bottom);
  const parts: string[] = [frame(title)];
  for (const tick of ticks(yMax)) {
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(tick)}" y2="${y(tick)}" class="grid"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${y(tick) + 4}" class="tick" text-anchor="end">${label(tick)}</text>`);
  }
  for (const tick of ticks(xMax)) {
    parts.push(`<text x="${x(tick)}" y="${H - PAD.bottom + 16}" class="tick" text-anchor="middle">${label(tick)}</text>`);
  }
  for (const mark of marks) {
    const mx = x(mark.x);
    parts.push(`<line x1="${mx.toFixed(1)}" x2="${mx.toFixed(1)}" y1="${PAD.top}" y2="${H - PAD.bottom}" class="marker"/>`);
    parts.push(`<text x="${(mx - 4).toFixed(1)}" y="${H - PAD.bottom - 6}" class="tag" text-anchor="end">${escape(mark.label)}</text>`);
  }
  parts.push(`<text x="${(PAD.left + W - PAD.right) / 2}" y="${H - 6}" class="axis" text-anchor="middle">seconds</text>`);
  parts.push(`<text x="14" y="${(PAD.top + H - PAD.bottom) / 2}" class="axis" text-anchor="middle" transform="rotate(-90 14 ${(PAD.top + H - PAD.bottom) / 2})">${escape(yUnit)}</text>`);
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const path = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join('');
    if (s.area === true) {
      const last = s.points[s.points.length - 1] as readonly [number, number];
      const first = s.points[0] as readonly [number, number];
      parts.push(`<path d="${path}L${x(last[0]).toFixed(1)},${y(0)}L${x(first[0]).toFixed(1)},${y(0)}Z" fill="${s.color}" opacity="0.15"/>`);
    }
    parts.push(`<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2" stroke-linejoin="round"${s.dashed === true ? ' stroke-dasharray="6 4"' : ''}/>`);
    // Legends right-aligned on the title's line, last series rightmost.
    const lx = W - PAD.right - (series.length - i) * 130;
    const swatch = s.dashed === true ? `<rect x="${lx}" y="12" width="5" height="4" fill="${s.color}"/><rect x="${lx + 8}" y="12" width="5" height="4" fill="${s.color}"/>` : `<rect x="${lx}" y="12" width="13" height="4" fill="${s.color}"/>`;
    parts.push(`${swatch}<text x="${lx + 17}" y="18" class="legend">${escape(s.name)}</text>`);
  });
  return `${parts.join('')}</svg>`;
}

/** Bars per decade on a histogram chart: the 100 recording buckets per decade would draw needles. */
const BINS_PER_DECADE = 20;

/** Merges recording buckets into BINS_PER_DECADE bins per decade, for drawing. */
export function displayBins(buckets: readonly HistogramBucket[]): HistogramBucket[] {
  const bins = new Map<number, number>();
  for (const b of buckets) {
    // The bucket's geometric middle decides its bin, so a bucket is never split or counted twice.
    const key = Math.floor(Math.log10(Math.sqrt(Math.max(b.from, 1e-6) * b.to)) * BINS_PER_DECADE);
    bins.set(key, (bins.get(key) ?? 0) + b.count);
  }
  return [...bins]
    .sort((a, b) => a[0] - b[0])
    .map(([key, count]) => ({ from: 10 ** (key / BINS_PER_DECADE), to: 10 ** ((key + 1) / BINS_PER_DECADE), count }));
}

/** A histogram of latency buckets on a log10 x axis, with p50/p95/p99 markers named in the legend. */
export function histogramChart(title: string, buckets: readonly HistogramBucket[], markers: readonly { name: string; value: number }[], color: string): string {
  // One more line at the top than a line chart: the percentiles, under the title.
  const top = PAD.top + 12;
  const parts: string[] = [frame(title)];
  const bins = displayBins(buckets.filter((b) => b.count > 0));
  if (bins.length === 0) {
    parts.push(`<text x="${W / 2}" y="${H / 2}" class="axis" text-anchor="middle">no samples</text>`);
    return `${parts.join('')}</svg>`;
  }
  const lo = Math.floor(Math.log10((bins[0] as HistogramBucket).from) + 1e-9);
  const hi = Math.max(Math.ceil(Math.log10((bins[bins.length - 1] as HistogramBucket).to) - 1e-9), lo + 1);
  const span = hi - lo;
  const x = (ms: number): number => PAD.left + ((Math.log10(Math.max(ms, 10 ** lo)) - lo) / span) * (W - PAD.left - PAD.right);
  const yMax = niceCeiling(Math.max(...bins.map((b) => b.count)), true);
  const y = (v: number): number => H - PAD.bottom - (v / yMax) * (H - top - PAD.bottom);
  for (const tick of ticks(yMax, true)) {
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(tick)}" y2="${y(tick)}" class="grid"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${y(tick) + 4}" class="tick" text-anchor="end">${label(tick)}</text>`);
  }
  for (let decade = lo; decade <= hi; decade++) {
    const value = 10 ** decade;
    // The last label ends at the axis' end instead of running off the chart.
    const anchor = decade === hi ? 'end' : 'middle';
    parts.push(`<line x1="${x(value)}" x2="${x(value)}" y1="${top}" y2="${H - PAD.bottom}" class="grid"/>`);
    parts.push(`<text x="${x(value)}" y="${H - PAD.bottom + 16}" class="tick" text-anchor="${anchor}">${msLabel(value)}</text>`);
  }
  parts.push('<g class="bars">');
  for (const b of bins) {
    const left = x(b.from);
    const width = Math.max(x(b.to) - left - 1, 1);
    parts.push(`<rect x="${left.toFixed(1)}" y="${y(b.count).toFixed(1)}" width="${width.toFixed(1)}" height="${(y(0) - y(b.count)).toFixed(1)}" fill="${color}"><title>${msLabel(b.from)}–${msLabel(b.to)}: ${b.count}</title></rect>`);
  }
  parts.push('</g>');
  // Marker lines carry a short tag at the top; the values are in the legend, where they cannot collide.
  let lastTagX = -Infinity;
  let row = 0;
  markers.forEach((m) => {
    const mx = x(m.value);
    row = mx - lastTagX < 34 ? row + 1 : 0;
    lastTagX = mx;
    const anchor = mx > W - PAD.right - 30 ? 'end' : 'start';
    parts.push(`<line x1="${mx.toFixed(1)}" x2="${mx.toFixed(1)}" y1="${top}" y2="${H - PAD.bottom}" class="marker"/>`);
    parts.push(`<text x="${(anchor === 'end' ? mx - 3 : mx + 3).toFixed(1)}" y="${top + 11 + row * 12}" class="tag" text-anchor="${anchor}">${escape(m.name)}</text>`);
  });
  const legend = markers.map((m) => `${m.name} ${msLabel(m.value)}`).join(' · ');
  parts.push(`<text x="${PAD.left}" y="36" class="legend">${escape(legend)}</text>`);
  parts.push(`<text x="${(PAD.left + W - PAD.right) / 2}" y="${H - 6}" class="axis" text-anchor="middle">latency (log scale)</text>`);
  parts.push(`<text x="14" y="${(top + H - PAD.bottom) / 2}" class="axis" text-anchor="middle" transform="rotate(-90 14 ${(top + H - PAD.bottom) / 2})">count</text>`);
  return `${parts.join('')}</svg>`;
}

function frame(title: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escape(title)}"><title>${escape(title)}</title><text x="${PAD.left}" y="18" class="title">${escape(title)}</text>`;
}

/** The axis maximum for `value`: the next multiple of its tick step (at least 5 for counts, so their ticks stay whole). */
function niceCeiling(value: number, whole = false): number {
  if (whole && value <= 5) return 5;
  const step = tickStep(value);
  return Math.ceil(value / step - 1e-9) * step;
}

/** A round step (1, 2 or 5 × 10^n) giving about five ticks up to `max`. */
function tickStep(max: number): number {
  const raw = max / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].find((s) => s * power >= raw) ?? 10) * power;
}

/** About five round ticks from 0 to max (whole numbers only when `whole`). */
function ticks(max: number, whole = false): number[] {
  const step = Math.max(tickStep(max), whole ? 1 : 0);
  const out: number[] = [];
  for (let v = 0; v <= max + step / 1000; v += step) out.push(Math.round(v * 1e6) / 1e6);
  return out;
}

function label(value: number): string {
  if (value >= 1e6) return `${value / 1e6}M`;
  if (value >= 1e3) return `${value / 1e3}k`;
  return String(value);
}

function msLabel(value: number): string {
  if (value >= 1000) return `${+(value / 1000).toPrecision(3)} s`;
  if (value >= 1) return `${+value.toPrecision(3)} ms`;
  return `${+(value * 1000).toPrecision(3)} µs`;
}

/** Escapes text for SVG/HTML. */
export function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
