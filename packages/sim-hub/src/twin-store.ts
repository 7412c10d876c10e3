/**
 * Device and module twins: `desired` and `reported`, each with its own `$version` (docs/protocol.md §9).
 * A patch merges member by member; `null` removes a member; versions only increase.
 */
import { hubErrorBody } from './error-body.ts';

/** A JSON object as stored in a twin section. */
export type JsonObject = { [key: string]: unknown };

/** One twin section: its properties plus `$version`. */
export type TwinSection = JsonObject & { $version: number };

/** A twin as GET returns it: `{"desired":{…,"$version":n},"reported":{…,"$version":n}}`. */
export interface TwinDocument {
  readonly desired: TwinSection;
  readonly reported: TwinSection;
}

/** Deepest nesting IoT Hub accepts in a twin section (docs/protocol.md §9). */
export const MAX_TWIN_DEPTH = 10;
/** Size limit of one twin section in bytes of JSON (docs/protocol.md §9: 32 KB). */
export const MAX_TWIN_SECTION_BYTES = 32_768;

/** True for a plain JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why a patch is refused (answered 400), or undefined when it is acceptable: keys without `.`, `$`, space or controls; depth ≤ 10. */
export function patchProblem(patch: unknown, depth = 1): string | undefined {
  if (!isJsonObject(patch)) return 'a twin patch must be a JSON object';
  if (depth > MAX_TWIN_DEPTH) return `nesting deeper than ${MAX_TWIN_DEPTH}`;
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$version' && depth === 1) continue;
    if (key === '' || /[.$ \u0000-\u001f\u007f-\u009f]/.test(key)) return `property name ${JSON.stringify(key)} is not allowed`;
    if (isJsonObject(value)) {
      const problem = patchProblem(value, depth + 1);
      if (problem !== undefined) return problem;
    }
  }
  return undefined;
}

/** Applies `patch` to `target` in place: objects merge recursively, `null` deletes, anything else replaces. */
export function mergePatch(target: JsonObject, patch: JsonObject): void {
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$version') continue;
    if (value === null) {
      delete target[key];
    } else if (isJsonObject(value)) {
      const current = Object.hasOwn(target, key) ? target[key] : undefined;
      const child: JsonObject = isJsonObject(current) ? current : Object.create(null);
      mergePatch(child, value);
      setOwn(target, key, child);
    } else {
      setOwn(target, key, structuredClone(value));
    }
  }
}

/** Defines an own data property: plain assignment of `__proto__` would swap the prototype instead. */
function setOwn(target: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The hub's answer to a twin request: status, new reported version (after a PATCH), body, and why a 400. */
export interface TwinAnswer {
  readonly status: number;
  readonly version?: number;
  readonly body: string;
  readonly problem?: string;
}

/**
 * A twin as stored: its two property sections, and whatever else the service side keeps on it
 * (tags, …). The state file saves the whole record, so fields added later persist too.
 */
export type TwinRecord = { desired: TwinSection; reported: TwinSection } & JsonObject;

/** Twins by client id (`{d}` or `{d}/{m}`); a twin is created empty, both versions 1, on first use. */
export class TwinStore {
  readonly #twins = new Map<string, TwinRecord>();
  readonly #changed: () => void;
  #faults = { remaining: 0, status: 429 };

  /** `changed` is called after every change worth saving. */
  constructor(changed: () => void = () => undefined) {
    this.#changed = changed;
  }

  /** Fault injection: the next `count` requests answer `status` (429 throttled, 5xx server error) and change nothing. */
  failNext(count: number, status: number): void {
    this.#faults = { remaining: count, status };
  }

  /**
   * Answers a device's GET (200 + twin) or reported PATCH (204 + `$version`, 400 for a bad patch),
   * docs/protocol.md §9; failures carry IoT Hub's JSON error body (error-body.ts). `nowMs` stamps it.
   */
  answer(clientId: string, kind: 'twin-get' | 'twin-patch-reported', body: Uint8Array, nowMs: number = Date.now()): TwinAnswer {
    const failure = (status: number, problem: string): TwinAnswer => ({ status, body: JSON.stringify(hubErrorBody(status, problem, nowMs)), problem });
    if (this.#faults.remaining > 0) {
      this.#faults.remaining--;
      const { status } = this.#faults;
      return failure(status, status === 429 ? 'throttled: too many twin requests, retry later' : `the simulated hub was told to fail this request with ${status}`);
    }
    if (kind === 'twin-get') return { status: 200, body: JSON.stringify(this.snapshot(clientId)) };
    let patch: unknown;
    try {
      patch = JSON.parse(new TextDecoder().decode(body));
    } catch {
      return failure(400, 'the reported patch is not JSON');
    }
    const result = this.patchReported(clientId, patch);
    return 'problem' in result ? failure(400, `reported patch refused: ${result.problem}`) : { status: 204, version: result.version, body: '' };
  }

  /** A deep copy of the twin (so callers cannot change the store by accident). */
  snapshot(clientId: string): TwinDocument {
    const twin = this.#twin(clientId);
    return { desired: plain(twin.desired), reported: plain(twin.reported) };
  }

  /** Merges a reported patch; returns the new reported `$version`, or the reason for a 400. */
  patchReported(clientId: string, patch: unknown): { version: number } | { problem: string } {
    return this.#patch(this.#twin(clientId).reported, patch);
  }

  /** Merges a desired patch (the service side); returns the new desired `$version`, or the reason it is refused. */
  patchDesired(clientId: string, patch: unknown): { version: number } | { problem: string } {
    return this.#patch(this.#twin(clientId).desired, patch);
  }

  #patch(section: TwinSection, patch: unknown): { version: number } | { problem: string } {
    const problem = patchProblem(patch);
    if (problem !== undefined) return { problem };
    const next = plain(section);
    mergePatch(next, patch as JsonObject);
    next.$version = section.$version + 1;
    const bytes = new TextEncoder().encode(JSON.stringify(next)).length;
    if (bytes > MAX_TWIN_SECTION_BYTES) return { problem: `section of ${bytes} bytes exceeds ${MAX_TWIN_SECTION_BYTES}` };
    for (const key of Object.keys(section)) delete section[key];
    Object.assign(section, next);
    this.#changed();
    return { version: next.$version };
  }

  /** Every twin, whole, by client id, for the state file. */
  export(): Record<string, TwinRecord> {
    return Object.fromEntries([...this.#twins].map(([clientId, twin]) => [clientId, plain(twin)]));
  }

  /** Restores twins saved by export(); throws RangeError naming the first one without both sections and their `$version`s. */
  import(twins: Record<string, unknown>): void {
    for (const [clientId, twin] of Object.entries(twins)) {
      const valid = isJsonObject(twin) && [twin['desired'], twin['reported']].every((section) => isJsonObject(section) && Number.isSafeInteger(section['$version']));
      if (!valid) throw new RangeError(`twin of ${clientId} is not {desired:{…,$version}, reported:{…,$version}}`);
      this.#twins.set(clientId, plain(twin) as TwinRecord);
    }
  }

  #twin(clientId: string): TwinRecord {
    let twin = this.#twins.get(clientId);
    if (twin === undefined) {
      twin = { desired: { $version: 1 }, reported: { $version: 1 } };
      this.#twins.set(clientId, twin);
    }
    return twin;
  }
}

/** A deep copy with ordinary prototypes (JSON round trip: twin content is JSON by definition). */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
