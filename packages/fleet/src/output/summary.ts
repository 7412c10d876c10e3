/**
 * The end of a run in numbers: a plain object (written as JSON with `--summary-json`, and the
 * data of the HTML report) and its text rendering for the terminal.
 */
import type { HistogramBucket, LatencyHistogram } from '../metrics/histogram.ts';
import type { TimelinePoint } from '../metrics/fleet-metrics.ts';
import type { ProcessFigures } from '../metrics/process-sampler.ts';
import type { FleetResult } from '../run/fleet.ts';
import { count, megabytes, ms, rate, seconds } from './format.ts';

/** Latency figures in ms. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
  readonly buckets: readonly HistogramBucket[];
}

/** Everything a run reports. */
export interface FleetSummary {
  readonly startedAt: string;
  readonly elapsedSeconds: number;
  readonly hub: string;
  readonly settings: {
    readonly devices: number;
    readonly start: number;
    readonly idPattern: string;
    readonly transport: string;
    readonly inProcess: boolean;
    readonly connectRate: number;
    readonly rate: number;
    readonly qos: number;
    readonly inflight: number;
    readonly size: number;
  };
  readonly devices: { readonly target: number; readonly everConnected: number; readonly connectedAtEnd: number; readonly reconnects: number; readonly rampSeconds: number | null };
  readonly telemetry: {
    readonly sent: number;
    readonly acked: number;
    /** QoS 1 messages still unacknowledged when the run stopped (after `--drain`). */
    readonly unacked: number;
    readonly sentPerSecond: number;
    readonly ackedPerSecond: number;
    readonly inflightWaits: number;
    /** While every device was started (the `--duration` phase): its length and rates. */
    readonly fullFleet?: { readonly startSecond: number; readonly seconds: number; readonly sentPerSecond: number; readonly ackedPerSecond: number };
  };
  readonly connectLatencyMs: LatencySummary;
  readonly ackLatencyMs: LatencySummary;
  readonly errors: Readonly<Record<string, number>>;
  readonly errorTotal: number;
  readonly behaviours: { readonly c2dReceived: number; readonly desiredReceived: number; readonly reportedPatched: number; readonly methodsAnswered: number };
  readonly service?: { readonly desiredSent: number; readonly methodCalls: number; readonly methodLatencyMs: LatencySummary; readonly methodFailures: Readonly<Record<string, number>> };
  readonly process: ProcessFigures & { readonly heapPerDeviceBytes: number };
  /** The embedded hub's process (not there for another hub, or in process). */
  readonly hubProcess?: { readonly busyPercent: number; readonly cpuPercent: number; readonly heapBytes: number; readonly rssBytes: number };
  readonly timeline: readonly TimelinePoint[];
}

/** Builds the summary of a finished run. */
export function summarize(result: FleetResult): FleetSummary {
  const { config, metrics } = result;
  const figures = result.process.figures();
  const activeSeconds = Math.max(result.elapsedMs / 1000, 1e-3);
  const service = result.serviceLoad;
  return {
    startedAt: result.startedAt.toISOString(),
    elapsedSeconds: round(activeSeconds, 2),
    hub: result.hubLabel,
    settings: {
      devices: config.devices,
      start: config.start,
      idPattern: config.idPattern,
      transport: config.inProcess ? 'in-process' : config.transport,
      inProcess: config.inProcess,
      connectRate: config.connectRate,
      rate: config.rate,
      qos: config.qos,
      inflight: config.inflight,
      size: config.size,
    },
    devices: {
      target: metrics.target,
      everConnected: metrics.everConnected,
      connectedAtEnd: metrics.connectedAtEnd,
      reconnects: metrics.reconnects,
      rampSeconds: metrics.rampDoneAt === undefined ? null : round(metrics.rampDoneAt / 1000, 2),
    },
    telemetry: {
      sent: metrics.sent,
      acked: metrics.acked,
      unacked: metrics.unackedAtEnd,
      sentPerSecond: round(metrics.sent / activeSeconds, 1),
      ackedPerSecond: round(metrics.acked / activeSeconds, 1),
      inflightWaits: metrics.inflightWaits,
      ...(metrics.fullFleet === undefined || metrics.fullFleet.ms === 0
        ? {}
        : {
            fullFleet: {
              startSecond: round(((metrics.fullFleetSince ?? metrics.t0) - metrics.t0) / 1000, 2),
              seconds: round(metrics.fullFleet.ms / 1000, 2),
              sentPerSecond: round(metrics.fullFleet.sent / (metrics.fullFleet.ms / 1000), 1),
              ackedPerSecond: round(metrics.fullFleet.acked / (metrics.fullFleet.ms / 1000), 1),
            },
          }),
    },
    connectLatencyMs: latency(metrics.connectLatency),
    ackLatencyMs: latency(metrics.ackLatency),
    errors: Object.fromEntries([...metrics.errors].sort((a, b) => b[1] - a[1])),
    errorTotal: metrics.errorCount,
    behaviours: {
      c2dReceived: metrics.c2dReceived,
      desiredReceived: metrics.desiredReceived,
      reportedPatched: metrics.reportedPatched,
      methodsAnswered: metrics.methodsAnswered,
    },
    ...(service === undefined
      ? {}
      : {
          service: {
            desiredSent: service.desiredSent,
            methodCalls: service.methodCalls,
            methodLatencyMs: latency(service.methodLatency),
            methodFailures: Object.fromEntries(service.methodFailures),
          },
        }),
    process: { ...figures, heapPerDeviceBytes: Math.round(figures.heapPeakBytes / Math.max(metrics.target, 1)) },
    ...(result.hubProcess === undefined
      ? {}
      : {
          hubProcess: {
            busyPercent: round(result.hubProcess.busyPercent, 1),
            cpuPercent: round(result.hubProcess.cpuPercent, 1),
            heapBytes: result.hubProcess.heapBytes,
            rssBytes: result.hubProcess.rssBytes,
          },
        }),
    timeline: metrics.timeline,
  };
}

