/**
 * The device-side classifier: every topic a device or module can receive, as one union on `kind`.
 */
import { requireTopic } from './arguments.ts';
import { parseC2dTopic, type ParsedC2d } from './c2d.ts';
import { parseDpsResponseTopic, type ParsedDpsResponse } from './dps.ts';
import { parseMethodRequestTopic, type ParsedMethodRequest } from './methods.ts';
import { parseModuleInputTopic, type ParsedModuleInput } from './module-input.ts';
import { UNKNOWN_TOPIC, type MalformedTopic, type UnknownTopic } from './topic-result.ts';
import { parseTwinTopic, type ParsedDesiredPatch, type ParsedTwinResponse } from './twin.ts';

/** Every topic a device (or module) can receive, classified; discriminated on `kind`. */
export type InboundTopic =
  | ParsedC2d
  | ParsedModuleInput
  | ParsedTwinResponse
  | ParsedDesiredPatch
  | ParsedMethodRequest
  | ParsedDpsResponse
  | MalformedTopic
  | UnknownTopic;

/**
 * Device side: classifies a received PUBLISH topic (docs/protocol.md §5, §13). `malformed` for a known family that
 * breaks its rules, `unknown` for anything else. On the decode hot path: dispatches on the first character,
 * then each family checks its own prefix. Never throws on what the wire brings; a topic that is not a string
 * is the caller's mistake (TopicError `invalid-topic`).
 */
export function parseInboundTopic(topic: string): InboundTopic {
  requireTopic(topic);
  const first = topic.charCodeAt(0);
  if (first === 100 /* d */) {
    return parseC2dTopic(topic) ?? parseModuleInputTopic(topic) ?? UNKNOWN_TOPIC;
  }
  if (first === 36 /* $ */) {
    // One character tells the families apart; a prefix that does not match costs a scan of the whole topic.
    const second = topic.charCodeAt(1);
    if (second === 105 /* i: $iothub/ */) {
      const family = topic.charCodeAt(8);
      if (family === 116 /* t: $iothub/twin/ */) return parseTwinTopic(topic) ?? UNKNOWN_TOPIC;
      if (family === 109 /* m: $iothub/methods/ */) return parseMethodRequestTopic(topic) ?? UNKNOWN_TOPIC;
      return UNKNOWN_TOPIC;
    }
    if (second === 100 /* d: $dps/ */) return parseDpsResponseTopic(topic) ?? UNKNOWN_TOPIC;
  }
  return UNKNOWN_TOPIC;
}
