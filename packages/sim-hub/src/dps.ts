/**
 * The simulated Device Provisioning Service (docs/protocol.md §13), on its own aedes instance and
 * listeners with its own id scope. A registration answers 202 + `retry-after` + operationId, the
 * first `pollsBeforeAssigned` operation-status polls 202 again, the next one 200 `assigned`; on
 * assignment the device is registered on the hub with the key it authenticated with.
 *
 * CONNACK mapping: 4 for a user name that is not `{idScope}/registrations/{id}/api-version=…`, another
 * scope, or a missing/unparsable password; 2 for a client id that is not the registration id, or a
 * registration id no enrollment covers; 5 for a wrong signature, wrong `sr`, `skn` other than
 * `registration`, or an expired token.
 */
import { deriveGroupKey, dpsResourceUri, verifySasToken } from '@hubwire/sas';
import { dpsResponseTopic, isValidRegistrationId } from '@hubwire/topics';
import type { AuthVerdict } from './broker.ts';
import { generateKey } from './registry.ts';

/** An individual enrollment: one registration id, its own key (or X.509). */
export interface IndividualEnrollmentSpec {
  readonly registrationId: string;
  /** Base64 key; generated when absent (ignored for X.509). */
  readonly key?: string;
  /** Base64 second key, accepted like `key`; generated when absent (ignored for X.509). */
  readonly secondaryKey?: string;
  readonly x509?: boolean;
  /** Device id to assign (default: the registration id). */
  readonly deviceId?: string;
  /** Returned as `registrationState.payload` (what a custom allocation policy would send back). */
  readonly payload?: unknown;
}

/** A symmetric-key group enrollment: any registration id whose key is deriveGroupKey(key, id). */
export interface GroupEnrollmentSpec {
  /** The group's name (generated when absent); adding a group with a known id replaces it. */
  readonly enrollmentGroupId?: string;
  /** Base64 group key; generated when absent. */
  readonly key?: string;
  /** Base64 second group key, accepted like `key`; generated when absent. */
  readonly secondaryKey?: string;
  readonly payload?: unknown;
}

/** An enrollment as stored: individual (by registration id) or a symmetric-key group (by group id). */
export interface Enrollment {
  readonly kind: 'individual' | 'group';
  /** Registration id of an individual enrollment, enrollment group id of a group. */
  readonly id: string;
  /** Base64 key (the group key for a group); absent for X.509. */
  readonly key?: string;
  readonly secondaryKey?: string;
  readonly deviceId?: string;
  readonly payload?: unknown;
  /** DPS clock (ms) when first added, and when last replaced. */
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** DPS as written to the state file. */
export interface StoredDps {
  readonly idScope: string;
  readonly individual: readonly (Enrollment & { readonly registrationId: string })[];
  readonly groups: readonly Enrollment[];
  readonly registrations: readonly RegistrationRecord[];
  readonly nextOperation: number;
}

/** A DPS connection's identity: the registration and the device key it proved. */
export interface DpsIdentity {
  readonly registrationId: string;
  /** The device's own key (derived for group enrollments); absent for X.509. */
  readonly deviceKey?: string;
  readonly enrollment: Enrollment;
}

/** A finished registration, as the hub recorded it. */
export interface RegistrationRecord {
  readonly registrationId: string;
  readonly deviceId: string;
  readonly assignedHub: string;
  readonly operationId: string;
  /** The group that admitted the device; absent for an individual enrollment. */
  readonly enrollmentGroupId?: string;
  /** DPS clock (ms) when the device sent its register request, and when it was assigned. */
  readonly createdAt: number;
  readonly assignedAt: number;
  /** `payload` of the device's register request (PnP: `{ modelId }`), if any. */
  readonly requestPayload?: unknown;
}

/** DPS options of the simulated hub. */
export interface DpsOptions {
  /** Id scope (default `0ne00SIM0D5`). */
  readonly idScope?: string;
  /** `retry-after` of each 202, in seconds (default 1; engines following the C SDK treat 0 as 1, docs/protocol.md §13). */
  readonly retryAfterSeconds?: number;
  /** Operation-status polls answered 202 before the 200 (default 1). */
  readonly pollsBeforeAssigned?: number;
}

/** A reply to publish on the DPS connection. */
export interface DpsReply {
  readonly topic: string;
  readonly body: string;
}

interface Operation {
  readonly operationId: string;
  readonly registrationId: string;
  readonly requestPayload: unknown;
  readonly createdAt: number;
  pollsLeft: number;
  assigned?: object;
}

/** Enrollments, CONNECT checks and the register/poll state machine. */
export class DpsService {
  readonly idScope: string;
  readonly #retryAfter: number;
  readonly #pollsBeforeAssigned: number;
  readonly #individual = new Map<string, Enrollment>();
  readonly #groups = new Map<string, Enrollment>();
  readonly #operations = new Map<string, Operation>();
  readonly #registrations: RegistrationRecord[] = [];
  readonly #assign: (deviceId: string, key: string | undefined) => string;
  readonly #clock: () => number;
  readonly #changed: () => void;
  #nextOperation = 1;
  #nextGroup = 1;

