/**
 * IoT Plug and Play conventions for twin patches (docs/protocol.md §11): component wrappers with the
 * `"__t": "c"` marker, and writable-property acknowledgements (`value`, `ac`, `av`, `ad`).
 * Component telemetry needs no helper: pass `component` to `publishTelemetry` (it becomes `$.sub`).
 */
import { InvalidIntentError } from '../shared/errors.ts';

/** A writable-property acknowledgement; `ac` is an HTTP-like code (docs/protocol.md §11 table). */
export interface WritablePropertyAck {
  /** The value now in use (the desired value when accepted). */
  readonly value: unknown;
  /** 200 accepted, 202 in progress, 203 set by the device, 400 rejected, 500 failed. */
  readonly ac: number;
  /** The desired `$version` this answers (0 for `ac` 203). */
  readonly av: number;
  /** Optional description. */
  readonly ad?: string;
}

/** The component marker every component object in a reported patch carries. */
export const COMPONENT_MARKER = '__t';

/**
 * Wraps `properties` for a component: `{ [component]: { "__t": "c", ...properties } }`; without a
 * component, returns `properties` unchanged (the default component needs no wrapper).
 */
export function componentPatch(
  component: string | undefined,
  properties: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  if (component === undefined) return { ...properties };
  return { [component]: { [COMPONENT_MARKER]: 'c', ...properties } };
}

/**
 * A reported patch acknowledging writable property `name`: `{ name: { value, ac, av, ad? } }`,
 * inside the component wrapper when `component` is given. Throws InvalidIntentError when `ac`/`av` are not integers.
 */
export function writablePropertyAck(
  name: string,
  ack: WritablePropertyAck,
  component?: string,
): Record<string, unknown> {
  if (!Number.isInteger(ack.ac) || !Number.isInteger(ack.av)) {
    throw new InvalidIntentError('invalid-body', `ac and av must be integers, got ac=${String(ack.ac)} av=${String(ack.av)}`);
  }
  const body: Record<string, unknown> = { value: ack.value, ac: ack.ac, av: ack.av };
  if (ack.ad !== undefined) body['ad'] = ack.ad;
  return componentPatch(component, { [name]: body });
}
