/**
 * `/metrics` in the Prometheus text format (version 0.0.4) while a run goes: gauges for devices,
 * counters for telemetry, errors by kind and reconnects, the two latency histograms (seconds,
 * cumulative `le` buckets) and the process's heap and CPU.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FleetMetrics } from '../metrics/fleet-metrics.ts';
import type { LatencyHistogram } from '../metrics/histogram.ts';
import type { ProcessSampler } from '../metrics/process-sampler.ts';

/** Bucket bounds in seconds: 1, 2 and 5 per decade from 1 ms to 50 s. */
const BOUNDS_S = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50];

/** Renders the metrics as Prometheus text. */
export function prometheusText(metrics: FleetMetrics, sampler: ProcessSampler): string {
  const out: string[] = [];
  const metric = (name: string, type: string, help: string, lines: string[]): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines);
  };
  metric('hubwire_fleet_devices_target', 'gauge', 'Devices the run simulates.', [`hubwire_fleet_devices_target ${metrics.target}`]);
  metric('hubwire_fleet_devices_connected', 'gauge', 'Devices connected now.', [`hubwire_fleet_devices_connected ${metrics.connected}`]);
  metric('hubwire_fleet_devices_connecting', 'gauge', 'Devices opening a connection now (socket, TLS, CONNECT until CONNACK).', [`hubwire_fleet_devices_connecting ${metrics.connecting}`]);
  metric('hubwire_fleet_telemetry_sent_total', 'counter', 'Telemetry messages sent.', [`hubwire_fleet_telemetry_sent_total ${metrics.sent}`]);
  metric('hubwire_fleet_telemetry_acked_total', 'counter', 'QoS 1 telemetry messages acknowledged by the hub.', [`hubwire_fleet_telemetry_acked_total ${metrics.acked}`]);
  metric('hubwire_fleet_telemetry_awaiting_ack', 'gauge', 'QoS 1 telemetry messages sent and not acknowledged yet.', [`hubwire_fleet_telemetry_awaiting_ack ${metrics.awaitingAck}`]);
  metric('hubwire_fleet_reconnects_total', 'counter', 'Connections made again after one was lost.', [`hubwire_fleet_reconnects_total ${metrics.reconnects}`]);
  metric(
    'hubwire_fleet_errors_total',
    'counter',
    'Errors by kind.',
    [...metrics.errors].map(([kind, n]) => `hubwire_fleet_errors_total{kind="${escapeLabel(kind)}"} ${n}`),
  );
  histogram(out, 'hubwire_fleet_connect_latency_seconds', 'From opening the socket to CONNACK.', metrics.connectLatency);
  histogram(out, 'hubwire_fleet_ack_latency_seconds', 'From PUBLISH to PUBACK.', metrics.ackLatency);
  const figures = sampler.figures();
  const memory = sampler.memory;
  metric('hubwire_fleet_process_heap_bytes', 'gauge', 'V8 heap in use.', [`hubwire_fleet_process_heap_bytes ${memory.heapUsed}`]);
  metric('hubwire_fleet_process_rss_bytes', 'gauge', 'Resident set size.', [`hubwire_fleet_process_rss_bytes ${memory.rss}`]);
  metric('hubwire_fleet_process_cpu_seconds_total', 'counter', 'CPU time used since the start.', [
    `hubwire_fleet_process_cpu_seconds_total ${figures.cpuUserSeconds + figures.cpuSystemSeconds}`,
  ]);
  return `${out.join('\n')}\n`;
}

function histogram(out: string[], name: string, help: string, h: LatencyHistogram): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
  for (const bound of BOUNDS_S) out.push(`${name}_bucket{le="${bound}"} ${h.countAtOrBelow(bound * 1000)}`);
  out.push(`${name}_bucket{le="+Inf"} ${h.count}`, `${name}_sum ${h.sum / 1000}`, `${name}_count ${h.count}`);
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A listening metrics endpoint. */
export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Serves `GET /metrics` on `host:port` (0: chosen by the OS); rejects when the port cannot be had. */
export async function serveMetrics(host: string, port: number, metrics: FleetMetrics, sampler: ProcessSampler): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(prometheusText(metrics, sampler));
    } else res.writeHead(404, { 'content-type': 'text/plain' }).end('try /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
