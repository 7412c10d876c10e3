/**
 * What every device of a fleet shares: the clock, the wheel, the metrics, the configured
 * behaviours, and how streams are opened. One object, so a device holds one reference instead of
 * a dozen.
 */
import type { DeviceEngineOptions, ReconnectBackoffOptions, TelemetryOptions } from '@hubwire/core';
import type { Connector } from '@hubwire/node';
import type { DeviceIdentity } from '../identities/identity.ts';
import type { FleetMetrics } from '../metrics/fleet-metrics.ts';
import type { FleetDevice } from './fleet-device.ts';
import type { TimerWheel } from './timer-wheel.ts';

/** The per-device behaviour of a run. */
export interface DeviceBehaviour {
  /** Telemetry messages per second per device (0: none). */
  readonly rate: number;
  /** 1000 / rate. */
  readonly intervalMs: number;
  /** Stop after this many messages per device. */
  readonly messagesPerDevice?: number;
  readonly qos: 0 | 1;
  /** QoS 1 messages awaiting PUBACK per device before the next one waits. */
  readonly inflight: number;
  /** Answer desired patches with a reported patch (value, ac 200, av version). */
  readonly twinReport: boolean;
  /** SAS token lifetime (s). */
  readonly tokenTtlSeconds: number;
  /** Reconnect back-off. */
  readonly backoff: Partial<Omit<ReconnectBackoffOptions, 'random'>>;
}

/** Shared by all devices of one fleet. */
export interface FleetContext {
  readonly config: DeviceBehaviour;
  readonly metrics: FleetMetrics;
  readonly wheel: TimerWheel<FleetDevice>;
  readonly engineOptions: Omit<DeviceEngineOptions, 'hostName' | 'deviceId'>;
  readonly telemetryOptions: TelemetryOptions;
  /** Monotonic ms. */
  now(): number;
  /** Numbers in [0, 1) for jitter. */
  random(): number;
  /** The body of a device's `seq`th message. */
  payload(device: FleetDevice, seq: number): Uint8Array;
  /** Opens streams for device number `index` to the hub named `hostName` (on `port`, when the identity names one). */
  connectorFor(hostName: string, index: number, port?: number): Connector;
  /** Registers through DPS; resolves with the identity completed by the assignment. */
  provision(identity: DeviceIdentity): Promise<DeviceIdentity>;
  /** A method request arrived: answer it as configured. */
  answerMethod(device: FleetDevice, rid: string): void;
  /** Hooks for the run (first-device checks, logs). */
  onConnected?: ((device: FleetDevice) => void) | undefined;
  onRefused?: ((device: FleetDevice, reason: string, returnCode: number) => void) | undefined;
  onOpenFailed?: ((device: FleetDevice, error: unknown) => void) | undefined;
}
