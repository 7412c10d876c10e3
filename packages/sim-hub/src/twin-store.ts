/**
 * Device and module twins: `desired` and `reported`, each with its own `$version` (docs/protocol.md §9),
 * plus the service-only `tags` and the twin `version` that tag and desired writes advance.
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
/** Size limit of the tags in bytes of JSON (docs/protocol.md §9: 8 KB). */
export const MAX_TWIN_TAGS_BYTES = 8_192;

/** The whole twin as the service side sees it: tags, both property sections, and the twin version. */
export interface ServiceTwinDocument extends TwinDocument {
  readonly tags: JsonObject;
  /** Advanced by every tag or desired write (not by reported patches). */
  readonly version: number;
}

/** A service-side twin write: tags and desired, merged as patches or replaced whole. */
export interface ServiceTwinUpdate {
  readonly tags?: unknown;
  readonly desired?: unknown;
  /** Replace the given parts instead of merging into them. */
  readonly replace?: boolean;
}

/**
 * A twin as stored: its two property sections, the service-only tags and the twin version. The
 * state file saves the whole record, so fields added later persist too.
 */
export interface TwinRecord {
  desired: TwinSection;
  reported: TwinSection;
  tags: JsonObject;
  version: number;
}

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

/** Twins by client id (`{d}` or `{d}/{m}`); a twin is created empty, every version 1, on first use. */
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
    const twin = this.#twin(clientId);
    const next = nextSection(twin.reported, patch, false);
    if ('problem' in next) return next;
    twin.reported = next.section;
    this.#changed();
    return { version: next.section.$version };
  }

  /** Merges a desired patch (the service side); returns the new desired `$version`, or the reason it is refused. */
  patchDesired(clientId: string, patch: unknown): { version: number } | { problem: string } {
    const result = this.updateByService(clientId, { desired: patch });
    return 'problem' in result ? result : { version: result.desiredVersion ?? 0 };
  }

  /** The whole twin as the service sees it (a deep copy). */
  serviceDocument(clientId: string): ServiceTwinDocument {
    const twin = this.#twin(clientId);
    return { tags: plain(twin.tags), desired: plain(twin.desired), reported: plain(twin.reported), version: twin.version };
  }

  /**
   * Applies a service-side write of tags and/or desired properties, all or nothing; returns the new
   * twin version and, when desired changed, its new `$version` (the device is to be told), or why it is refused.
   */
  updateByService(clientId: string, update: ServiceTwinUpdate): { version: number; desiredVersion?: number } | { problem: string } {
    const twin = this.#twin(clientId);
    const replace = update.replace === true;
    const desired = update.desired === undefined ? undefined : nextSection(twin.desired, update.desired, replace);
    if (desired !== undefined && 'problem' in desired) return { problem: `desired: ${desired.problem}` };
    const tags = update.tags === undefined ? undefined : nextTags(twin.tags, update.tags, replace);
    if (tags !== undefined && 'problem' in tags) return { problem: `tags: ${tags.problem}` };
    if (desired === undefined && tags === undefined) return { version: twin.version };
    if (desired !== undefined) twin.desired = desired.section;
    if (tags !== undefined) twin.tags = tags.tags;
    twin.version++;
    this.#changed();
    return desired === undefined ? { version: twin.version } : { version: twin.version, desiredVersion: desired.section.$version };
  }

  /** Forgets a twin (its identity was deleted); a later use starts a fresh one. */
  remove(clientId: string): void {
    if (this.#twins.delete(clientId)) this.#changed();
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
      const record = plain(twin) as Partial<TwinRecord> & Pick<TwinRecord, 'desired' | 'reported'>;
      // Twins saved before tags and the twin version existed start them afresh.
      this.#twins.set(clientId, {
        ...record,
        tags: isJsonObject(record.tags) ? record.tags : {},
        version: Number.isSafeInteger(record.version) ? record.version! : 1,
      });
    }
  }

  #twin(clientId: string): TwinRecord {
    let twin = this.#twins.get(clientId);
    if (twin === undefined) {
      twin = { desired: { $version: 1 }, reported: { $version: 1 }, tags: {}, version: 1 };
      this.#twins.set(clientId, twin);
    }
    return twin;
  }
}

/** The section after a patch (or a whole replacement), its `$version` one higher; or why it is refused. */
function nextSection(section: TwinSection, patch: unknown, replace: boolean): { section: TwinSection } | { problem: string } {
  const problem = patchProblem(patch);
  if (problem !== undefined) return { problem };
  const next: TwinSection = replace ? { $version: 0 } : plain(section);
  mergePatch(next, withoutNulls(patch as JsonObject, replace));
  next.$version = section.$version + 1;
  const bytes = jsonBytes(next);
  if (bytes > MAX_TWIN_SECTION_BYTES) return { problem: `section of ${bytes} bytes exceeds ${MAX_TWIN_SECTION_BYTES}` };
  return { section: next };
}

/** The tags after a patch (or a whole replacement), or why it is refused. */
function nextTags(tags: JsonObject, patch: unknown, replace: boolean): { tags: JsonObject } | { problem: string } {
  const problem = patchProblem(patch);
  if (problem !== undefined) return { problem };
  if (Object.hasOwn(patch as JsonObject, '$version')) return { problem: 'tags cannot hold $version' };
  const next: JsonObject = replace ? {} : plain(tags);
  mergePatch(next, withoutNulls(patch as JsonObject, replace));
  const bytes = jsonBytes(next);
  if (bytes > MAX_TWIN_TAGS_BYTES) return { problem: `tags of ${bytes} bytes exceed ${MAX_TWIN_TAGS_BYTES}` };
  return { tags: next };
}

/** A replacement is a document, not a patch: its nulls are values to drop, not members to delete elsewhere. */
function withoutNulls(patch: JsonObject, replace: boolean): JsonObject {
  return replace ? (JSON.parse(JSON.stringify(patch, (_key, value: unknown) => (value === null ? undefined : value))) as JsonObject) : patch;
}

/** Bytes of the value's JSON text. */
function jsonBytes(value: unknown): number {
  return new TextEncoder().encode(JSON.stringify(value)).length;
}

/** A deep copy with ordinary prototypes (JSON round trip: twin content is JSON by definition). */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
