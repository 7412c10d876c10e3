/**
 * Provisioning service routes (DPS REST reference: Individual Enrollment and Enrollment Group
 * Create Or Update / Get / Delete / Query, Device Registration State Get / Delete / Query). The
 * simulator keeps symmetric-key and X.509 individual enrollments and symmetric-key groups; what it
 * cannot simulate (TPM, X.509 groups, initial twins, disabled enrollments, custom allocation) is
 * refused with 400 instead of being stored and ignored.
 */
import { createHash } from 'node:crypto';
import type { Enrollment, RegistrationRecord } from '../dps.ts';
import { ServiceError } from './errors.ts';
import { checkIfMatch, readJsonObject } from './http-io.ts';
import { objectField } from './identity-body.ts';
import type { RequestContext, Route } from './router.ts';
import { isoTime } from './shapes.ts';

/** An enrollment's etag: changes with its content. */
function enrollmentEtag(enrollment: Enrollment): string {
  return createHash('sha256').update(JSON.stringify(enrollment)).digest().subarray(0, 9).toString('base64');
}

/** An IndividualEnrollment or EnrollmentGroup document. */
function enrollmentJson(context: RequestContext, enrollment: Enrollment): Record<string, unknown> {
  const { hub } = context.runtime;
  const attestation = enrollment.key === undefined
    ? { type: 'x509', x509: {} }
    : { type: 'symmetricKey', symmetricKey: { primaryKey: enrollment.key, secondaryKey: enrollment.secondaryKey ?? null } };
  const common = {
    attestation,
    capabilities: { iotEdge: false },
    etag: enrollmentEtag(enrollment),
    provisioningStatus: 'enabled',
    reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: true },
    createdDateTimeUtc: isoTime(enrollment.createdAt),
    lastUpdatedDateTimeUtc: isoTime(enrollment.updatedAt),
    allocationPolicy: 'hashed',
    iotHubs: [hub.hostName],
  };
  if (enrollment.kind === 'group') return { enrollmentGroupId: enrollment.id, ...common };
  const registration = hub.dps.registration(enrollment.id);
  return {
    registrationId: enrollment.id,
    ...(enrollment.deviceId === undefined ? {} : { deviceId: enrollment.deviceId }),
    ...(registration === undefined ? {} : { registrationState: registrationJson(registration) }),
    ...common,
  };
}

/** A DeviceRegistrationState document. */
function registrationJson(record: RegistrationRecord): Record<string, unknown> {
  return {
    registrationId: record.registrationId,
    createdDateTimeUtc: isoTime(record.createdAt),
    assignedHub: record.assignedHub,
    deviceId: record.deviceId,
    status: 'assigned',
    substatus: 'initialAssignment',
    lastUpdatedDateTimeUtc: isoTime(record.assignedAt),
    etag: createHash('sha256').update(record.operationId).digest().subarray(0, 9).toString('base64'),
  };
}

/** Reads an enrollment body: its keys (or X.509), refusing what is not simulated. */
async function enrollmentBody(context: RequestContext, idField: 'registrationId' | 'enrollmentGroupId', id: string): Promise<{ x509: boolean; key?: string; secondaryKey?: string; deviceId?: string }> {
  const body = await readJsonObject(context.request);
  if (body[idField] !== undefined && body[idField] !== id) throw new ServiceError('ArgumentInvalid', `${idField} in the body does not match the path`);
  for (const field of ['initialTwin', 'customAllocationDefinition'] as const) {
    if (body[field] !== undefined && body[field] !== null) throw new ServiceError('ArgumentInvalid', `${field} is not simulated`);
  }
  if (body['provisioningStatus'] !== undefined && body['provisioningStatus'] !== 'enabled') throw new ServiceError('ArgumentInvalid', 'disabled enrollments are not simulated');
  if (objectField(body, 'capabilities')?.['iotEdge'] === true) throw new ServiceError('ArgumentInvalid', 'IoT Edge devices are not simulated');
  const attestation = objectField(body, 'attestation');
  const type = attestation?.['type'];
  const deviceId = typeof body['deviceId'] === 'string' && body['deviceId'] !== '' ? { deviceId: body['deviceId'] } : {};
  if (type === 'x509' && idField === 'registrationId') return { x509: true, ...deviceId };
  if (type !== 'symmetricKey') {
    throw new ServiceError('ArgumentInvalid', `attestation.type must be symmetricKey${idField === 'registrationId' ? ' or x509' : ''} (TPM and X.509 groups are not simulated)`);
  }
  const keys = objectField(attestation!, 'symmetricKey');
  const key = keys?.['primaryKey'];
  const secondaryKey = keys?.['secondaryKey'];
  for (const [name, value] of [['primaryKey', key], ['secondaryKey', secondaryKey]] as const) {
    if (value !== undefined && value !== null && value !== '' && (typeof value !== 'string' || !/^[A-Za-z0-9+/]{22,}={0,2}$/.test(value))) {
      throw new ServiceError('ArgumentInvalid', `attestation.symmetricKey.${name} must be base64`);
    }
  }
  return {
    x509: false,
    ...(typeof key === 'string' && key !== '' ? { key } : {}),
    ...(typeof secondaryKey === 'string' && secondaryKey !== '' ? { secondaryKey } : {}),
    ...deviceId,
  };
}

