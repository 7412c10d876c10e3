/**
 * aedes wired as a service front end (the hub, or DPS): aedes keeps the MQTT session rules
 * (CONNECT/CONNACK, keep-alive, PINGRESP, SUBACK, PUBACK, takeover of a client id [MQTT-3.1.4-2],
 * Will); the service decides who may connect, which filters are allowed and what a PUBLISH means,
 * and keeps the sessions themselves (subscriptions, unacknowledged publishes, session present):
 * aedes only ever sees clean sessions (wire-tap.ts).
 */
import { Aedes, type AuthenticateError, type Client, type PublishPacket } from 'aedes';
import { Session } from './session.ts';
import { MAX_SUBSCRIPTIONS, type Feed } from './rules.ts';
import type { OpenedSession } from './session-store.ts';
import type { TappedConnection } from './wire-tap.ts';

/** A CONNECT decision: the identity, or the CONNACK code and reason of a refusal. */
export type AuthVerdict<I> =
  | { readonly ok: true; readonly identity: I }
  | { readonly ok: false; readonly returnCode: 2 | 3 | 4 | 5; readonly reason: string };

/** An accepted device PUBLISH, as the service sees it. */
export interface InboundPublish {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: 0 | 1;
  readonly dup: boolean;
  readonly retain: boolean;
  /** True when aedes publishes the connection's Will (socket closed without DISCONNECT). */
  readonly will: boolean;
}

/** What the service plugs into the broker. */
export interface BrokerService<I> {
  /** Checks a CONNECT. */
  authenticate(clientId: string, userName: string | undefined, password: Uint8Array | undefined): Promise<AuthVerdict<I>>;
  /** Opens the MQTT session of an accepted CONNECT (resumed for CleanSession 0 when one is kept). */
  openSession(clientId: string, cleanSession: boolean): OpenedSession;
  /** The feed a filter subscribes to, or undefined to refuse it (SUBACK 0x80). */
  feedOf(identity: I, filter: string): Feed | undefined;
  /** Handles a PUBLISH; returns a reason to close the connection instead. Runs before aedes sends PUBACK. */
  publish(session: Session<I>, packet: InboundPublish): string | undefined;
  /** CONNACK 0 went out. */
  ready(session: Session<I>): void;
  /** The device subscribed (SUBACK written). */
  subscribed(session: Session<I>): void;
  /** The device sent PUBACK for one of the service's QoS 1 publishes. */
  acknowledged(session: Session<I>, messageId: number): void;
  /** The connection is gone. */
  ended(session: Session<I>): void;
  /** A readable line about a connection (refusals, rule breaks, errors). */
  log(line: string): void;
}

/** A running broker: feed it connections, close it. */
export interface ServiceBroker<I> {
  /** Hands an accepted connection to aedes. */
  handle(connection: TappedConnection): void;
  /** Closes every client and the broker; safe to call twice. */
  close(): Promise<void>;
}

/** Starts an aedes instance driven by `service`. */
export async function createServiceBroker<I>(service: BrokerService<I>): Promise<ServiceBroker<I>> {
  const sessions = new Map<Client, Session<I>>();
  // Kept past the end of a session: aedes publishes the Will after the socket has closed.
  const everySession = new WeakMap<Client, Session<I>>();

  const end = (client: Client): void => {
    const session = sessions.get(client);
    if (session === undefined || session.ended) return;
    session.ended = true;
    sessions.delete(client);
    service.ended(session);
  };

  const aedes = await Aedes.createBroker({
    // IoT Hub client ids are `{d}/{m}` of up to 257 characters; the 23 limit is MQTT 3.1 only.
    maxClientsIdLength: 65535,
    authenticate: (client, userName, password, done) => {
      const connection = client.conn as TappedConnection;
      service.authenticate(client.id, userName ?? undefined, password ?? undefined).then(
        (verdict) => {
          if (!verdict.ok) {
            service.log(`${client.id}: CONNECT refused with CONNACK ${verdict.returnCode}: ${verdict.reason}`);
            done(Object.assign(new Error(verdict.reason), { returnCode: verdict.returnCode }) as unknown as AuthenticateError, null);
            return;
          }
          // aedes drops a client that closed while its CONNECT was being checked; so do we.
          if (connection.destroyed) return done(null, false);
          const opened = service.openSession(client.id, connection.cleanSession);
          connection.sessionPresent = opened.present;
          const session = new Session<I>(client, connection, verdict.identity, opened);
          sessions.set(client, session);
          everySession.set(client, session);
          connection.onPuback = (messageId) => {
            if (session.acknowledge(messageId)) service.acknowledged(session, messageId);
          };
          connection.once('close', () => end(client));
          done(null, true);
        },
        (error: unknown) => {
          service.log(`${client.id}: CONNECT check failed (${String(error)}); CONNACK 3`);
          done(Object.assign(new Error(String(error)), { returnCode: 3 }) as unknown as AuthenticateError, null);
        },
      );
    },
    authorizeSubscribe: (client, subscription, done) => {
      const session = sessions.get(client);
      const feed = session === undefined ? undefined : service.feedOf(session.identity, subscription.topic);
      const known = session?.subscriptions.has(subscription.topic) === true;
      if (session === undefined || feed === undefined || (!known && session.subscriptions.size >= MAX_SUBSCRIPTIONS)) {
        if (session !== undefined) service.log(`${session.clientId}: SUBSCRIBE ${subscription.topic} refused (0x80)`);
        done(null, null);
        return;
      }
      // The wire tap already turned a QoS 2 request into 1 (docs/protocol.md §5).
      session.state.subscribe(subscription.topic, { feed, qos: subscription.qos === 0 ? 0 : 1 });
      done(null, subscription);
    },
    authorizePublish: (client, packet: PublishPacket, done) => {
      const session = client === null ? undefined : everySession.get(client);
      if (client === null || session === undefined) {
        done(new Error('publish without an authenticated session'));
        return;
      }
      const will = client.closed;
      const reason = service.publish(session, {
        topic: packet.topic,
        payload: packet.payload as Uint8Array,
        qos: packet.qos as 0 | 1,
        dup: packet.dup,
        retain: packet.retain,
        will,
      });
      if (reason !== undefined) {
        service.log(`${session.clientId}: connection closed: ${reason}`);
        session.closeReason ??= reason;
        done(new Error(reason));
        return;
      }
      // RETAIN is not stored by IoT Hub (docs/protocol.md §7): clear it before aedes' retained store sees it.
      packet.retain = false;
      done(null);
    },
    // Device-bound traffic is written per session; aedes must never route one device's publish to another.
    authorizeForward: () => null,
  });

  aedes.on('clientReady', (client) => {
    const session = sessions.get(client);
    if (session === undefined) return;
    session.ready = true;
    service.ready(session);
  });
  aedes.on('subscribe', (_subscriptions, client) => {
    const session = sessions.get(client);
    if (session !== undefined && session.ready) service.subscribed(session);
  });
  aedes.on('unsubscribe', (filters, client) => {
    const session = sessions.get(client);
    if (session === undefined || client.closed) return;
    for (const filter of filters) session.state.unsubscribe(filter);
  });
  aedes.on('clientDisconnect', (client) => end(client));
  aedes.on('clientError', (client, error) => {
    const session = sessions.get(client);
    if (session !== undefined && session.closeReason === undefined) service.log(`${client.id}: connection error: ${error.message}`);
  });

  let closing: Promise<void> | undefined;
  return {
    handle: (connection) => {
      aedes.handle(connection);
    },
    close: () => (closing ??= new Promise<void>((resolve) => aedes.close(() => resolve()))),
  };
}
