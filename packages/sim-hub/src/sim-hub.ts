/**
 * A local stand-in for Azure IoT Hub and DPS over MQTT 3.1.1, built on aedes (see README.md).
 * The device side speaks to it exactly as to the real services (docs/protocol.md), over TLS or
 * WebSocket over TLS (and both without TLS, for tests); the service side is this class (and the
 * HTTPS listener it mounts): register devices, read twins, push desired patches, invoke methods,
 * send C2D and module-input messages, and watch telemetry. With a state folder, everything that
 * lasts on IoT Hub lasts here too (state/state-file.ts).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import { join } from 'node:path';
import { createSasToken, deviceResourceUri, hubCredentials, type MqttCredentials } from '@hubwire/sas';
import { c2dTopic, moduleInputTopic, type MessagePropertiesInput } from '@hubwire/topics';
import type { DeliveryReceipt } from './c2d.ts';
import { DpsService } from './dps.ts';
import { dpsBrokerService } from './dps-broker.ts';
import { addressesOf, describeAddresses, startFrontDoors, type FrontDoors } from './front-doors.ts';
import { enqueueDeviceBound, invokeDirectMethod, pushDesired } from './hub-actions.ts';
import { hubBrokerService } from './hub-broker.ts';
import { createHubState, type HubState, type SimHubStats } from './hub-state.ts';
import type { MethodResult } from './methods.ts';
import { clientIdOf, generateKey, type DeviceSpec, type RegisteredIdentity } from './registry.ts';
import type { Feed } from './rules.ts';
import { purgeQueue, removeIdentity, updateServiceTwin } from './service/hub-operations.ts';
import { createServiceHandler } from './service/index.ts';
import type { ConnectedIdentity, DeliveryOptions, InvokeMethodOptions, SimHubAddresses, SimHubOptions } from './sim-hub-options.ts';
import { restoreHub, snapshotHub } from './state/hub-persistence.ts';
import { readStateFile, STATE_FILE, StatePersister, type ServicePolicy } from './state/state-file.ts';
import type { TelemetryPredicate, TelemetryRecord } from './telemetry-log.ts';
import { loadOrCreateTls, serverNames, type TlsMaterial } from './tls/certificates.ts';
import type { ServiceTwinDocument, ServiceTwinUpdate, TwinDocument } from './twin-store.ts';

export type { SimHubStats } from './hub-state.ts';
export type { ConnectedIdentity, DeliveryOptions, InvokeMethodOptions, SimHubAddresses, SimHubOptions } from './sim-hub-options.ts';

const DEFAULT_HOST_NAME = 'sim-hub.local';
/** The service policy IoT Hub creates with every hub, with every permission. */
const SERVICE_POLICY_NAME = 'iothubowner';

/** The simulated IoT Hub + DPS. Create, register devices, `start()`, and `close()` when done. */
export class SimHub {
  readonly hostName: string;
  /** The DPS half: enrollments and finished registrations. */
  readonly dps: DpsService;
  /** The state folder, if the hub keeps its state. */
  readonly stateDir: string | undefined;
  readonly #options: SimHubOptions;
  readonly #onLog: ((line: string) => void) | undefined;
  readonly #state: HubState;
  readonly #servicePolicy: ServicePolicy;
  readonly #persister: StatePersister | undefined;
  #started: Promise<SimHubAddresses> | undefined;
  #closing: Promise<void> | undefined;
  #doors: FrontDoors | undefined;
  #service: RequestListener | undefined;

