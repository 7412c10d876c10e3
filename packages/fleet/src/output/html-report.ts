/**
 * The run as a page a person opens: headline figures, the three charts (connected devices,
 * throughput, latency histograms) as inline SVG, settings and errors. One file, no script, no
 * network: it opens the same from a CI artifact as from disk.
 */
import type { FleetSummary, LatencySummary } from './summary.ts';
import { escape, histogramChart, lineChart } from './svg-charts.ts';
import { count, megabytes, ms, rate } from './format.ts';

const BLUE = '#2563eb';
const GREEN = '#16a34a';
const ORANGE = '#ea580c';
const RED = '#dc2626';
const PURPLE = '#7c3aed';

/** Renders the report page. */
export function htmlReport(summary: FleetSummary): string {
  const t = summary.timeline;
  const full = summary.telemetry.fullFleet;
  // Where the timed phase begins and ends, on both time charts.
  const phases = full === undefined ? [] : [{ x: full.startSecond, label: 'ramp done' }, { x: full.startSecond + full.seconds, label: 'time up' }];
  const connected = lineChart('Connected devices', [{ name: 'connected', color: BLUE, area: true, points: t.map((p) => [p.t, p.connected]) }], 'devices', phases);
  const throughput = lineChart(
    'Throughput',
    [
      { name: 'acknowledged/s', color: GREEN, points: t.map((p) => [p.t, p.acked]) },
      { name: 'sent/s', color: BLUE, dashed: true, points: t.map((p) => [p.t, p.sent]) },
      ...(t.some((p) => p.errors > 0) ? [{ name: 'errors/s', color: RED, points: t.map((p) => [p.t, p.errors] as const) }] : []),
    ],
    'messages per second',
    phases,
  );
  const ack = histogramChart('Acknowledgement latency (PUBLISH → PUBACK)', summary.ackLatencyMs.buckets, markers(summary.ackLatencyMs), GREEN);
  const connect = histogramChart('Connect latency (socket open → CONNACK)', summary.connectLatencyMs.buckets, markers(summary.connectLatencyMs), ORANGE);
  const method = summary.service === undefined ? '' : histogramChart('Direct method round trip (service → device → service)', summary.service.methodLatencyMs.buckets, markers(summary.service.methodLatencyMs), PURPLE);
  const s = summary.settings;
  const p = summary.process;
  const errors = Object.entries(summary.errors);
  const cards = [
    card('devices connected', `${count(summary.devices.everConnected)} / ${count(summary.devices.target)}`, summary.devices.rampSeconds === null ? 'not all connected' : `all within ${summary.devices.rampSeconds} s`),
    card(
      'acknowledged / s',
      rate(summary.telemetry.fullFleet?.ackedPerSecond ?? summary.telemetry.ackedPerSecond),
      `${count(summary.telemetry.acked)} of ${count(summary.telemetry.sent)} sent` + (summary.telemetry.unacked > 0 ? `, ${count(summary.telemetry.unacked)} unacknowledged` : ''),
      summary.telemetry.unacked > 0,
    ),
    card('ack latency p99', summary.ackLatencyMs.count === 0 ? '–' : ms(summary.ackLatencyMs.p99), `p50 ${ms(summary.ackLatencyMs.p50)}`),
    card('connect latency p99', summary.connectLatencyMs.count === 0 ? '–' : ms(summary.connectLatencyMs.p99), `p50 ${ms(summary.connectLatencyMs.p50)}`),
    card('errors', count(summary.errorTotal), `${count(summary.devices.reconnects)} reconnects`, summary.errorTotal > 0),
    card('heap peak', megabytes(p.heapPeakBytes), `${count(p.heapPerDeviceBytes)} B per device`),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>hubwire-fleet report — ${count(summary.devices.target)} devices</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1f2937}
main{max-width:1340px;margin:0 auto;padding:24px 28px 40px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 10px}
.sub{color:#6b7280;margin:0 0 18px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:12px}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:10px;padding:12px 14px}
.card .k{color:#6b7280;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .v{font-size:24px;font-weight:650;margin:2px 0}.card .n{color:#6b7280;font-size:12px}
.card.bad .v{color:${RED}}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(640px,1fr));gap:14px}
.chart{background:#fff;border:1px solid #e5e7eb;border-radius:10px;padding:8px}
.chart svg{width:100%;height:auto;display:block}
svg .grid{stroke:#e5e7eb;stroke-width:1}svg .tick{fill:#6b7280;font-size:11px}svg .axis{fill:#4b5563;font-size:12px}
svg .legend{fill:#374151;font-size:12px}svg .title{fill:#111827;font-size:13px;font-weight:600}svg .marker{stroke:#111827;stroke-dasharray:3 3;stroke-width:1}svg .tag{fill:#111827;font-size:10px}
svg title{font-size:12px}
table{border-collapse:collapse;background:#fff;border:1px solid #e5e7eb;border-radius:10px;overflow:hidden;min-width:480px}
td,th{padding:6px 12px;border-bottom:1px solid #f0f1f3;text-align:left;font-variant-numeric:tabular-nums}
th{background:#f9fafb;font-weight:600}.tables{display:flex;gap:16px;flex-wrap:wrap;align-items:flex-start}
</style></head>
<body><main>
<h1>hubwire-fleet: ${count(summary.devices.target)} devices, ${summary.elapsedSeconds.toFixed(1)} s</h1>
<p class="sub">${escape(summary.hub)} ${summary.hub.includes(s.transport) ? '' : ` · ${escape(s.transport)}`} · started ${escape(summary.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))} · QoS ${s.qos} · ${s.rate} msg/s per device</p>
<div class="cards">${cards.join('')}</div>
<h2>Over time</h2>
<div class="charts"><div class="chart">${connected}</div><div class="chart">${throughput}</div></div>
<h2>Latency</h2>
<div class="charts"><div class="chart">${ack}</div><div class="chart">${connect}</div>${method === '' ? '' : `<div class="chart">${method}</div>`}</div>
<h2>Details</h2>
<div class="tables">
${table(['latency', 'count', 'p50', 'p95', 'p99', 'max'], [latencyRow('acknowledgement', summary.ackLatencyMs), latencyRow('connect', summary.connectLatencyMs), ...(summary.service === undefined ? [] : [latencyRow('method round trip', summary.service.methodLatencyMs)])])}
${table(['errors by kind', 'count'], errors.length === 0 ? [['none', '0']] : errors.map(([kind, n]) => [kind, count(n)]))}
${table(['setting', 'value'], [
    ['devices', `${count(s.devices)} from ${s.idPattern}, start ${s.start}`],
    ['transport', s.transport],
    ['connect rate', s.connectRate === 0 ? 'unlimited' : `${s.connectRate}/s`],
    ['telemetry', `${s.rate}/s per device, QoS ${s.qos}, in flight ≤ ${s.inflight}${s.size > 0 ? `, ${s.size} B` : ''}`],
    ['acknowledged', `${count(summary.telemetry.acked)} of ${count(summary.telemetry.sent)}; ${count(summary.telemetry.unacked)} still unacknowledged when the run stopped`],
    ['fleet process', `CPU ${p.cpuUserSeconds.toFixed(1)} s user + ${p.cpuSystemSeconds.toFixed(1)} s system (${p.cpuPercent.toFixed(0)} % of a core), event loop busy ${p.fleetThreadBusyPercent.toFixed(0)} %, heap peak ${megabytes(p.heapPeakBytes)}, RSS peak ${megabytes(p.rssPeakBytes)}`],
    ...(summary.hubProcess === undefined
      ? []
      : [['embedded hub process', `CPU ${summary.hubProcess.cpuPercent.toFixed(0)} % of a core, event loop busy ${summary.hubProcess.busyPercent.toFixed(0)} %, heap ${megabytes(summary.hubProcess.heapBytes)}, RSS ${megabytes(summary.hubProcess.rssBytes)}`]]),
    ['behaviours', `${count(summary.behaviours.desiredReceived)} desired patches, ${count(summary.behaviours.reportedPatched)} reported, ${count(summary.behaviours.methodsAnswered)} methods answered, ${count(summary.behaviours.c2dReceived)} C2D`],
  ])}
</div>
</main></body></html>
`;
}

function markers(l: LatencySummary): { name: string; value: number }[] {
  return l.count === 0 ? [] : [
    { name: 'p50', value: l.p50 },
    { name: 'p95', value: l.p95 },
    { name: 'p99', value: l.p99 },
  ];
}

function card(key: string, value: string, note: string, bad = false): string {
  return `<div class="card${bad ? ' bad' : ''}"><div class="k">${escape(key)}</div><div class="v">${escape(value)}</div><div class="n">${escape(note)}</div></div>`;
}

function latencyRow(name: string, l: LatencySummary): string[] {
  return l.count === 0 ? [name, '0', '–', '–', '–', '–'] : [name, count(l.count), ms(l.p50), ms(l.p95), ms(l.p99), ms(l.max)];
}

function table(head: string[], rows: string[][]): string {
  return `<table><tr>${head.map((h) => `<th>${escape(h)}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${escape(c)}</td>`).join('')}</tr>`).join('')}</table>`;
}