/** The summary as the terminal shows it. */
export function summaryText(summary: FleetSummary): string {
  const lines: string[] = [];
  const row = (name: string, value: string): number => lines.push(`  ${name.padEnd(22)} ${value}`);
  const lat = (l: LatencySummary): string =>
    l.count === 0 ? 'none' : `p50 ${ms(l.p50)}  p95 ${ms(l.p95)}  p99 ${ms(l.p99)}  max ${ms(l.max)}  (${count(l.count)})`;
  lines.push(`hubwire-fleet summary — ${summary.hub}, ${seconds(summary.elapsedSeconds * 1000)}`);
  row('devices', `${count(summary.devices.everConnected)}/${count(summary.devices.target)} connected (${count(summary.devices.connectedAtEnd)} at the end), ${count(summary.devices.reconnects)} reconnects` + (summary.devices.rampSeconds === null ? '' : `, all in ${summary.devices.rampSeconds} s`));
  const unacked = summary.telemetry.unacked === 0 ? '' : `, ${count(summary.telemetry.unacked)} still unacknowledged when the run stopped`;
  row('telemetry', `${count(summary.telemetry.sent)} sent, ${count(summary.telemetry.acked)} acknowledged (QoS ${summary.settings.qos})${unacked}`);
  const full = summary.telemetry.fullFleet;
  const whole = `${rate(summary.telemetry.sentPerSecond)} sent/s, ${rate(summary.telemetry.ackedPerSecond)} acked/s`;
  row('throughput', full === undefined ? whole : `${rate(full.sentPerSecond)} sent/s, ${rate(full.ackedPerSecond)} acked/s in ${full.seconds} s with the whole fleet started; ${whole} over the run`);
  row('connect latency', lat(summary.connectLatencyMs));
  row('ack latency', lat(summary.ackLatencyMs));
  if (summary.service !== undefined) row('method round trip', `${lat(summary.service.methodLatencyMs)}; ${count(summary.service.desiredSent)} desired patches sent`);
  const b = summary.behaviours;
  if (b.c2dReceived + b.desiredReceived + b.methodsAnswered + b.reportedPatched > 0) {
    row('behaviours', `${count(b.desiredReceived)} desired patches, ${count(b.reportedPatched)} reported, ${count(b.methodsAnswered)} methods answered, ${count(b.c2dReceived)} C2D`);
  }
  const errors = Object.entries(summary.errors);
  row('errors', errors.length === 0 ? 'none' : errors.map(([kind, n]) => `${kind} × ${count(n)}`).join(', '));
  const p = summary.process;
  row('fleet process', `heap ${megabytes(p.heapUsedBytes)} (peak ${megabytes(p.heapPeakBytes)}, ${count(p.heapPerDeviceBytes)} B/device), RSS peak ${megabytes(p.rssPeakBytes)}, CPU ${p.cpuUserSeconds.toFixed(1)} s user + ${p.cpuSystemSeconds.toFixed(1)} s system (${p.cpuPercent.toFixed(0)} % of a core), event loop busy ${p.fleetThreadBusyPercent.toFixed(0)} %`);
  const hub = summary.hubProcess;
  if (hub !== undefined) row('embedded hub process', `heap ${megabytes(hub.heapBytes)}, RSS ${megabytes(hub.rssBytes)}, CPU ${hub.cpuPercent.toFixed(0)} % of a core, event loop busy ${hub.busyPercent.toFixed(0)} %`);
  return lines.join('\n');
}

function latency(histogram: LatencyHistogram): LatencySummary {
  return {
    count: histogram.count,
    p50: round(histogram.percentile(50), 3),
    p95: round(histogram.percentile(95), 3),
    p99: round(histogram.percentile(99), 3),
    max: round(histogram.max, 3),
    mean: round(histogram.mean, 3),
    buckets: histogram.buckets(),
  };
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
