/**
 * Which of the four IoT Hub filters (docs/protocol.md §5) the engine wants, has asked for, and holds.
 * Three bit masks over options.ts `Sub`, plus the granted QoS packed two bits per filter: a
 * handful of numbers per engine instead of a Set of strings.
 *
 * - wanted: from the options at construction, plus twin responses on the first twin intent.
 * - pending: in a SUBSCRIBE whose SUBACK has not come; cleared when the connection is lost.
 * - active: granted by a SUBACK; kept across a reconnect only when CONNACK says the session
 *   was resumed (MQTT-3.2.2-2), otherwise cleared so the filters are subscribed again.
 */
import { c2dSubscribeFilter, DESIRED_PATCH_FILTER, METHODS_FILTER, moduleInputsFilter, TWIN_RESPONSE_FILTER } from '@hubwire/topics';
import type { SubscriptionRequest } from '../wire/subscribe.ts';
import { Sub } from './options.ts';

/** The outcome's refusals when there are none: shared, so a SUBACK granting everything allocates no array for them. */
const NO_REFUSALS: readonly { readonly topic: string; readonly returnCode: number }[] = Object.freeze([]);

/** The bits in SUBSCRIBE order. */
const ORDER: readonly number[] = [Sub.Messages, Sub.Methods, Sub.TwinResponses, Sub.DesiredPatches];

/** QoS asked per filter: 1 for C2D and module inputs, 0 for the `$iothub` topics (docs/protocol.md §5 table); never 2. */
function qosOf(bit: number): 0 | 1 {
  return bit === Sub.Messages ? 1 : 0;
}

/** Slot (0–3) of a single bit, for the packed granted QoS. */
function slotOf(bit: number): number {
  return 31 - Math.clz32(bit);
}

/** The filter string of one subscription bit for this identity. */
export function filterOf(bit: number, deviceId: string, moduleId: string | undefined): string {
  switch (bit) {
    case Sub.Messages:
      return moduleId === undefined ? c2dSubscribeFilter(deviceId) : moduleInputsFilter(deviceId, moduleId);
    case Sub.Methods:
      return METHODS_FILTER;
    case Sub.TwinResponses:
      return TWIN_RESPONSE_FILTER;
    default:
      return DESIRED_PATCH_FILTER;
  }
}

/** The outcome of one SUBACK, filter by filter. */
export interface SubackOutcome {
  /** Filters granted, with their QoS, in SUBSCRIBE order. */
  readonly topics: string[];
  readonly granted: number[];
  /** Filters refused (0x80 or any code above 2), with the code. */
  readonly refused: readonly { readonly topic: string; readonly returnCode: number }[];
  /** Bits refused. */
  readonly refusedBits: number;
}

/** Subscription state of one engine. */
export class Subscriptions {
  /** Filters the engine subscribes at every connect. */
  wanted: number;
  /** Filters in a SUBSCRIBE awaiting SUBACK. */
  pending = 0;
  /** Filters granted on the current session. */
  active = 0;
  /** Granted QoS, two bits per filter slot. */
  private grantedQos = 0;

  /** Starts wanting `wanted`. */
  constructor(wanted: number) {
    this.wanted = wanted;
  }

  /** Filters wanted but neither granted nor asked for yet. */
  get missing(): number {
    return this.wanted & ~this.active & ~this.pending;
  }

  /** The granted QoS of `bit`, or undefined when not active. */
  qos(bit: number): number | undefined {
    return (this.active & bit) === 0 ? undefined : (this.grantedQos >>> (2 * slotOf(bit))) & 3;
  }

  /** The SUBSCRIBE entries for `bits`, in order, and marks them pending. */
  request(bits: number, deviceId: string, moduleId: string | undefined): SubscriptionRequest[] {
    const out: SubscriptionRequest[] = [];
    for (const bit of ORDER) {
      if ((bits & bit) !== 0) out.push({ topic: filterOf(bit, deviceId, moduleId), qos: qosOf(bit) });
    }
    this.pending |= bits;
    return out;
  }

  /** Applies a SUBACK for a SUBSCRIBE of `bits`/`topics`; missing return codes count as refusals (MQTT-3.9.3-1). */
  acknowledge(bits: number, topics: readonly string[], returnCodes: readonly number[]): SubackOutcome {
    const granted: string[] = [];
    const codes: number[] = [];
    let refused: { readonly topic: string; readonly returnCode: number }[] | undefined;
    let i = 0;
    let refusedBits = 0;
    for (const bit of ORDER) {
      if ((bits & bit) === 0) continue;
      const topic = topics[i] as string;
      const code = returnCodes[i++] ?? 0x80;
      this.pending &= ~bit;
      if (code <= 2) {
        this.active |= bit;
        const shift = 2 * slotOf(bit);
        this.grantedQos = (this.grantedQos & ~(3 << shift)) | (code << shift);
        granted.push(topic);
        codes.push(code);
      } else {
        refusedBits |= bit;
        (refused ??= []).push({ topic, returnCode: code });
      }
    }
    return { topics: granted, granted: codes, refused: refused ?? NO_REFUSALS, refusedBits };
  }

  /** The connection is gone: nothing is pending any more. */
  connectionLost(): void {
    this.pending = 0;
  }

  /** A new session (CONNACK session-present 0): the hub holds no subscriptions. */
  sessionReset(): void {
    this.active = 0;
    this.grantedQos = 0;
  }
}
