/** What the simulated hub knows, shared by its service-side API (sim-hub.ts) and its device-side front end (hub-broker.ts). */
import { DeviceBoundQueue } from './c2d.ts';
import { MethodCalls } from './methods.ts';
import { DeviceRegistry } from './registry.ts';
import type { HubIdentity } from './rules.ts';
import type { Session } from './session.ts';
import { SessionStore } from './session-store.ts';
import { TelemetryLog } from './telemetry-log.ts';
import { TwinStore } from './twin-store.ts';
import { ConditionWaiters } from './waiters.ts';

/** A hub connection's identity plus what its CONNECT said. */
export interface HubConnection extends HubIdentity {
  /** When the SAS token expires (ms, hub clock); absent for X.509. */
  readonly expiresAt?: number;
  /** `model-id` from the user name. */
  readonly modelId?: string;
}

/** Counters, for tests and the demo. */
export interface SimHubStats {
  /** Hub connections that got CONNACK 0. */
  connectionsAccepted: number;
  /** Hub and DPS CONNECTs refused with a non-zero CONNACK. */
  connectionsRefused: number;
  /** Connections dropped because a newer one connected with the same client id. */
  takeovers: number;
  /** Connections the hub closed for breaking a rule (QoS 2, undocumented topic, another identity's topic, size). */
  ruleViolations: number;
  telemetryReceived: number;
  /** PUBACKs the hub sent for QoS 1 publishes. */
  pubacksSent: number;
  /** PUBACKs devices sent for the hub's QoS 1 publishes. */
  pubacksReceived: number;
  /** SUBSCRIBE packets the hub answered. */
  subscribes: number;
  twinRequests: number;
  c2dCompleted: number;
  dpsAssignments: number;
}

/** The hub's state. */
export interface HubState {
  readonly hostName: string;
  /** Wall clock, ms since the epoch. */
  readonly clock: () => number;
  readonly registry: DeviceRegistry;
  readonly twins: TwinStore;
  readonly methods: MethodCalls;
  readonly deviceBound: DeviceBoundQueue;
  /** MQTT sessions by client id (kept while CleanSession is 0). */
  readonly sessions: SessionStore;
  readonly telemetry: TelemetryLog;
  /** Fault injection: QoS 1 telemetry messages to drop, closing the connection instead of acknowledging them. */
  faults: { telemetryDrops: number };
  /** Conditions re-checked after every event. */
  readonly waiters: ConditionWaiters;
  /** Ready connections by client id. */
  readonly live: Map<string, Session<HubConnection>>;
  readonly stats: SimHubStats;
  /** One readable line for onLog. */
  log(line: string): void;
  /** False when nobody reads the log: hot paths then skip building their lines. */
  readonly logging: boolean;
  /** Something worth saving changed (registry, twins, queues, sessions, enrollments): the state folder is written soon. */
  changed(): void;
}

/** A fresh, empty hub state; `changed` hears of every change worth saving. */
export function createHubState(
  hostName: string,
  clock: () => number,
  maxTelemetryRecords: number,
  log: ((line: string) => void) | undefined,
  changed: () => void,
): HubState {
  const deviceBound = new DeviceBoundQueue(clock, changed, (clientId, packetId) => sessions.get(clientId)?.acknowledge(packetId));
  const sessions = new SessionStore(changed, (clientId) => deviceBound.requeue(clientId));
  return {
    hostName,
    clock,
    registry: new DeviceRegistry(changed),
    twins: new TwinStore(changed),
    methods: new MethodCalls(),
    deviceBound,
    sessions,
    telemetry: new TelemetryLog(maxTelemetryRecords),
    waiters: new ConditionWaiters(),
    live: new Map(),
    faults: { telemetryDrops: 0 },
    stats: {
      connectionsAccepted: 0,
      connectionsRefused: 0,
      takeovers: 0,
      ruleViolations: 0,
      telemetryReceived: 0,
      pubacksSent: 0,
      pubacksReceived: 0,
      subscribes: 0,
      twinRequests: 0,
      c2dCompleted: 0,
      dpsAssignments: 0,
    },
    log: log ?? (() => undefined),
    logging: log !== undefined,
    changed,
  };
}
