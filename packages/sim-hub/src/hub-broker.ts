/**
 * The hub's device-facing side, plugged into aedes: CONNECT checks (hub-auth.ts), topic rules
 * (rules.ts), and what each accepted PUBLISH means: telemetry is recorded, twin requests answered,
 * method responses matched to their calls (docs/protocol.md §5–§10).
 */
import { twinResponseTopic } from '@hubwire/topics';
import type { AuthVerdict, BrokerService, InboundPublish } from './broker.ts';
import { authenticateHubConnect } from './hub-auth.ts';
import type { HubConnection, HubState } from './hub-state.ts';
import { describeProperties, preview } from './log-format.ts';
import { checkHubPublish, hubFeedOf } from './rules.ts';
import type { Session } from './session.ts';
import type { TelemetryRecord } from './telemetry-log.ts';

const MAX_TIMER_MS = 2 ** 31 - 1;

/** Writes the device-bound messages waiting for `session` (C2D or module inputs) that it is subscribed for. */
export function pumpDeviceBound(state: HubState, session: Session<HubConnection>): void {
  const sent = state.deviceBound.pump(session);
  if (sent > 0) state.log(`hub: ${session.clientId} ← ${sent} device-bound message(s)`);
}

/** A resumed session gets its unacknowledged QoS 1 publishes again, DUP=1, same packet ids, in order [MQTT-4.4.0-1]. */
function resendUnacknowledged(state: HubState, session: Session<HubConnection>): void {
  let sent = 0;
  for (const publish of session.state.outbound.values()) {
    if (!session.resend(publish)) break;
    state.deviceBound.redelivered(session.clientId, publish.packetId);
    sent++;
  }
  if (sent > 0) state.log(`hub: ${session.clientId} ← ${sent} unacknowledged publish(es) again with DUP`);
}

/** Closes the connection when its SAS token expires by the hub clock (docs/protocol.md §4); returns a cancel function. */
function armExpiry(state: HubState, session: Session<HubConnection>): () => void {
  const expiresAt = session.identity.expiresAt;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    if (expiresAt === undefined) return;
    const delay = Math.min(Math.max(0, expiresAt - state.clock()), MAX_TIMER_MS);
    timer = setTimeout(() => {
      if (session.ended) return;
      // Timers may fire a little early by the wall clock, and a fake clock may not have moved: check, else re-arm.
      if (expiresAt <= state.clock()) session.close('SAS token expired');
      else if (delay > 0) arm();
    }, delay);
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}

/** The BrokerService for the hub. */
export function hubBrokerService(state: HubState): BrokerService<HubConnection> {
  const cancelExpiry = new Map<Session<HubConnection>, () => void>();
  return {
    authenticate: async (clientId, userName, password): Promise<AuthVerdict<HubConnection>> => {
      const verdict = await authenticateHubConnect({
        clientId,
        userName,
        password,
        hostName: state.hostName,
        registry: state.registry,
        nowSeconds: Math.floor(state.clock() / 1000),
      });
      if (!verdict.ok) {
        state.stats.connectionsRefused++;
        return verdict;
      }
      const previous = state.live.get(clientId);
      if (previous !== undefined) {
        // aedes closes the older connection [MQTT-3.1.4-2]; IoT Hub logs 400027. The session passes to the new one.
        previous.closeReason ??= 'superseded by a new connection with the same client id (400027 ConnectionForcefullyClosedOnNewConnection)';
        previous.superseded = true;
        state.stats.takeovers++;
      }
      const { identity } = verdict;
      return {
        ok: true,
        identity: {
          deviceId: identity.deviceId,
          ...(identity.moduleId === undefined ? {} : { moduleId: identity.moduleId }),
          ...(verdict.expiresAt === undefined ? {} : { expiresAt: verdict.expiresAt }),
          ...(verdict.modelId === undefined ? {} : { modelId: verdict.modelId }),
        },
      };
    },
    openSession: (clientId, cleanSession) => state.sessions.open(clientId, cleanSession),
    feedOf: (identity, filter) => hubFeedOf(identity, filter),
    publish: (session, packet) => handlePublish(state, session, packet),
    ready: (session) => {
      state.live.set(session.clientId, session);
      state.stats.connectionsAccepted++;
      cancelExpiry.set(session, armExpiry(state, session));
      const expires = session.identity.expiresAt === undefined ? 'x509' : `SAS until ${new Date(session.identity.expiresAt).toISOString()}`;
      const restored = session.resumed ? `, session resumed with ${[...session.subscriptions.keys()].join(' ') || 'no subscriptions'}` : '';
      state.log(`hub: ${session.clientId} connected (${session.transport}, clean=${session.cleanSession}, ${expires}${restored})`);
      if (session.resumed) resendUnacknowledged(state, session);
      pumpDeviceBound(state, session);
      state.waiters.notify();
    },
    subscribed: (session) => {
      state.stats.subscribes++;
      state.log(`hub: ${session.clientId} subscriptions: ${[...session.subscriptions.keys()].join(', ')}`);
      pumpDeviceBound(state, session);
      state.waiters.notify();
    },
    acknowledged: (session, packetId) => {
      state.stats.pubacksReceived++;
      if (state.deviceBound.acknowledged(session.clientId, packetId) !== undefined) state.stats.c2dCompleted++;
      state.waiters.notify();
    },
    ended: (session) => {
      if (state.live.get(session.clientId) === session) state.live.delete(session.clientId);
      cancelExpiry.get(session)?.();
      cancelExpiry.delete(session);
      const unacknowledged = session.state.outbound.size;
      if (!session.superseded) state.sessions.connectionEnded(session.clientId, session.state);
      const why = session.closeReason === undefined ? '' : `: ${session.closeReason}`;
      const kept = session.cleanSession ? 'session discarded' : 'session kept';
      state.log(`hub: ${session.clientId} disconnected${why} (${kept}${unacknowledged > 0 ? `, ${unacknowledged} unacknowledged publish(es)` : ''})`);
      state.waiters.notify();
    },
    log: (line) => state.log(`hub: ${line}`),
  };
}

