/** Largest telemetry message: body + system-property values + application names and values (docs/protocol.md §7). */
export const MAX_MESSAGE_BYTES = 262144;
/** Longest device or module id, in characters (docs/protocol.md §2). */
export const MAX_DEVICE_ID_LENGTH = 128;
/** Longest MQTT topic name, in UTF-8 bytes (MQTT 3.1.1 §1.5.3, two-byte length prefix). */
export const MAX_TOPIC_BYTES = 65535;
/** Largest cloud-to-device message body (docs/protocol.md §8). */
export const MAX_C2D_BYTES = 65536;
/** Largest direct-method payload, each way (docs/protocol.md §10). */
export const MAX_METHOD_PAYLOAD_BYTES = 131072;
/** Largest `properties/desired` or `properties/reported` twin section (docs/protocol.md §9). */
export const MAX_TWIN_SECTION_BYTES = 32768;
/** Largest DPS message (docs/protocol.md §13). */
export const MAX_DPS_MESSAGE_BYTES = 98304;
/** Longest `$rid`, method name, input or output name, in characters (docs/protocol.md §9, §10). */
export const MAX_NAME_LENGTH = 128;
/** Longest DPS registration id, in characters (docs/protocol.md §13). */
export const MAX_REGISTRATION_ID_LENGTH = 128;
/** Largest status a response topic may carry (method statuses are device-chosen integers, docs/protocol.md §10). */
export const MAX_STATUS = 65535;
