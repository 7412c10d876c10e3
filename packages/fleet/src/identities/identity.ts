/**
 * Who a simulated device is and how it proves it. A device either knows its hub (`hostName`,
 * with a key that signs its tokens or a ready token) or registers through DPS first (`dps`),
 * which tells it its hub.
 */

/** A DPS symmetric-key registration to make before the first connect. */
export interface DpsRegistration {
  readonly idScope: string;
  /** The device's own key (derived from `groupKey` at registration when absent). */
  readonly key?: string;
  /** A group enrollment's key. */
  readonly groupKey?: string;
  /** Where DPS listens. */
  readonly host: string;
  readonly port?: number;
}

/** One device's identity. */
export interface DeviceIdentity {
  /** The device id (the registration id, for DPS). */
  readonly deviceId: string;
  /** The hub's host name (user name, `sr`); undefined until DPS assigned one. */
  readonly hostName?: string;
  /** Where the socket goes when it is not `hostName` (a connection string's GatewayHostName). */
  readonly gatewayHostName?: string;
  /** GatewayHostName's port (a local hub off 8883): dialled for TLS and TCP unless `--hub` says otherwise. */
  readonly gatewayPort?: number;
  /** Symmetric key: every connect signs a fresh token. */
  readonly key?: string;
  /** A ready SAS token, used as is. */
  readonly token?: string;
  /** Register through DPS before connecting. */
  readonly dps?: DpsRegistration;
}