/** Handles one device PUBLISH; returns a reason to close the connection. */
function handlePublish(state: HubState, session: Session<HubConnection>, packet: InboundPublish): string | undefined {
  const verdict = checkHubPublish(session.identity, packet.topic, packet.qos, packet.payload.length);
  if (!verdict.ok) {
    state.stats.ruleViolations++;
    return verdict.reason;
  }
  const { topic } = verdict;
  if (topic.kind === 'telemetry' && packet.qos === 1 && !packet.will && state.faults.telemetryDrops > 0) {
    state.faults.telemetryDrops--;
    return 'telemetry dropped before its PUBACK (fault injection)';
  }
  if (packet.qos === 1 && !packet.will) state.stats.pubacksSent++;
  switch (topic.kind) {
    case 'telemetry':
      recordTelemetry(state, session, packet, topic.properties);
      break;
    case 'twin-get':
    case 'twin-patch-reported':
      answerTwin(state, session, topic.kind, topic.rid, packet.payload);
      break;
    case 'method-response': {
      const matched = state.methods.complete(session.clientId, topic.rid, topic.status, packet.payload);
      state.log(`hub: ${session.clientId} → method response ${topic.status} rid=${topic.rid} ${preview(packet.payload)}${matched ? '' : ' (no call waiting: dropped)'}`);
      break;
    }
    default:
      break;
  }
  state.waiters.notify();
  return undefined;
}

/** Records telemetry; a Will gets `iothub-MessageType: Will`, RETAIN `mqtt-retain: true` (docs/protocol.md §2, §7). */
function recordTelemetry(state: HubState, session: Session<HubConnection>, packet: InboundPublish, decoded: TelemetryRecord['properties']): void {
  let properties = decoded;
  if (packet.will || packet.retain) {
    const application: Record<string, string | null> = Object.create(null);
    Object.assign(application, decoded.application);
    if (packet.will) application['iothub-MessageType'] = 'Will';
    if (packet.retain) application['mqtt-retain'] = 'true';
    properties = { ...decoded, application };
  }
  state.stats.telemetryReceived++;
  state.telemetry.record({
    deviceId: session.identity.deviceId,
    ...(session.identity.moduleId === undefined ? {} : { moduleId: session.identity.moduleId }),
    topic: packet.topic,
    body: Uint8Array.from(packet.payload),
    text: new TextDecoder().decode(packet.payload),
    properties,
    qos: packet.qos,
    dup: packet.dup,
    retain: packet.retain,
    will: packet.will,
    receivedAt: state.clock(),
  });
  if (!state.logging) return;
  const flags = `${packet.dup ? ' dup' : ''}${packet.retain ? ' retain' : ''}${packet.will ? ' (Will)' : ''}`;
  state.log(`hub: ${session.clientId} → telemetry qos${packet.qos}${flags} ${preview(packet.payload)}${describeProperties(properties)}`);
}

/** Answers a twin GET or reported PATCH, only to a connection subscribed to twin responses (docs/protocol.md §9). */
function answerTwin(state: HubState, session: Session<HubConnection>, kind: 'twin-get' | 'twin-patch-reported', rid: string, body: Uint8Array): void {
  state.stats.twinRequests++;
  const answer = state.twins.answer(session.clientId, kind, body, state.clock());
  const request = kind === 'twin-get' ? 'twin GET' : `reported patch ${preview(body)}`;
  const outcome = `${answer.status}${answer.version === undefined ? '' : ` $version=${answer.version}`}${answer.problem === undefined ? '' : ` (${answer.problem})`}`;
  const qos = session.grantedQos('twin-response');
  if (qos === undefined) {
    state.log(`hub: ${session.clientId} → ${request} rid=${rid}: answer ${outcome} dropped (not subscribed to $iothub/twin/res/#)`);
    return;
  }
  session.send(twinResponseTopic(answer.status, rid, answer.version), new TextEncoder().encode(answer.body), qos);
  state.log(`hub: ${session.clientId} → ${request} rid=${rid} ← ${outcome}`);
}
