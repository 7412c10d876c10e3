/**
 * Plain shapes of the MQTT 3.1.1 packets a device receives. Field names are mqtt-packet's
 * (`cmd`, `messageId`, `granted`, `returnCode`, `sessionPresent`), so the fast decoder's
 * output can be compared field by field with mqtt-packet's parser, its test oracle.
 */

/** An application message from the hub (MQTT 3.1.1 §3.3). */
export interface PublishPacket {
  readonly cmd: 'publish';
  /** Topic name, validated UTF-8 [MQTT-1.5.3-1], never empty nor containing wildcards. */
  readonly topic: string;
  /** Body; a view into the received chunk or into a decoder slab (see `PacketDecoder`). */
  readonly payload: Uint8Array;
  readonly qos: 0 | 1 | 2;
  readonly dup: boolean;
  readonly retain: boolean;
  /** Packet identifier; present only when qos > 0. */
  readonly messageId?: number;
}

/** Acknowledgement of a QoS 1 PUBLISH (§3.4). */
export interface PubackPacket {
  readonly cmd: 'puback';
  readonly messageId: number;
}

/** Answer to SUBSCRIBE (§3.9); one granted QoS (0, 1, 2) or 0x80 failure per filter. */
export interface SubackPacket {
  readonly cmd: 'suback';
  readonly messageId: number;
  readonly granted: number[];
}

/** Answer to UNSUBSCRIBE (§3.11). */
export interface UnsubackPacket {
  readonly cmd: 'unsuback';
  readonly messageId: number;
}

/** Answer to CONNECT (§3.2); `returnCode` 0 means accepted. */
export interface ConnackPacket {
  readonly cmd: 'connack';
  readonly returnCode: number;
  readonly sessionPresent: boolean;
}

/** Answer to PINGREQ (§3.13). */
export interface PingrespPacket {
  readonly cmd: 'pingresp';
}

/** A well-framed packet a device should never receive (CONNECT, PUBREC, SUBSCRIBE, …); its fields are not read. */
export interface OtherPacket {
  readonly cmd: 'other';
  /** MQTT control packet type, the high nibble of the first byte (1–14). */
  readonly type: number;
  /** mqtt-packet's name for the type (`'pubrec'`, `'subscribe'`, …), for diagnostics. */
  readonly name: string;
}

/** Every packet `PacketDecoder.next()` can return. */
export type InboundPacket =
  | PublishPacket
  | PubackPacket
  | SubackPacket
  | UnsubackPacket
  | ConnackPacket
  | PingrespPacket
  | OtherPacket;

/** Why a byte stream cannot be decoded any further; the connection must be closed. */
export interface DecodeFailure {
  readonly cmd: 'error';
  /** `too-large`: header announces more than maxPacketBytes; `bad-remaining-length`: over 4 length bytes. */
  readonly reason: 'too-large' | 'malformed' | 'bad-remaining-length';
  /** Human-readable explanation, citing the MQTT 3.1.1 rule that was broken. */
  readonly detail: string;
}

/** A `malformed` DecodeFailure: the packet's bytes break the MQTT 3.1.1 rule `detail` names. */
export function malformed(detail: string): DecodeFailure {
  return { cmd: 'error', reason: 'malformed', detail };
}