  /** `assign` registers the device on the hub and returns the hub's host name; `changed` hears of every change worth saving. */
  constructor(options: DpsOptions, clock: () => number, assign: (deviceId: string, key: string | undefined) => string, changed: () => void = () => undefined) {
    this.idScope = options.idScope ?? '0ne00SIM0D5';
    this.#retryAfter = options.retryAfterSeconds ?? 1;
    this.#pollsBeforeAssigned = options.pollsBeforeAssigned ?? 1;
    this.#clock = clock;
    this.#assign = assign;
    this.#changed = changed;
  }

  /** Adds (or replaces) an individual enrollment; returns its key (undefined for X.509). */
  addIndividualEnrollment(spec: IndividualEnrollmentSpec): { registrationId: string; key?: string } {
    if (!isValidRegistrationId(spec.registrationId)) throw new RangeError(`invalid registration id ${JSON.stringify(spec.registrationId)} (docs/protocol.md §13)`);
    const x509 = spec.x509 === true;
    const key = x509 ? undefined : (spec.key ?? generateKey());
    this.#individual.set(spec.registrationId, {
      kind: 'individual',
      id: spec.registrationId,
      ...(key === undefined ? {} : { key, secondaryKey: spec.secondaryKey ?? generateKey() }),
      ...(spec.deviceId === undefined ? {} : { deviceId: spec.deviceId }),
      ...(spec.payload === undefined ? {} : { payload: spec.payload }),
      ...this.#stamps(this.#individual.get(spec.registrationId)),
    });
    this.#changed();
    return key === undefined ? { registrationId: spec.registrationId } : { registrationId: spec.registrationId, key };
  }

  /** Adds (or, for a known id, replaces) a symmetric-key group enrollment; returns its id and the group key (derive device keys with deriveGroupKey). */
  addGroupEnrollment(spec: GroupEnrollmentSpec = {}): { enrollmentGroupId: string; key: string } {
    const enrollmentGroupId = spec.enrollmentGroupId ?? this.#unusedGroupId();
    if (!isValidRegistrationId(enrollmentGroupId)) throw new RangeError(`invalid enrollment group id ${JSON.stringify(enrollmentGroupId)} (docs/protocol.md §13)`);
    const key = spec.key ?? generateKey();
    this.#groups.set(enrollmentGroupId, {
      kind: 'group',
      id: enrollmentGroupId,
      key,
      secondaryKey: spec.secondaryKey ?? generateKey(),
      ...(spec.payload === undefined ? {} : { payload: spec.payload }),
      ...this.#stamps(this.#groups.get(enrollmentGroupId)),
    });
    this.#changed();
    return { enrollmentGroupId, key };
  }

  /** The individual enrollment of a registration id, or undefined. */
  individualEnrollment(registrationId: string): Enrollment | undefined {
    return this.#individual.get(registrationId);
  }

  /** The group enrollment with this id, or undefined. */
  groupEnrollment(enrollmentGroupId: string): Enrollment | undefined {
    return this.#groups.get(enrollmentGroupId);
  }

  /** Every individual enrollment, then every group, in the order added. */
  enrollments(): Enrollment[] {
    return [...this.#individual.values(), ...this.#groups.values()];
  }

  /** Deletes an individual enrollment; false when there was none. Devices it registered stay on the hub. */
  removeIndividualEnrollment(registrationId: string): boolean {
    return this.#changedIf(this.#individual.delete(registrationId));
  }

  /** Deletes a group enrollment; false when there was none. */
  removeGroupEnrollment(enrollmentGroupId: string): boolean {
    return this.#changedIf(this.#groups.delete(enrollmentGroupId));
  }

  /** Registrations assigned so far (a registration id that registered again appears once, with its latest assignment). */
  registrations(): RegistrationRecord[] {
    return [...this.#registrations];
  }

  /** The latest registration of a registration id, or undefined. */
  registration(registrationId: string): RegistrationRecord | undefined {
    return this.#registrations.find((record) => record.registrationId === registrationId);
  }

  /** Forgets a registration's state (the device itself stays on the hub); false when there was none. */
  removeRegistration(registrationId: string): boolean {
    const index = this.#registrations.findIndex((record) => record.registrationId === registrationId);
    if (index === -1) return false;
    this.#registrations.splice(index, 1);
    return this.#changedIf(true);
  }

  /** Tells the state file about a change that happened; returns `happened`. */
  #changedIf(happened: boolean): boolean {
    if (happened) this.#changed();
    return happened;
  }

  /** `group-N` for the first N not taken (restored groups keep their names). */
  #unusedGroupId(): string {
    while (this.#groups.has(`group-${this.#nextGroup}`)) this.#nextGroup++;
    return `group-${this.#nextGroup++}`;
  }

  /** Creation time kept from the enrollment being replaced, update time now. */
  #stamps(previous: Enrollment | undefined): { createdAt: number; updatedAt: number } {
    const now = this.#clock();
    return { createdAt: previous?.createdAt ?? now, updatedAt: now };
  }

  /** Checks a DPS CONNECT (see the mapping at the top of this file). */
  async authenticate(clientId: string, userName: string | undefined, password: Uint8Array | undefined): Promise<AuthVerdict<DpsIdentity>> {
    const refuse = (returnCode: 2 | 4 | 5, reason: string): AuthVerdict<DpsIdentity> => ({ ok: false, returnCode, reason });
    const prefix = `${this.idScope}/registrations/`;
    if (userName === undefined || !userName.startsWith(prefix)) return refuse(4, `user name must start with ${prefix}`);
    const slash = userName.indexOf('/', prefix.length);
    const registrationId = userName.slice(prefix.length, slash === -1 ? undefined : slash);
    if (slash === -1 || !userName.startsWith('api-version=', slash + 1)) {
      return refuse(4, `user name ${JSON.stringify(userName)} is not {idScope}/registrations/{id}/api-version=…`);
    }
    if (clientId !== registrationId) return refuse(2, `client id ${clientId} is not the registration id ${registrationId}`);
    const individual = this.#individual.get(registrationId);
    if (individual === undefined && this.#groups.size === 0) return refuse(2, `no enrollment for ${registrationId}`);
    if (individual !== undefined && individual.key === undefined) return { ok: true, identity: { registrationId, enrollment: individual } };
    if (password === undefined || password.length === 0) return refuse(4, 'no password (SAS token)');
    const token = new TextDecoder().decode(password);
    const resource = dpsResourceUri(this.idScope, registrationId);
    const nowSeconds = Math.floor(this.#clock() / 1000);
    const candidates: [Enrollment, string][] = individual !== undefined
      ? keysOf(individual).map((key): [Enrollment, string] => [individual, key])
      : await Promise.all(
          [...this.#groups.values()].flatMap((group) => keysOf(group).map(async (key): Promise<[Enrollment, string]> => [group, await deriveGroupKey(key, registrationId)])),
        );
    let reason = 'bad-signature';
    for (const [enrollment, deviceKey] of candidates) {
      const verdict = await verifySasToken(token, deviceKey, nowSeconds, resource);
      if (verdict.ok && verdict.token.keyName !== 'registration') return refuse(5, 'DPS tokens must carry skn=registration (docs/protocol.md §4)');
      if (verdict.ok) return { ok: true, identity: { registrationId, deviceKey, enrollment } };
      if (verdict.reason === 'malformed') return refuse(4, `password is not a SAS token: ${verdict.detail}`);
      if (verdict.reason !== 'bad-signature') reason = verdict.reason;
    }
    return refuse(5, `SAS token ${reason}`);
  }

  /** Answers `$dps/registrations/PUT/iotdps-register/?$rid=…`: 202 + operationId, or 400 for a bad body. */
  register(identity: DpsIdentity, rid: string, body: Uint8Array): DpsReply {
    let request: unknown;
    try {
      request = JSON.parse(new TextDecoder().decode(body));
    } catch {
      return this.#error(400, rid, 400004, 'the register request body is not JSON');
    }
    const fields = typeof request === 'object' && request !== null ? (request as Record<string, unknown>) : {};
    if (fields['registrationId'] !== identity.registrationId) {
      return this.#error(400, rid, 400004, `registrationId must be ${identity.registrationId}`);
    }
    const operationId = `4.${this.#nextOperation++}.sim`;
    this.#operations.set(operationId, {
      operationId,
      registrationId: identity.registrationId,
      requestPayload: fields['payload'],
      createdAt: this.#clock(),
      pollsLeft: this.#pollsBeforeAssigned,
    });
    return { topic: dpsResponseTopic(202, rid, this.#retryAfter), body: JSON.stringify({ operationId, status: 'assigning' }) };
  }

  /** Answers an operation-status poll: 202 while assigning, then 200 with the assignment; 404 for an unknown operation. */
  poll(identity: DpsIdentity, rid: string, operationId: string): DpsReply {
    const operation = this.#operations.get(operationId);
    if (operation === undefined || operation.registrationId !== identity.registrationId) {
      return this.#error(404, rid, 404201, `no operation ${operationId} for ${identity.registrationId}`);
    }
    if (operation.pollsLeft > 0) {
      operation.pollsLeft--;
      return { topic: dpsResponseTopic(202, rid, this.#retryAfter), body: JSON.stringify({ operationId, status: 'assigning' }) };
    }
    operation.assigned ??= this.#complete(identity, operation);
    return { topic: dpsResponseTopic(200, rid), body: JSON.stringify(operation.assigned) };
  }

  /** Assigns the device to the hub (registering it there) and builds the 200 body. */
  #complete(identity: DpsIdentity, operation: Operation): object {
    const deviceId = identity.enrollment.deviceId ?? identity.registrationId;
    const assignedHub = this.#assign(deviceId, identity.deviceKey);
    const assignedAt = this.#clock();
    const created = new Date(operation.createdAt).toISOString();
    const now = new Date(assignedAt).toISOString();
    this.removeRegistration(identity.registrationId);
    this.#registrations.push({
      registrationId: identity.registrationId,
      deviceId,
      assignedHub,
      operationId: operation.operationId,
      ...(identity.enrollment.kind === 'group' ? { enrollmentGroupId: identity.enrollment.id } : {}),
      createdAt: operation.createdAt,
      assignedAt,
      ...(operation.requestPayload === undefined ? {} : { requestPayload: operation.requestPayload }),
    });
    this.#changed();
    return {
      operationId: operation.operationId,
      status: 'assigned',
      registrationState: {
        registrationId: identity.registrationId,
        createdDateTimeUtc: created,
        assignedHub,
        deviceId,
        status: 'assigned',
        substatus: 'initialAssignment',
        lastUpdatedDateTimeUtc: now,
        etag: `"sim-${operation.operationId}"`,
        ...(identity.enrollment.payload === undefined ? {} : { payload: identity.enrollment.payload }),
      },
    };
  }

  /** Enrollments and finished registrations, whole (fields added later included), for the state file. */
  export(): StoredDps {
    return {
      idScope: this.idScope,
      individual: [...this.#individual].map(([registrationId, enrollment]) => ({ ...enrollment, registrationId })),
      groups: [...this.#groups.values()].map((group) => ({ ...group })),
      registrations: this.registrations(),
      nextOperation: this.#nextOperation,
    };
  }

  /** Restores what export() saved; throws RangeError for an enrollment that is not one. */
  import(stored: StoredDps): void {
    // State files written before enrollments had ids and times get them here.
    const now = this.#clock();
    for (const entry of stored.individual) {
      const { registrationId, ...enrollment } = entry;
      if (typeof registrationId !== 'string' || !isValidRegistrationId(registrationId) || enrollment.kind !== 'individual') {
        throw new RangeError(`not an individual enrollment: ${JSON.stringify(entry)}`);
      }
      this.#individual.set(registrationId, { ...enrollment, id: registrationId, ...stampsOr(enrollment, now) });
    }
    for (const group of stored.groups) {
      if (group.kind !== 'group' || typeof group.key !== 'string') throw new RangeError(`not a group enrollment: ${JSON.stringify(group)}`);
      const id = typeof group.id === 'string' && isValidRegistrationId(group.id) ? group.id : this.#unusedGroupId();
      this.#groups.set(id, { ...group, id, ...stampsOr(group, now) });
    }
    this.#registrations.push(
      ...stored.registrations.map((record) => ({
        ...record,
        createdAt: Number.isFinite(record.createdAt) ? record.createdAt : now,
        assignedAt: Number.isFinite(record.assignedAt) ? record.assignedAt : now,
      })),
    );
    this.#nextOperation = Math.max(this.#nextOperation, stored.nextOperation);
  }

  /** An error reply in DPS's shape: `{"errorCode":401002,"trackingId":…,"message":…,"timestampUtc":…}`. */
  #error(status: number, rid: string, errorCode: number, message: string): DpsReply {
    const body = { errorCode, trackingId: `sim-${rid}`, message, timestampUtc: new Date(this.#clock()).toISOString() };
    return { topic: dpsResponseTopic(status, rid), body: JSON.stringify(body) };
  }
}

/** An enrollment's times as saved, or `now` for a state file written before they existed. */
function stampsOr(enrollment: Partial<Pick<Enrollment, 'createdAt' | 'updatedAt'>>, now: number): { createdAt: number; updatedAt: number } {
  const createdAt = Number.isFinite(enrollment.createdAt) ? enrollment.createdAt! : now;
  return { createdAt, updatedAt: Number.isFinite(enrollment.updatedAt) ? enrollment.updatedAt! : createdAt };
}

/** The keys that sign valid tokens for an enrollment: its primary, then its secondary. */
function keysOf(enrollment: Enrollment): string[] {
  return [enrollment.key, enrollment.secondaryKey].filter((key): key is string => key !== undefined);
}
