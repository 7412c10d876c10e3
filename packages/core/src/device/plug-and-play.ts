/**
 * IoT Plug and Play conventions for twin patches (docs/protocol.md §11): component wrappers with the
 * `"__t": "c"` marker, and writable-property acknowledgements (`value`, `ac`, `av`, `ad`).
 * Component telemetry needs no helper: pass `component` to `publishTelemetry` (it becomes `$.sub`).
 */
import { isValidComponentName } from '@hubwire/topics';
import { describe, InvalidIntentError, isRecord } from '../shared/errors.ts';
import { checkJsonValue } from '../shared/json-value.ts';

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

/** Whether `value`'s prototype is Object.prototype or null (a record, not a class instance). */
function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === Object.prototype || proto === null;
}

/** The component marker every component object in a reported patch carries. */
export const COMPONENT_MARKER = '__t';

/** Throws InvalidIntentError `invalid-component` unless `component` is undefined or a DTDL component name. */
function checkComponent(component: unknown): void {
  if (component !== undefined && !isValidComponentName(component)) {
    throw new InvalidIntentError('invalid-component', `component ${describe(component)} is not a DTDL name (docs/protocol.md §11)`);
  }
}

/**
 * Wraps `properties` for a component: `{ [component]: { "__t": "c", ...properties } }`; without a
 * component, returns a copy of `properties` (the default component needs no wrapper). Throws
 * InvalidIntentError `invalid-component` for a component that is not a DTDL name, `invalid-body` when
 * `properties` is not a plain object.
 */
export function componentPatch(
  component: string | undefined,
  properties: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  checkComponent(component);
  if (!isRecord(properties) || !isPlain(properties)) {
    throw new InvalidIntentError('invalid-body', `component properties must be a plain object, got ${describe(properties)}`);
  }
  if (component === undefined) return { ...properties };
  return { [component]: { [COMPONENT_MARKER]: 'c', ...properties } };
}

/**
 * A reported patch acknowledging writable property `name`: `{ name: { value, ac, av, ad? } }`,
 * inside the component wrapper when `component` is given. Throws InvalidIntentError `invalid-body` for
 * a name that is not a non-empty string, an `ack` that is not an object, `ac`/`av` that are not
 * integers, an `ad` that is not a string or a `value` JSON cannot carry faithfully; `invalid-component`.
 */
export function writablePropertyAck(
  name: string,
  ack: WritablePropertyAck,
  component?: string,
): Record<string, unknown> {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidIntentError('invalid-body', `a writable property name must be a non-empty string, got ${describe(name)}`);
  }
  if (!isRecord(ack)) throw new InvalidIntentError('invalid-body', `ack must be an object { value, ac, av, ad? }, got ${describe(ack)}`);
  if (!Number.isInteger(ack.ac) || !Number.isInteger(ack.av)) {
    throw new InvalidIntentError('invalid-body', `ac and av must be integers, got ac=${describe(ack.ac)} av=${describe(ack.av)}`);
  }
  if (ack.ad !== undefined && typeof ack.ad !== 'string') throw new InvalidIntentError('invalid-body', `ad must be a string, got ${describe(ack.ad)}`);
  checkJsonValue(ack.value, `${name}.value`);
  checkComponent(component);
  const body: Record<string, unknown> = { value: ack.value, ac: ack.ac, av: ack.av };
  if (ack.ad !== undefined) body['ad'] = ack.ad;
  return componentPatch(component, { [name]: body });
}
