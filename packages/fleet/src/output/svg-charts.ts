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
}

const W = 640;
const H = 260;
const PAD = { left: 64, right: 16, top: 36, bottom: 40 };

/** A line chart of `series` over x (seconds). */
export function lineChart(title: string, series: readonly Series[], yUnit: string): string {
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
    parts.push(`<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2" stroke-linejoin="round"/>`);
    // Legends right-aligned on the title's line, last series rightmost.
    const lx = W - PAD.right - (series.length - i) * 130;
    parts.push(`<rect x="${lx}" y="12" width="12" height="4" fill="${s.color}"/><text x="${lx + 16}" y="18" class="legend">${escape(s.name)}</text>`);
  });
  return `${parts.join('')}</svg>`;
}

/** A histogram of latency buckets on a log10 x axis, with p50/p95/p99 markers. */
export function histogramChart(title: string, buckets: readonly HistogramBucket[], markers: readonly { name: string; value: number }[], color: string): string {
  const parts: string[] = [frame(title)];
  if (buckets.length === 0) {
    parts.push(`<text x="${W / 2}" y="${H / 2}" class="axis" text-anchor="middle">no samples</text>`);
    return `${parts.join('')}</svg>`;
  }
  const lo = Math.floor(Math.log10(Math.max((buckets[0] as HistogramBucket).to, 1e-3)) - 0.05);
  const hi = Math.ceil(Math.log10((buckets[buckets.length - 1] as HistogramBucket).to) + 0.05);
  const span = Math.max(hi - lo, 1);
  const x = (ms: number): number => PAD.left + ((Math.log10(Math.max(ms, 10 ** lo)) - lo) / span) * (W - PAD.left - PAD.right);
  const yMax = niceCeiling(Math.max(...buckets.map((b) => b.count)));
  const y = (v: number): number => H - PAD.bottom - (v / yMax) * (H - PAD.top - PAD.bottom);
  for (const tick of ticks(yMax)) {
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(tick)}" y2="${y(tick)}" class="grid"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${y(tick) + 4}" class="tick" text-anchor="end">${label(tick)}</text>`);
  }
  for (let decade = lo; decade <= hi; decade++) {
    const value = 10 ** decade;
    parts.push(`<line x1="${x(value)}" x2="${x(value)}" y1="${PAD.top}" y2="${H - PAD.bottom}" class="grid"/>`);
    parts.push(`<text x="${x(value)}" y="${H - PAD.bottom + 16}" class="tick" text-anchor="middle">${msLabel(value)}</text>`);
  }
  for (const b of buckets) {
    const left = x(Math.max(b.from, 10 ** lo));
    const width = Math.max(x(b.to) - left - 0.5, 1);
    parts.push(`<rect x="${left.toFixed(1)}" y="${y(b.count).toFixed(1)}" width="${width.toFixed(1)}" height="${(y(0) - y(b.count)).toFixed(1)}" fill="${color}"><title>${msLabel(b.from)}–${msLabel(b.to)}: ${b.count}</title></rect>`);
  }
  markers.forEach((m, i) => {
    const mx = x(m.value);
    parts.push(`<line x1="${mx}" x2="${mx}" y1="${PAD.top + 6}" y2="${H - PAD.bottom}" class="marker"/>`);
    parts.push(`<text x="${mx + 3}" y="${PAD.top + 14 + i * 12}" class="legend">${escape(m.name)} ${msLabel(m.value)}</text>`);
  });
  parts.push(`<text x="${(PAD.left + W - PAD.right) / 2}" y="${H - 6}" class="axis" text-anchor="middle">latency (log scale)</text>`);
  parts.push(`<text x="14" y="${(PAD.top + H - PAD.bottom) / 2}" class="axis" text-anchor="middle" transform="rotate(-90 14 ${(PAD.top + H - PAD.bottom) / 2})">count</text>`);
  return `${parts.join('')}</svg>`;
}

function frame(title: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escape(title)}"><title>${escape(title)}</title><text x="${PAD.left}" y="18" class="title">${escape(title)}</text>`;
}

/** Rounds up to 1, 2 or 5 × 10^n. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

/** About five round ticks from 0 to max. */
function ticks(max: number): number[] {
  const raw = max / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((s) => s * power >= raw) ?? 10) * power;
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
