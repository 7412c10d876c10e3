/**
 * The ratio chart: one horizontal bar per summary row that compares speeds, on a logarithmic axis
 * (the ratios run from about 1× to over 1000×), with the row's goal marked where it has one. A
 * plain SVG written by hand: no chart library, nothing to load, readable on GitHub and in a browser.
 */
import { goalMet, type SummaryRow } from './report.ts';

const WIDTH = 1080;
const LABEL_WIDTH = 560;
const PLOT_LEFT = LABEL_WIDTH + 10;
const PLOT_RIGHT = WIDTH - 70;
const ROW_HEIGHT = 22;
const TOP = 70;
const TICKS = [0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];

/** Escapes text for SVG. */
function escape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** Longest label that fits left of the plot at 12 px (about 6.4 px a character in the fonts above). */
const LABEL_CHARS = Math.floor(LABEL_WIDTH / 6.4);

/** The label as drawn: cut with an ellipsis when it would run off the left edge (the tooltip has it whole). */
function fitted(label: string): string {
  return label.length <= LABEL_CHARS ? label : `${label.slice(0, LABEL_CHARS - 1)}…`;
}

/** Renders the rows with a ratio and `chart` set as an SVG document. */
export function ratioChart(rows: readonly SummaryRow[], subtitle: string): string {
  const drawn = rows.filter((r) => r.chart === true && r.ratio !== undefined && r.ratio > 0);
  const ratios = drawn.flatMap((r) => [r.ratio as number, r.goal?.min ?? 1]);
  const low = Math.min(1, ...ratios) / 1.5;
  const high = Math.max(10, ...ratios) * 1.5;
  const x = (ratio: number): number =>
    PLOT_LEFT + ((Math.log10(ratio) - Math.log10(low)) / (Math.log10(high) - Math.log10(low))) * (PLOT_RIGHT - PLOT_LEFT);
  const height = TOP + drawn.length * ROW_HEIGHT + 60;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="-apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="16" y="26" font-size="16" font-weight="600">hubwire against its baseline in the same run (× faster, log scale)</text>`,
    `<text x="16" y="46" fill="#555">${escape(subtitle)}</text>`,
  );
  const plotBottom = TOP + drawn.length * ROW_HEIGHT;
  for (const tick of TICKS.filter((t) => t >= low && t <= high)) {
    const tx = x(tick).toFixed(1);
    out.push(
      `<line x1="${tx}" y1="${TOP - 6}" x2="${tx}" y2="${plotBottom}" stroke="${tick === 1 ? '#333' : '#e3e3e3'}" stroke-width="${tick === 1 ? 1.5 : 1}"/>`,
      `<text x="${tx}" y="${plotBottom + 16}" text-anchor="middle" fill="#555">${tick}×</text>`,
    );
  }
  drawn.forEach((row, i) => {
    const y = TOP + i * ROW_HEIGHT;
    const ratio = row.ratio as number;
    const met = goalMet(row);
    const colour = met === false ? '#e8871e' : met === true ? '#2f9e44' : '#4c7bd9';
    const from = x(Math.min(1, ratio));
    const to = x(Math.max(1, ratio));
    if (i > 0 && drawn[i - 1]?.suite !== row.suite) {
      out.push(`<line x1="16" y1="${y}" x2="${WIDTH - 16}" y2="${y}" stroke="#cfcfcf" stroke-dasharray="3 3"/>`);
    }
    out.push(
      `<text x="${LABEL_WIDTH}" y="${y + 15}" text-anchor="end"><title>${escape(`${row.suite}: ${row.what}`)}</title>${escape(fitted(`${row.suite}: ${row.what}`))}</text>`,
      `<rect x="${from.toFixed(1)}" y="${y + 4}" width="${Math.max(1, to - from).toFixed(1)}" height="${ROW_HEIGHT - 8}" fill="${colour}"/>`,
    );
    const goal = row.goal?.min;
    if (goal !== undefined) {
      const gx = x(goal);
      out.push(`<path d="M${gx.toFixed(1)} ${y + 2} l4 ${ROW_HEIGHT / 2 - 2} l-4 ${ROW_HEIGHT / 2 - 2} l-4 -${ROW_HEIGHT / 2 - 2} z" fill="none" stroke="#c92a2a" stroke-width="1.5"/>`);
    }
    // The figure right of the bar and of the goal mark, whichever ends later.
    const textX = Math.max(to, goal === undefined ? 0 : x(goal) + 4) + 5;
    out.push(`<text x="${textX.toFixed(1)}" y="${y + 15}" fill="#222">${ratio >= 100 ? ratio.toFixed(0) : ratio.toFixed(ratio < 1 ? 2 : 1)}×</text>`);
  });
  const legendY = plotBottom + 38;
  out.push(
    `<rect x="16" y="${legendY - 10}" width="12" height="12" fill="#2f9e44"/><text x="34" y="${legendY}">goal met</text>`,
    `<rect x="110" y="${legendY - 10}" width="12" height="12" fill="#e8871e"/><text x="128" y="${legendY}">goal not met</text>`,
    `<rect x="230" y="${legendY - 10}" width="12" height="12" fill="#4c7bd9"/><text x="248" y="${legendY}">no goal</text>`,
    `<path d="M335 ${legendY - 11} l4 6 l-4 6 l-4 -6 z" fill="none" stroke="#c92a2a" stroke-width="1.5"/><text x="346" y="${legendY}">the goal</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}
