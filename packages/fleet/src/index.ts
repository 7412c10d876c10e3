// @hubwire/fleet: simulate many IoT Hub devices in one process (the `hubwire-fleet` command), as a library.

// Running a fleet
export { runFleet } from './run/fleet.ts';
export type { FleetHooks, FleetResult } from './run/fleet.ts';
export { runCli } from './run-cli.ts';
export { parseFlags } from './config/flags.ts';
export type { FleetConfig, FleetTransport, IdentitySource } from './config/fleet-config.ts';
export { FleetConfigError, FleetConnectError } from './config/config-error.ts';

// Parts a custom fleet can reuse
export { TimerWheel } from './run/timer-wheel.ts';
export type { WheelItem } from './run/timer-wheel.ts';
export { InProcessHub } from './run/in-process-hub.ts';
export type { InProcessHubStats } from './run/in-process-hub.ts';
export { LatencyHistogram } from './metrics/histogram.ts';
export type { HistogramBucket } from './metrics/histogram.ts';
export { FleetMetrics } from './metrics/fleet-metrics.ts';
export type { TimelinePoint } from './metrics/fleet-metrics.ts';

// Results
export { summarize, summaryText } from './output/summary.ts';
export type { FleetSummary, LatencySummary } from './output/summary.ts';
export { htmlReport } from './output/html-report.ts';
export { prometheusText } from './output/prometheus.ts';
