/**
 * Values the engines send as JSON (a reported patch, a method response, a DPS payload, a PnP
 * acknowledgement), checked before they are serialised: `JSON.stringify` quietly changes what it
 * cannot carry — NaN and ±Infinity become `null` (which deletes a reported property), `undefined` in
 * an array becomes `null`, a Date becomes a string, a typed array an object of indexes, a Map or Set
 * `{}`, functions and symbols vanish — and throws a bare TypeError on a BigInt or a cycle. Here every
 * such value is refused with InvalidIntentError (`invalid-body`) naming where it sits, so what the hub
 * receives is exactly what the application meant. A lone surrogate is refused too: it has no UTF-8 form.
 */
import { describe, InvalidIntentError } from './errors.ts';
import { utf8 } from './json.ts';
import { isWellFormed } from './well-formed.ts';

/** Deeper than this is surely a mistake (IoT Hub allows 10 levels in a twin, docs/protocol.md §9). */
const MAX_DEPTH = 64;

const objectPrototype: object = Object.prototype;

/** The reason `value` (at `path`) cannot be sent as JSON faithfully, or undefined when it can. */
function refusal(value: unknown, path: string, ancestors: object[]): string | undefined {
  switch (typeof value) {
    case 'string':
      return !isWellFormed(value) ? `${path} holds a lone surrogate, which has no UTF-8 form` : undefined;
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${path} is ${value}, which JSON cannot carry (it would become null)`;
    case 'object':
      break;
    default:
      return `${path} is ${describe(value)}, which JSON cannot carry`;
  }
  if (value === null) return undefined;
  if (ancestors.includes(value)) return `${path} refers back to an enclosing object (a cycle)`;
  if (ancestors.length >= MAX_DEPTH) return `${path} is nested deeper than ${MAX_DEPTH} levels`;
  if (Array.isArray(value)) {
    ancestors.push(value);
    for (let i = 0; i < value.length; i++) {
      if (!(i in value) || value[i] === undefined) return `${path}[${i}] is empty or undefined (it would become null)`;
      const inner = refusal(value[i], `${path}[${i}]`, ancestors);
      if (inner !== undefined) return inner;
    }
    ancestors.pop();
    return undefined;
  }
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto !== objectPrototype && proto !== null) {
    return `${path} is ${describe(value)}; only plain objects, arrays, strings, finite numbers, booleans and null are JSON`;
  }
  if (Object.getOwnPropertySymbols(value).length > 0) return `${path} has symbol keys, which JSON drops`;
  ancestors.push(value);
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!isWellFormed(key)) return `${path} has a key with a lone surrogate`;
    const member = record[key];
    // An undefined member is how JavaScript says "absent": JSON leaves it out, as meant.
    if (member === undefined) continue;
    const inner = refusal(member, `${path}.${key}`, ancestors);
    if (inner !== undefined) return inner;
  }
  ancestors.pop();
  return undefined;
}

/** Throws InvalidIntentError `invalid-body` unless `value` is JSON that survives a round trip unchanged; `what` names it. */
export function checkJsonValue(value: unknown, what: string): void {
  const reason = refusal(value, what, []);
  if (reason !== undefined) throw new InvalidIntentError('invalid-body', reason);
}

/** `value` checked (see checkJsonValue) and serialised as UTF-8 JSON. */
export function jsonBytes(value: unknown, what: string): Uint8Array {
  checkJsonValue(value, what);
  return utf8(JSON.stringify(value));
}