/** Runs a DPS call, turning the service's RangeErrors (bad ids) into 400. */
function guarded<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof RangeError) throw new ServiceError('ArgumentInvalid', error.message);
    throw error;
  }
}

/** The enrollment of a kind and id, or 404. */
function requireEnrollment(context: RequestContext, kind: 'individual' | 'group', id: string): Enrollment {
  const dps = context.runtime.hub.dps;
  const enrollment = kind === 'individual' ? dps.individualEnrollment(id) : dps.groupEnrollment(id);
  if (enrollment === undefined) throw new ServiceError('EnrollmentNotFound', `no ${kind === 'individual' ? 'individual enrollment' : 'enrollment group'} ${id}`);
  return enrollment;
}

/** Create-or-update, get, delete and query routes of one enrollment kind. */
function enrollmentRoutes(kind: 'individual' | 'group', prefix: string, idField: 'registrationId' | 'enrollmentGroupId'): Route[] {
  return [
    {
      method: 'POST',
      path: `${prefix}/query`,
      family: 'dps',
      handler: async (context) => {
        const all = context.runtime.hub.dps.enrollments().filter((enrollment) => enrollment.kind === kind);
        return { status: 200, body: all.map((enrollment) => enrollmentJson(context, enrollment)) };
      },
    },
    {
      method: 'PUT',
      path: `${prefix}/:id`,
      family: 'dps',
      handler: async (context) => {
        const id = context.params['id']!;
        const body = await enrollmentBody(context, idField, id);
        const dps = context.runtime.hub.dps;
        const existing = kind === 'individual' ? dps.individualEnrollment(id) : dps.groupEnrollment(id);
        if (existing !== undefined) checkIfMatch(context.request, enrollmentEtag(existing));
        guarded(() =>
          kind === 'individual'
            ? dps.addIndividualEnrollment({ registrationId: id, ...body })
            : dps.addGroupEnrollment({ enrollmentGroupId: id, ...(body.key === undefined ? {} : { key: body.key }), ...(body.secondaryKey === undefined ? {} : { secondaryKey: body.secondaryKey }) }),
        );
        return { status: 200, body: enrollmentJson(context, requireEnrollment(context, kind, id)) };
      },
    },
    {
      method: 'GET',
      path: `${prefix}/:id`,
      family: 'dps',
      handler: async (context) => ({ status: 200, body: enrollmentJson(context, requireEnrollment(context, kind, context.params['id']!)) }),
    },
    {
      method: 'DELETE',
      path: `${prefix}/:id`,
      family: 'dps',
      handler: async (context) => {
        const id = context.params['id']!;
        checkIfMatch(context.request, enrollmentEtag(requireEnrollment(context, kind, id)));
        const dps = context.runtime.hub.dps;
        if (kind === 'individual') dps.removeIndividualEnrollment(id);
        else dps.removeGroupEnrollment(id);
        return { status: 204 };
      },
    },
  ];
}

/** The provisioning service routes. */
export const dpsRoutes: readonly Route[] = [
  ...enrollmentRoutes('individual', '/enrollments', 'registrationId'),
  ...enrollmentRoutes('group', '/enrollmentGroups', 'enrollmentGroupId'),
  {
    method: 'POST',
    path: '/registrations/:groupId/query',
    family: 'dps',
    handler: async (context) => {
      const groupId = requireEnrollment(context, 'group', context.params['groupId']!).id;
      const records = context.runtime.hub.dps.registrations().filter((record) => record.enrollmentGroupId === groupId);
      return { status: 200, body: records.map(registrationJson) };
    },
  },
  {
    method: 'GET',
    path: '/registrations/:id',
    family: 'dps',
    handler: async (context) => {
      const record = context.runtime.hub.dps.registration(context.params['id']!);
      if (record === undefined) throw new ServiceError('RegistrationNotFound', `no registration state for ${context.params['id']}`);
      return { status: 200, body: registrationJson(record) };
    },
  },
  {
    method: 'DELETE',
    path: '/registrations/:id',
    family: 'dps',
    handler: async (context) => {
      if (!context.runtime.hub.dps.removeRegistration(context.params['id']!)) {
        throw new ServiceError('RegistrationNotFound', `no registration state for ${context.params['id']}`);
      }
      return { status: 204 };
    },
  },
];

/** Registration states as the dashboard lists them. */
export function registrationsJson(records: readonly RegistrationRecord[]): Record<string, unknown>[] {
  return records.map((record) => ({ ...registrationJson(record), ...(record.enrollmentGroupId === undefined ? {} : { enrollmentGroupId: record.enrollmentGroupId }) }));
}
