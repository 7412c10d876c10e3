/** Plugs the DPS state machine into an aedes front end: who may connect, which topics, what to answer. */
import type { BrokerService } from './broker.ts';
import { SessionState } from './session-store.ts';
import type { DpsIdentity, DpsService } from './dps.ts';
import { checkDpsPublish, dpsFeedOf } from './rules.ts';

/** What the DPS front end reports back to the hub (counters, log, waiters). */
export interface DpsBrokerHooks {
  /** A readable log line, already prefixed `dps: `. */
  log(line: string): void;
  /** A CONNECT was refused. */
  refused(): void;
  /** A connection broke a rule and is being closed. */
  violated(): void;
  /** Something changed (waiters re-check). */
  changed(): void;
}

/** The BrokerService for DPS: SAS per enrollment, only `$dps/registrations/res/#`, register and poll requests (docs/protocol.md §13). */
export function dpsBrokerService(dps: DpsService, hooks: DpsBrokerHooks): BrokerService<DpsIdentity> {
  return {
    authenticate: async (clientId, userName, password) => {
      const verdict = await dps.authenticate(clientId, userName, password);
      if (!verdict.ok) hooks.refused();
      return verdict;
    },
    // DPS treats every session as clean (docs/protocol.md §13): nothing is kept, nothing resumed.
    openSession: () => ({ state: new SessionState(), present: false }),
    feedOf: (_identity, filter) => dpsFeedOf(filter),
    publish: (session, packet) => {
      const verdict = checkDpsPublish(packet.topic, packet.qos);
      if (!verdict.ok) {
        hooks.violated();
        return verdict.reason;
      }
      const { topic } = verdict;
      if (topic.kind !== 'dps-register' && topic.kind !== 'dps-operation-status') return undefined;
      const reply = topic.kind === 'dps-register'
        ? dps.register(session.identity, topic.rid, packet.payload)
        : dps.poll(session.identity, topic.rid, topic.operationId);
      hooks.log(`dps: ${session.clientId} → ${topic.kind} rid=${topic.rid} ← ${reply.topic} ${reply.body}`);
      // Like the hub, DPS answers only a connection subscribed to its responses.
      const qos = session.grantedQos('dps-response');
      if (qos !== undefined) session.send(reply.topic, new TextEncoder().encode(reply.body), qos);
      hooks.changed();
      return undefined;
    },
    ready: (session) => hooks.log(`dps: ${session.clientId} connected (${session.transport})`),
    subscribed: () => undefined,
    acknowledged: () => undefined,
    ended: (session) => hooks.log(`dps: ${session.clientId} disconnected${session.closeReason === undefined ? '' : `: ${session.closeReason}`}`),
    log: (line) => hooks.log(`dps: ${line}`),
  };
}
