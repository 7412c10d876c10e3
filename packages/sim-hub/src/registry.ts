/**
 * The simulated hub's identity registry: devices and modules, each with a symmetric key (SAS) or
 * marked X.509. Keys are 32 random bytes, base64: the hub documents no key size, DPS takes 16–64 bytes
 * (docs/protocol.md §4).
 */
import { randomBytes } from 'node:crypto';
import { formatConnectionString } from '@hubwire/sas';
import { isValidDeviceId, isValidModuleId } from '@hubwire/topics';

/** What addDevice takes. */
export interface DeviceSpec {
  readonly deviceId: string;
  /** Registers a module of `deviceId` (which must already be registered). */
  readonly moduleId?: string;
  /** Base64 symmetric key; one is generated when absent (ignored for X.509). */
  readonly key?: string;
  /** Base64 second key, accepted like the first (IoT Hub identities carry two, for rotation); generated when absent. */
  readonly secondaryKey?: string;
  /** Authenticates by client certificate: the hub accepts CONNECT without a password. */
  readonly x509?: boolean;
  /** Tells a re-created identity from the one deleted before it; generated on first registration, kept on re-registration. */
  readonly generationId?: string;
}

/** A registered device or module. */
export interface RegisteredIdentity {
  readonly deviceId: string;
  readonly moduleId?: string;
  /** `{d}` or `{d}/{m}`: the MQTT client id this identity must connect with (docs/protocol.md §2). */
  readonly clientId: string;
  /** Base64 symmetric key; absent for X.509 identities. */
  readonly key?: string;
  /** Base64 second symmetric key, accepted like `key`; absent for X.509 identities. */
  readonly secondaryKey?: string;
  readonly x509: boolean;
  /** Opaque id of this incarnation of the identity (a delete and re-create changes it). */
  readonly generationId: string;
}

/** Returns 32 random bytes, base64: a fresh symmetric key. */
export function generateKey(): string {
  return randomBytes(32).toString('base64');
}

/** A generation id in IoT Hub's style: a decimal number that grows with time (ticks-like, unique per process). */
let lastGeneration = 0n;
function generationIdNow(): string {
  const ticks = BigInt(Date.now()) * 10_000n + 621_355_968_000_000_000n;
  lastGeneration = ticks > lastGeneration ? ticks : lastGeneration + 1n;
  return lastGeneration.toString();
}

/** Returns the MQTT client id of an identity: `{d}` or `{d}/{m}` (docs/protocol.md §2). */
export function clientIdOf(deviceId: string, moduleId?: string): string {
  return moduleId === undefined ? deviceId : `${deviceId}/${moduleId}`;
}

/** Devices and modules by client id. */
export class DeviceRegistry {
  readonly #identities = new Map<string, RegisteredIdentity>();
  readonly #changed: () => void;

  /** `changed` is called after every change worth saving. */
  constructor(changed: () => void = () => undefined) {
    this.#changed = changed;
  }

  /** Registers (or re-registers, replacing the key) an identity; throws RangeError on an invalid id or a module of an unknown device. */
  add(spec: DeviceSpec): RegisteredIdentity {
    const { deviceId, moduleId } = spec;
    if (!isValidDeviceId(deviceId)) throw new RangeError(`invalid device id ${JSON.stringify(deviceId)} (docs/protocol.md §2)`);
    if (moduleId !== undefined) {
      if (!isValidModuleId(moduleId)) throw new RangeError(`invalid module id ${JSON.stringify(moduleId)} (docs/protocol.md §2)`);
      if (!this.#identities.has(deviceId)) throw new RangeError(`register device ${deviceId} before its module ${moduleId}`);
    }
    const clientId = clientIdOf(deviceId, moduleId);
    const x509 = spec.x509 === true;
    const generationId = spec.generationId ?? this.#identities.get(clientId)?.generationId ?? generationIdNow();
    const identity: RegisteredIdentity = {
      deviceId,
      ...(moduleId === undefined ? {} : { moduleId }),
      clientId,
      ...(x509 ? {} : { key: spec.key ?? generateKey(), secondaryKey: spec.secondaryKey ?? generateKey() }),
      x509,
      generationId,
    };
    this.#identities.set(clientId, identity);
    this.#changed();
    return identity;
  }

  /** The identity, or undefined when not registered. */
  get(deviceId: string, moduleId?: string): RegisteredIdentity | undefined {
    return this.#identities.get(clientIdOf(deviceId, moduleId));
  }

  /** The identity, or throws RangeError naming it. */
  require(deviceId: string, moduleId?: string): RegisteredIdentity {
    const identity = this.get(deviceId, moduleId);
    if (identity === undefined) throw new RangeError(`${clientIdOf(deviceId, moduleId)} is not registered on the simulated hub`);
    return identity;
  }

  /** Removes a device with all its modules, or one module; returns the client ids removed (none when not registered). */
  remove(deviceId: string, moduleId?: string): string[] {
    if (!this.#identities.has(clientIdOf(deviceId, moduleId))) return [];
    const removed = moduleId !== undefined
      ? [clientIdOf(deviceId, moduleId)]
      : [...this.#identities.values()].filter((identity) => identity.deviceId === deviceId).map((identity) => identity.clientId);
    for (const clientId of removed) this.#identities.delete(clientId);
    this.#changed();
    return removed;
  }

  /** Every registered identity, in registration order. */
  list(): RegisteredIdentity[] {
    return [...this.#identities.values()];
  }

  /** `HostName=…;DeviceId=…[;ModuleId=…];SharedAccessKey=…` (or `;x509=true`) for a registered identity (docs/protocol.md §3). */
  connectionString(hostName: string, deviceId: string, moduleId?: string): string {
    const identity = this.require(deviceId, moduleId);
    return formatConnectionString({
      hostName,
      deviceId,
      ...(moduleId === undefined ? {} : { moduleId }),
      ...(identity.key === undefined ? { x509: true as const } : { sharedAccessKey: identity.key }),
    });
  }

  /** Every identity, whole (fields added later included), for the state file. */
  export(): RegisteredIdentity[] {
    return this.list();
  }

  /** Restores identities saved by export(); throws RangeError naming the first one that is not valid. */
  import(identities: readonly unknown[]): void {
    for (const entry of identities) {
      const identity = entry as Partial<RegisteredIdentity> | null;
      const deviceId = identity?.deviceId;
      const moduleId = identity?.moduleId;
      const valid = typeof deviceId === 'string' && isValidDeviceId(deviceId)
        && (moduleId === undefined || (typeof moduleId === 'string' && isValidModuleId(moduleId)))
        && identity?.clientId === clientIdOf(deviceId, moduleId)
        && (identity.x509 === true ? identity.key === undefined : identity.x509 === false && typeof identity.key === 'string');
      if (!valid) throw new RangeError(`not a registered identity: ${JSON.stringify(entry)}`);
      // Identities saved before generation ids existed get one now.
      this.#identities.set(identity.clientId!, { ...(identity as RegisteredIdentity), generationId: identity.generationId ?? generationIdNow() });
    }
  }
}
