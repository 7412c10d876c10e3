/** What a ProvisioningEngine reports: the session's events and the registration's ending. */
import type {
  ConnectedEvent,
  ConnectFailedEvent,
  ConnectionLostEvent,
  DisconnectedEvent,
  ProtocolErrorEvent,
  SubscribedEvent,
  SubscriptionRefusedEvent,
  TokenExpiringEvent,
} from '../session/events.ts';

/** The device was assigned to a hub (DPS, docs/protocol.md §13). */
export interface AssignedEvent {
  readonly type: 'assigned';
  /** The request id `register` returned. */
  readonly rid: string;
  /** The registration id DPS assigned (the engine's own when the reply omits it). */
  readonly registrationId: string;
  /** The hub to connect to next, e.g. `contoso.azure-devices.net`. */
  readonly assignedHub: string;
  /** The device id to connect as. */
  readonly deviceId: string;
  /** `initialAssignment`, `deviceDataMigrated`, `deviceDataReset` or `reprovisionedToInitialAssignment`. */
  readonly substatus?: string;
  /** The custom allocation payload the service returned, if any. */
  readonly payload?: unknown;
  /** The DPS operation id. */
  readonly operationId?: string;
}

/** Why a DPS registration failed. */
export type RegistrationFailureReason =
  | 'timeout'
  | 'throttled'
  | 'server-error'
  | 'rejected'
  | 'connection-lost'
  | 'closed'
  /**
   * A 2xx reply whose body lacks what its status promises, or a reply on a broken topic (a status that is
   * not a number) naming the request in flight, or naming none while one is in flight.
   */
  | 'malformed-response'
  /** The operation finished with status `failed`. */
  | 'failed'
  /** The enrollment or registration is disabled. */
  | 'disabled';

/** A DPS registration ended without an assignment. */
export interface RegistrationFailedEvent {
  readonly type: 'registration-failed';
  /** The request id `register` returned. */
  readonly rid: string;
  /** How it ended. */
  readonly reason: RegistrationFailureReason;
  /** The response status, when the service answered. */
  readonly status?: number;
  /** The service's 6-digit `errorCode`, when the body had one. */
  readonly errorCode?: number;
  /** The service's error message, when the body had one. */
  readonly message?: string;
  /** Whether registering again can succeed (status ≥ 429, timeouts, lost connections). */
  readonly retriable: boolean;
}

/** Everything a ProvisioningEngine reports. */
export type ProvisioningEvent =
  | ConnectedEvent
  | ConnectFailedEvent
  | SubscribedEvent
  | SubscriptionRefusedEvent
  | AssignedEvent
  | RegistrationFailedEvent
  | TokenExpiringEvent
  | ConnectionLostEvent
  | ProtocolErrorEvent
  | DisconnectedEvent;