  /**
   * Creates a hub; nothing listens until start(). With `stateDir`, what was saved there is loaded now:
   * throws StateFileError when the state file is not valid JSON or not this hub's.
   */
  constructor(options: SimHubOptions = {}) {
    this.#options = options;
    this.#onLog = options.onLog;
    this.stateDir = options.stateDir;
    // Private: the folder holds device keys, the service key and the CA's private key.
    if (options.stateDir !== undefined) mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
    const saved = options.stateDir === undefined ? undefined : readStateFile(options.stateDir);
    this.hostName = options.hostName ?? saved?.hostName ?? DEFAULT_HOST_NAME;
    const clock = options.clock ?? Date.now;
    const changed = (): void => this.#persister?.schedule();
    const log = options.onLog === undefined ? undefined : (line: string): void => this.#log(line);
    this.#state = createHubState(this.hostName, clock, options.maxTelemetryRecords ?? 10_000, log, changed);
    this.dps = new DpsService(
      options.dps ?? {},
      clock,
      (deviceId, key) => {
        this.#state.registry.add(key === undefined ? { deviceId, x509: true } : { deviceId, key });
        this.#state.stats.dpsAssignments++;
        this.#log(`dps: assigned ${deviceId} to ${this.hostName}`);
        return this.hostName;
      },
      changed,
    );
    this.#servicePolicy = saved?.servicePolicy ?? { keyName: SERVICE_POLICY_NAME, primaryKey: generateKey(), secondaryKey: generateKey() };
    if (options.stateDir !== undefined) {
      if (saved !== undefined) restoreHub({ state: this.#state, dps: this.dps }, saved, join(options.stateDir, STATE_FILE));
      this.#persister = new StatePersister(options.stateDir, () => snapshotHub({ state: this.#state, dps: this.dps, servicePolicy: this.#servicePolicy }), (error) =>
        this.#log(`hub: could not save state to ${options.stateDir}: ${error.message}`),
      );
      if (saved !== undefined) this.#log(`hub: loaded ${saved.identities.length} identities from ${options.stateDir}`);
    }
  }

  // ---- lifecycle -------------------------------------------------------------------------

  /** Starts the hub and DPS brokers and every listener (see SimHubAddresses); rejects with a ListenError naming a port that cannot be bound. */
  start(): Promise<SimHubAddresses> {
    if (this.#closing !== undefined) return Promise.reject(new Error('the simulated hub was closed'));
    return (this.#started ??= this.#start());
  }

  /** Tears everything down: sockets destroyed, brokers closed, pending calls settled, state saved. Safe to call twice. */
  close(): Promise<void> {
    return (this.#closing ??= this.#close());
  }

  async #start(): Promise<SimHubAddresses> {
    const bind = this.#options.bind ?? '127.0.0.1';
    const tls = await this.#tlsMaterial(bind);
    this.#doors = await startFrontDoors({
      bind,
      ports: this.#options.ports ?? {},
      tls,
      hub: hubBrokerService(this.#state),
      dps: dpsBrokerService(this.dps, {
        log: (line) => this.#log(line),
        refused: () => this.#state.stats.connectionsRefused++,
        violated: () => this.#state.stats.ruleViolations++,
        changed: () => this.#state.waiters.notify(),
      }),
      service: (this.#service = (this.#options.service ?? createServiceHandler)(this)),
    });
    await this.#persister?.flush();
    const addresses = addressesOf(this.#doors.ports, { bind, hostName: this.hostName, idScope: this.dps.idScope, caPem: tls.ca, close: () => this.close() });
    this.#log(`hub: ${describeAddresses(addresses)}`);
    return addresses;
  }

  /** The certificate given in the options, else the one kept in (or made for) the state folder. */
  async #tlsMaterial(bind: string): Promise<TlsMaterial> {
    const given = this.#options.tls;
    if (given !== undefined) return { cert: given.cert, key: given.key, ca: given.ca ?? given.cert };
    return loadOrCreateTls(this.stateDir, serverNames([this.hostName, bind]), new Date(this.#state.clock()));
  }

  async #close(): Promise<void> {
    try {
      await this.#started;
    } catch {
      // a failed start leaves only what #doors knows about
    }
    // Live event streams of the service side would hold the HTTP listeners open.
    (this.#service as { close?: () => void } | undefined)?.close?.();
    await this.#doors?.close();
    this.#state.methods.abortAll();
    this.#state.deviceBound.abortAll();
    this.#state.telemetry.close();
    this.#state.waiters.close();
    await this.#persister?.flush();
    this.#log('hub: closed');
  }

  /** Writes the state folder now, synchronously (for a process that must exit at once); a no-op without one. */
  saveNow(): void {
    this.#persister?.flushSync();
  }

  // ---- service credentials ---------------------------------------------------------------

  /** The `iothubowner` shared-access policy the service side accepts (persisted with the state). */
  get servicePolicy(): ServicePolicy {
    return this.#servicePolicy;
  }

  /** `HostName=…;SharedAccessKeyName=iothubowner;SharedAccessKey=…`, as the portal shows a service connection string. */
  serviceConnectionString(): string {
    return `HostName=${this.hostName};SharedAccessKeyName=${this.#servicePolicy.keyName};SharedAccessKey=${this.#servicePolicy.primaryKey}`;
  }

  // ---- registry --------------------------------------------------------------------------

  /** Registers a device or module (key generated if absent); re-adding replaces it. Throws RangeError on invalid ids. */
  addDevice(spec: DeviceSpec): RegisteredIdentity {
    const identity = this.#state.registry.add(spec);
    this.#log(`hub: registered ${identity.clientId} (${identity.x509 ? 'x509' : 'symmetric key'})`);
    return identity;
  }

  /** The registered identity, or undefined. */
  device(deviceId: string, moduleId?: string): RegisteredIdentity | undefined {
    return this.#state.registry.get(deviceId, moduleId);
  }

  /**
   * `HostName=…;DeviceId=…[;ModuleId=…];SharedAccessKey=…` (or `x509=true`), plus `;GatewayHostName=…`
   * when given (where a device SDK opens its socket; see gatewayHostName()); throws RangeError if not registered.
   */
  connectionString(deviceId: string, moduleId?: string, options: { readonly gatewayHostName?: string } = {}): string {
    const base = this.#state.registry.connectionString(this.hostName, deviceId, moduleId);
    return options.gatewayHostName === undefined ? base : `${base};GatewayHostName=${options.gatewayHostName}`;
  }

  /** A SAS token for a registered identity, valid `ttlSeconds` from the hub clock (default 3600). */
  sasToken(deviceId: string, options: { moduleId?: string; ttlSeconds?: number } = {}): Promise<string> {
    const identity = this.#state.registry.require(deviceId, options.moduleId);
    if (identity.key === undefined) return Promise.reject(new RangeError(`${identity.clientId} is an X.509 identity`));
    return createSasToken({
      resourceUri: deviceResourceUri(this.hostName, deviceId, options.moduleId),
      key: identity.key,
      expiresAt: Math.floor(this.#state.clock() / 1000) + (options.ttlSeconds ?? 3600),
    });
  }

  /** Ready-made CONNECT credentials (client id, user name, SAS password unless X.509) for raw MQTT clients. */
  async credentials(deviceId: string, options: { moduleId?: string; ttlSeconds?: number } = {}): Promise<MqttCredentials> {
    const identity = this.#state.registry.require(deviceId, options.moduleId);
    const password = identity.key === undefined ? undefined : await this.sasToken(deviceId, options);
    return hubCredentials({ hostName: this.hostName, deviceId, moduleId: options.moduleId, password });
  }

  // ---- connections -----------------------------------------------------------------------

  /** Identities connected right now (CONNACK 0 sent, socket open). */
  connectedDevices(): ConnectedIdentity[] {
    return [...this.#state.live.values()].map((session) => ({
      deviceId: session.identity.deviceId,
      ...(session.identity.moduleId === undefined ? {} : { moduleId: session.identity.moduleId }),
      clientId: session.clientId,
      transport: session.transport,
      cleanSession: session.cleanSession,
      sessionResumed: session.resumed,
      ...(session.identity.modelId === undefined ? {} : { modelId: session.identity.modelId }),
      subscriptions: [...session.subscriptions.keys()],
    }));
  }

  /** True when the identity has a live connection. */
  isConnected(deviceId: string, moduleId?: string): boolean {
    return this.#state.live.has(clientIdOf(deviceId, moduleId));
  }

  /**
   * Drops the identity's connection (the device just sees the socket close) and resolves once it is gone:
   * from then on isConnected() is false and a method invocation gets 404 at once. Resolves false when
   * it was not connected.
   */
  async disconnectDevice(deviceId: string, moduleId?: string): Promise<boolean> {
    const session = this.#state.live.get(clientIdOf(deviceId, moduleId));
    if (session === undefined) return false;
    session.close('disconnected by disconnectDevice()');
    await this.#state.waiters.wait(() => session.ended, 10_000, `${session.clientId} to be disconnected`);
    return true;
  }

  /** Closes connections whose SAS token has expired by the hub clock (timers do this too; call it after moving a fake clock). */
  enforceTokenExpiry(): number {
    let closed = 0;
    for (const session of this.#state.live.values()) {
      const expiresAt = session.identity.expiresAt;
      if (expiresAt !== undefined && expiresAt <= this.#state.clock()) {
        session.close('SAS token expired');
        closed++;
      }
    }
    return closed;
  }

  /** Resolves when `condition()` holds, re-checked after every hub event; rejects after `timeoutMs`. */
  waitUntil(condition: () => boolean, timeoutMs: number, description = 'a hub condition'): Promise<void> {
    return this.#state.waiters.wait(condition, timeoutMs, description);
  }

  /** Resolves once the identity is connected and subscribed to every filter in `filters` (default: none required). */
  waitForConnection(deviceId: string, options: { moduleId?: string; filters?: readonly string[]; timeoutMs?: number } = {}): Promise<void> {
    const clientId = clientIdOf(deviceId, options.moduleId);
    const filters = options.filters ?? [];
    return this.waitUntil(
      () => {
        const session = this.#state.live.get(clientId);
        return session !== undefined && filters.every((filter) => session.subscriptions.has(filter));
      },
      options.timeoutMs ?? 5000,
      `${clientId} to connect${filters.length === 0 ? '' : ` and subscribe ${filters.join(', ')}`}`,
    );
  }

  /** Counters so far (a copy). */
  stats(): SimHubStats {
    return { ...this.#state.stats };
  }

  // ---- twin ------------------------------------------------------------------------------

  /** A copy of the twin: `{ desired: {…, $version}, reported: {…, $version} }`. */
  twin(deviceId: string, moduleId?: string): TwinDocument {
    return this.#state.twins.snapshot(this.#state.registry.require(deviceId, moduleId).clientId);
  }

  /**
   * Service side: merges a desired patch (null removes) and pushes it, with its new `$version`, to
   * the device if it is connected and subscribed (nothing is queued for later, docs/protocol.md §9).
   * Returns the new desired version; throws RangeError for an unknown identity or an invalid patch.
   */
  updateDesired(deviceId: string, patch: Record<string, unknown>, moduleId?: string): number {
    return pushDesired(this.#state, this.#state.registry.require(deviceId, moduleId).clientId, patch);
  }

  /**
   * Fault injection: the next `count` QoS 1 telemetry messages (any device) are neither recorded nor
   * acknowledged; the hub closes their connection instead, as when IoT Hub drops a throttled device.
   */
  failTelemetry(count: number): void {
    this.#state.faults.telemetryDrops = count;
  }

  /** Fault injection: the next `count` twin requests (GET or PATCH, any device) are answered with `status` (429, 500, …). */
  failTwinRequests(count: number, status = 429): void {
    this.#state.twins.failNext(count, status);
  }

  // ---- direct methods --------------------------------------------------------------------

  /**
   * Service side: invokes a direct method and waits for the device's response (docs/protocol.md §10).
   * Rejects with MethodInvocationError: 404 `device-offline` (not connected or not subscribed to
   * methods), 504 `timeout`, 503 `hub-closed`; with TopicError for an invalid name, RangeError over 128 KB.
   */
  async invokeMethod(deviceId: string, methodName: string, payload?: unknown, options: InvokeMethodOptions = {}): Promise<MethodResult> {
    const { clientId } = this.#state.registry.require(deviceId, options.moduleId);
    return invokeDirectMethod(this.#state, clientId, methodName, payload, options.timeoutMs ?? 30_000);
  }

  // ---- C2D and module inputs -------------------------------------------------------------

  /**
   * Service side: queues a cloud-to-device message (docs/protocol.md §8) and resolves when it ends:
   * `completed` on the device's PUBACK, `delivered` if sent at QoS 0, `expired` after `ttlMs`.
   * A `messageId` ($.mid) is generated when absent, `$.to` defaults to `/devices/{d}/messages/devicebound`.
   * Rejects with RangeError for an unknown device, a body over 64 KB, or a full queue (50).
   */
  async sendC2d(deviceId: string, body: Uint8Array | string, properties: MessagePropertiesInput = {}, options: DeliveryOptions = {}): Promise<DeliveryReceipt> {
    const identity = this.#state.registry.require(deviceId);
    const messageId = properties.messageId ?? randomUUID();
    const topic = c2dTopic(deviceId, { to: `/devices/${deviceId}/messages/devicebound`, ...properties, messageId });
    return this.#enqueue(identity.clientId, 'c2d', topic, body, messageId, options);
  }

  /** Edge side: queues a message for a module input (docs/protocol.md §12); settles like sendC2d. */
  async sendModuleInput(
    deviceId: string,
    moduleId: string,
    inputName: string,
    body: Uint8Array | string,
    properties: MessagePropertiesInput = {},
    options: DeliveryOptions = {},
  ): Promise<DeliveryReceipt> {
    const identity = this.#state.registry.require(deviceId, moduleId);
    const messageId = properties.messageId ?? randomUUID();
    const topic = moduleInputTopic(deviceId, moduleId, inputName, { ...properties, messageId });
    return this.#enqueue(identity.clientId, 'module-input', topic, body, messageId, options);
  }

  /** Messages queued or in flight for an identity. */
  pendingMessages(deviceId: string, moduleId?: string): number {
    return this.#state.deviceBound.pendingCount(clientIdOf(deviceId, moduleId));
  }

  /** How a C2D or module-input message ended (its receipt), `pending` while queued or in flight, undefined if unknown. */
  deliveryOutcome(messageId: string): DeliveryReceipt | 'pending' | undefined {
    return this.#state.deviceBound.outcome(messageId);
  }

  #enqueue(clientId: string, feed: Feed, topic: string, body: Uint8Array | string, messageId: string, options: DeliveryOptions): Promise<DeliveryReceipt> {
    if (this.#closing !== undefined) throw new Error('the simulated hub is closed');
    return enqueueDeviceBound(this.#state, { clientId, feed, topic, body, messageId, ttlMs: options.ttlMs ?? 3_600_000 });
  }

  // ---- telemetry -------------------------------------------------------------------------

  /** Telemetry received so far (optionally filtered), oldest first. */
  telemetry(predicate?: TelemetryPredicate): TelemetryRecord[] {
    return this.#state.telemetry.list(predicate);
  }

  /** The first telemetry record, already received or yet to come, matching `predicate`; rejects after `timeoutMs`. */
  waitForTelemetry(predicate: TelemetryPredicate, timeoutMs: number): Promise<TelemetryRecord> {
    return this.#state.telemetry.waitFor(predicate, timeoutMs);
  }

  /** Telemetry arriving from now on, as an async iterable (ends when the hub closes; `break` to stop). */
  telemetryStream(): AsyncIterableIterator<TelemetryRecord> {
    return this.#state.telemetry.stream();
  }

  #log(line: string): void {
    this.#onLog?.(line);
  }

  // ---- service API -----------------------------------------------------------------------
  // What the REST service side (service/) needs beyond the members above.

  /** The hub clock in ms since the epoch: what SAS expiry and the registry's timestamps are measured against. */
  now(): number {
    return this.#state.clock();
  }

  /** Every registered device and module, in registration order. */
  identities(): RegisteredIdentity[] {
    return this.#state.registry.list();
  }

  /** Deletes a device with its modules, or one module: connection closed, twin forgotten, queued messages end `purged`. False when not registered. */
  removeDevice(deviceId: string, moduleId?: string): boolean {
    return removeIdentity(this.#state, deviceId, moduleId);
  }

  /** Ends every C2D (or module-input) message queued or in flight for an identity as `purged`; returns how many. Throws RangeError if not registered. */
  purgeMessages(deviceId: string, moduleId?: string): number {
    return purgeQueue(this.#state, deviceId, moduleId);
  }

  /** The twin as the service sees it: tags, desired, reported and the twin version (a copy). Throws RangeError if not registered. */
  serviceTwin(deviceId: string, moduleId?: string): ServiceTwinDocument {
    return this.#state.twins.serviceDocument(this.#state.registry.require(deviceId, moduleId).clientId);
  }

  /**
   * Service side: writes tags and/or desired properties, merged as patches (null removes) or replaced
   * with `replace`, all or nothing; a desired change is pushed to the device like updateDesired's.
   * Throws RangeError for an unknown identity or a refused write.
   */
  updateTwin(deviceId: string, update: ServiceTwinUpdate, moduleId?: string): ServiceTwinDocument {
    return updateServiceTwin(this.#state, deviceId, moduleId, update);
  }

  /** Calls `listener` after every hub event (connections, messages, twin writes, settled deliveries); returns the function that stops it. */
  onChange(listener: () => void): () => void {
    return this.#state.waiters.watch(listener);
  }
}
