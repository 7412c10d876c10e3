/**
 * The hub-side classifier: every topic a device publishes, as the hub or DPS sees it, as one union on
 * `kind`.
 */
import { requireTopic } from './arguments.ts';
import { parseDpsRequestTopic, type ParsedDpsOperationStatus, type ParsedDpsRegister } from './dps.ts';
import { parseMethodResponseTopic, type ParsedMethodResponse } from './methods.ts';
import { parseTelemetryTopic, type ParsedTelemetry } from './telemetry.ts';
import { UNKNOWN_TOPIC, type MalformedTopic, type UnknownTopic } from './topic-result.ts';
import { parseTwinRequestTopic, type ParsedTwinGet, type ParsedTwinPatchReported } from './twin.ts';

/** Every topic a device publishes, classified as the hub (or DPS) sees it; discriminated on `kind`. */
export type OutboundTopic =
  | ParsedTelemetry
  | ParsedTwinGet
  | ParsedTwinPatchReported
  | ParsedMethodResponse
  | ParsedDpsRegister
  | ParsedDpsOperationStatus
  | MalformedTopic
  | UnknownTopic;

/**
 * Hub side (the simulated hub and DPS): classifies a topic a device published (docs/protocol.md §5, §13).
 * `malformed` for a known family that breaks its rules, `unknown` for anything else, which the real hub
 * answers by closing the connection. Never throws on what the wire brings; a topic that is not a string is
 * the caller's mistake (TopicError `invalid-topic`).
 */
export function parseOutboundTopic(topic: string): OutboundTopic {
  requireTopic(topic);
  const first = topic.charCodeAt(0);
  if (first === 100 /* d */) return parseTelemetryTopic(topic) ?? UNKNOWN_TOPIC;
  if (first === 36 /* $ */) {
    return (
      parseTwinRequestTopic(topic) ?? parseMethodResponseTopic(topic) ?? parseDpsRequestTopic(topic) ?? UNKNOWN_TOPIC
    );
  }
  return UNKNOWN_TOPIC;
}
