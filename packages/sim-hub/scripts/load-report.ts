/** The load run's results as JSON fields and as a self-contained HTML page with an SVG chart. */

/** One stats line of the hub. */
export interface HubSample {
  readonly atSeconds: number;
  readonly connected: number;
  readonly rate: number;
  readonly total: number;
  readonly rssMiB: number;
  readonly heapUsedMiB: number;
  readonly heapTotalMiB: number;
  /** CPU time the hub process has used so far, user + system. */
  readonly cpuSeconds: number;
}

/** Everything a load run reports. */
export interface LoadResult {
  readonly devices: number;
  readonly seconds: number;
  readonly connectedAfterSeconds: number;
  readonly sent: number;
  readonly acknowledged: number;
  readonly hubCounted: number;
  readonly connectionsLost: number;
  readonly devicesEverConnected: number;
  readonly hubExitCode: number | null;
  readonly hubPeakConnected: number;
  readonly hubMeanRatePerSecond: number;
  readonly hubPeakRssMiB: number;
  readonly hubPeakHeapUsedMiB: number;
  /** Hub CPU time per message over the steady phase, in microseconds: what the hub costs, whatever the machine's load. */
  readonly hubCpuMicrosPerMessage: number;
  readonly clientRssMiB: number;
  readonly clientHeapUsedMiB: number;
  readonly samples: readonly HubSample[];
  readonly command: string;
  readonly date: string;
}

const WIDTH = 760;
const HEIGHT = 220;

/** A line chart of one or more series over the run's time axis. */
function chart(title: string, samples: readonly HubSample[], series: readonly { label: string; color: string; value: (s: HubSample) => number }[]): string {
  const maxT = Math.max(1, ...samples.map((s) => s.atSeconds));
  const maxY = Math.max(1, ...samples.flatMap((s) => series.map((line) => line.value(s))));
  const x = (t: number): number => 50 + (t / maxT) * (WIDTH - 70);
  const y = (v: number): number => HEIGHT - 30 - (v / maxY) * (HEIGHT - 60);
  const lines = series
    .map((line) => `<polyline fill="none" stroke="${line.color}" stroke-width="2" points="${samples.map((s) => `${x(s.atSeconds).toFixed(1)},${y(line.value(s)).toFixed(1)}`).join(' ')}"/>`)
    .join('');
  // A swatch per series, and the label in its colour (an inline style: the page's `svg text` rule outranks a fill attribute).
  const legend = series
    .map((line, i) => `<line x1="${60 + i * 200}" y1="14" x2="${80 + i * 200}" y2="14" stroke="${line.color}" stroke-width="3"/><text x="${86 + i * 200}" y="18" style="fill:${line.color}">${line.label}</text>`)
    .join('');
  return `<figure><figcaption>${title}</figcaption><svg viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${title}">
<line x1="50" y1="${HEIGHT - 30}" x2="${WIDTH - 20}" y2="${HEIGHT - 30}" stroke="#999"/><line x1="50" y1="30" x2="50" y2="${HEIGHT - 30}" stroke="#999"/>
<text x="44" y="${y(maxY) + 4}" text-anchor="end">${Math.round(maxY)}</text><text x="44" y="${HEIGHT - 26}" text-anchor="end">0</text>
<text x="${WIDTH - 20}" y="${HEIGHT - 8}" text-anchor="end">${maxT.toFixed(0)} s</text>${legend}${lines}</svg></figure>`;
}

/** The HTML page of a run. */
export function loadReportHtml(r: LoadResult): string {
  const rows: [string, string][] = [
    ['devices connected over TLS (peak, hub)', `${r.hubPeakConnected} of ${r.devices}, all after ${r.connectedAfterSeconds.toFixed(1)} s`],
    ['connections lost during the run', String(r.connectionsLost)],
    ['QoS 1 messages sent / acknowledged / counted by the hub', `${r.sent} / ${r.acknowledged} / ${r.hubCounted}`],
    ['hub telemetry per second (steady phase mean)', r.hubMeanRatePerSecond.toFixed(0)],
    ['hub CPU time per message (steady phase)', `${r.hubCpuMicrosPerMessage.toFixed(0)} µs`],
    ['hub memory, peak', `RSS ${r.hubPeakRssMiB} MiB, heap used ${r.hubPeakHeapUsedMiB} MiB`],
    ['client process memory at the end', `RSS ${r.clientRssMiB} MiB, heap used ${r.clientHeapUsedMiB} MiB`],
  ];
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>sim-hub load run</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:${WIDTH + 40}px}table{border-collapse:collapse}td{padding:4px 12px;border-bottom:1px solid #ddd}
figure{margin:1.5em 0}figcaption{font-weight:600;margin-bottom:.3em}svg text{font-size:12px;fill:#333}code{background:#f3f3f3;padding:2px 4px}</style></head><body>
<h1>sim-hub load run: ${r.devices} devices over TLS, ${r.seconds} s</h1>
<p><code>${r.command}</code> — ${r.date}</p>
<table>${rows.map(([k, v]) => `<tr><td>${k}</td><td><b>${v}</b></td></tr>`).join('')}</table>
${chart('Hub: connected devices and telemetry per second', r.samples, [
  { label: 'connected', color: '#1f77b4', value: (s) => s.connected },
  { label: 'telemetry/s', color: '#d62728', value: (s) => s.rate },
])}
${chart('Hub memory (MiB)', r.samples, [
  { label: 'RSS', color: '#2ca02c', value: (s) => s.rssMiB },
  { label: 'heap used', color: '#9467bd', value: (s) => s.heapUsedMiB },
])}
</body></html>
`;
}
