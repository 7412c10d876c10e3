/**
 * The packets a client never receives: CONNECT, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, UNSUBSCRIBE,
 * PINGREQ, DISCONNECT (a server's, or QoS 2's, which IoT Hub does not use) and the reserved types
 * 0 and 15. Whichever arrives, the connection ends (session/mqtt-session.ts), so a client has no use
 * for their fields and reads none of them: only the frame is checked, enough to tell a well-framed
 * packet of the wrong kind (`{ cmd: 'other' }`) from broken framing (a DecodeFailure). The frame
 * rules are the reserved types (§2.2.1), the fixed-header flags of each type [MQTT-2.2.2-1] and the
 * remaining length of the types whose length is fixed (PUBREC, PUBREL, PUBCOMP: 2; PINGREQ,
 * DISCONNECT: 0). The decoder already checked that the remaining length is well-formed and present.
 */
import { malformed } from './packets.ts';
import type { DecodeFailure, OtherPacket } from './packets.ts';

/** mqtt-packet's names for the control packet types, index = type (MQTT 3.1.1 table 2.1). */
const TYPE_NAMES: readonly string[] = [
  'reserved', 'connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp',
  'subscribe', 'suback', 'unsubscribe', 'unsuback', 'pingreq', 'pingresp', 'disconnect', 'auth',
];

/** The flags each type's fixed header carries (MQTT 3.1.1 table 2.2): 0010 for PUBREL, SUBSCRIBE, UNSUBSCRIBE. */
const FLAGS: readonly number[] = [0, 0, 0, 0, 0, 0, 2, 0, 2, 0, 2, 0, 0, 0, 0, 0];

/** The remaining length of each type that has a fixed one, else -1 (§3.5.1, §3.6.1, §3.7.1, §3.12.1, §3.14.1). */
const FIXED_LENGTHS: readonly number[] = [-1, -1, -1, -1, -1, 2, 2, 2, -1, -1, -1, -1, 0, -1, 0, -1];

/**
 * Checks the frame of the packet of type 0, 1, 5–8, 10, 12, 14 or 15 whose first byte is `first` and
 * whose variable header spans bytes[body, end): `{ cmd: 'other' }` when it is well-framed, else the failure.
 */
export function checkUnexpected(first: number, body: number, end: number): OtherPacket | DecodeFailure {
  const type = first >>> 4;
  if (type === 0 || type === 15) return malformed(`packet type ${type} is reserved (§2.2.1)`);
  const name = TYPE_NAMES[type] as string;
  const flags = FLAGS[type] as number;
  if ((first & 0x0f) !== flags) {
    return malformed(`${name.toUpperCase()} fixed-header flags must be ${flags === 2 ? '0010' : '0'} [MQTT-2.2.2-1]`);
  }
  const length = FIXED_LENGTHS[type] as number;
  if (length !== -1 && end - body !== length) {
    return malformed(`${name.toUpperCase()} remaining length must be ${length}, got ${end - body}`);
  }
  return { cmd: 'other', type, name };
}
