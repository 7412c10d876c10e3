/**
 * `connect`: a device from a connection string, lent by the device pool, or through DPS from a device id and a group key
 * (the device key derived from it, docs/protocol.md §13) or the device's own key; then TLS, TCP
 * or WebSocket to the hub, CONNECT, and the SUBACK of its subscriptions.
 *
 * ```yaml
 * - connect:
 *     connectionString: "{{ connectionString }}"   # from a CSV payload
 * - connect:
 *     pool: true                                   # a device of config.engines.hubwire.pool
 * - connect:
 *     deviceId: "thermostat-{{ $uuid }}"
 *     groupKey: "{{ $env.GROUP_KEY }}"
 *     idScope: 0ne00000A0A
 * ```
 */
import { deriveGroupKey } from '@hubwire/sas';
import type { Step } from '../artillery/surface.ts';
import { checkKeys, optionalBoolean, optionalDuration, optionalPort, optionalString, record, resolvePath, transportOf } from '../config.ts';
import { connectionStringCredentials, keyCredentials, type DeviceCredentials, type TokenOptions } from '../device/auth.ts';
import { provisionDevice } from '../device/provision.ts';
import { dialer, type Endpoint, type Transport } from '../device/transport.ts';
import { VirtualDevice } from '../device/virtual-device.ts';
import { messageOf, ScenarioError } from '../errors.ts';
import { COUNTERS, HISTOGRAMS } from '../metrics.ts';
import { asStep, render, specOf, type StepEnv } from './kit.ts';

const KEYS = ['pool', 'connectionString', 'deviceId', 'groupKey', 'deviceKey', 'idScope', 'transport', 'host', 'port', 'ca', 'servername', 'timeout', 'modelId', 'dpsHost', 'dpsPort'];

/** Compiles a `connect` step. */
export function connectStep(spec: unknown, env: StepEnv): Step {
  checkKeys(specOf(spec, 'connect'), KEYS, 'connect');
  return asStep(env, async (user, context) => {
    const o = record(render(env, spec ?? {}, context), 'connect');
    const { config } = env;
    const timeoutMs = optionalDuration(o['timeout'], 'connect.timeout') ?? config.timeoutMs;
    const transport = transportOf(o['transport'], 'connect.transport') ?? config.transport;
    const caPath = optionalString(o['ca'], 'connect.ca');
    const ca = caPath === undefined ? (config.ca === undefined ? undefined : env.readCa(config.ca)) : env.readCa(resolvePath(caPath, config.scriptDir));
    const servername = optionalString(o['servername'], 'connect.servername') ?? config.servername;
    const tls = { ...(ca === undefined ? {} : { ca }), ...(servername === undefined ? {} : { servername }) };
    const token: TokenOptions = { ttlSeconds: config.tokenTtlSeconds };
    if (user.hasDevice && user.device.connected) throw new ScenarioError('already_connected', 'connect ran twice: disconnect first');

    const fromPool = optionalBoolean(o['pool'], 'connect.pool') ?? false;
    let connectionString = optionalString(o['connectionString'], 'connect.connectionString');
    const deviceId = optionalString(o['deviceId'], 'connect.deviceId');
    if (fromPool) {
      if (connectionString !== undefined || deviceId !== undefined) throw new ScenarioError('invalid_scenario', 'connect takes pool, connectionString or deviceId, not several');
      const lent = env.takeFromPool();
      user.hold(lent.release);
      connectionString = lent.connectionString;
    }
    let credentials: DeviceCredentials;
    if (connectionString !== undefined) {
      credentials = connectionStringCredentials(connectionString, token);
      const { deviceId: id, moduleId } = credentials.identity;
      user.hold(env.leases.acquire(moduleId === undefined ? id : `${id}/${moduleId}`));
    } else if (deviceId !== undefined) {
      user.hold(env.leases.acquire(deviceId));
      credentials = await provisioned(env, o, deviceId, transport, tls, token);
    } else {
      throw new ScenarioError('invalid_scenario', 'connect needs connectionString, pool: true (config.engines.hubwire.pool), or deviceId with groupKey or deviceKey (DPS)');
    }

    const { identity, gatewayHostName, gatewayPort } = credentials;
    const modelId = optionalString(o['modelId'], 'connect.modelId');
    const device = new VirtualDevice(credentials, {
      ...config.device,
      ...(modelId === undefined ? {} : { modelId }),
      requestTimeoutMs: timeoutMs,
      connackTimeoutMs: timeoutMs,
    }, env.metrics);
    user.use(device);
    const endpoint: Endpoint = {
      transport,
      host: optionalString(o['host'], 'connect.host') ?? config.host ?? gatewayHostName ?? identity.hostName,
      // A gateway port names the MQTT port, so it only applies to MQTT over TLS or TCP.
      ...portOf(optionalPort(o['port'], 'connect.port') ?? config.port ?? (transport === 'tls' || transport === 'tcp' ? gatewayPort : undefined)),
      ...tls,
    };
    await device.connect(dialer(endpoint, timeoutMs), timeoutMs);
    context.vars['hubwire'] = { deviceId: identity.deviceId, hostName: identity.hostName, ...(identity.moduleId === undefined ? {} : { moduleId: identity.moduleId }) };
  });
}

/** Registers through DPS and returns credentials for the assigned hub and device id. */
async function provisioned(
  env: StepEnv,
  o: Readonly<Record<string, unknown>>,
  registrationId: string,
  transport: Transport,
  tls: { ca?: string; servername?: string },
  token: TokenOptions,
): Promise<DeviceCredentials> {
  const { config } = env;
  const groupKey = optionalString(o['groupKey'], 'connect.groupKey');
  const deviceKey = optionalString(o['deviceKey'], 'connect.deviceKey');
  if ((groupKey === undefined) === (deviceKey === undefined)) {
    throw new ScenarioError('invalid_scenario', 'connect with deviceId needs exactly one of groupKey (group enrollment) or deviceKey (individual enrollment)');
  }
  const idScope = optionalString(o['idScope'], 'connect.idScope') ?? config.dps.idScope;
  if (idScope === undefined) throw new ScenarioError('invalid_scenario', `connect through DPS needs an idScope (on the step or in config.engines.hubwire.dps)`);
  let key: string;
  try {
    key = groupKey === undefined ? (deviceKey as string) : await deriveGroupKey(groupKey, registrationId);
  } catch (error) {
    throw new ScenarioError('invalid_scenario', `connect.groupKey: ${messageOf(error)}`);
  }
  const endpoint: Endpoint = {
    transport,
    host: optionalString(o['dpsHost'], 'connect.dpsHost') ?? config.dps.host,
    ...portOf(optionalPort(o['dpsPort'], 'connect.dpsPort') ?? config.dps.port),
    ...tls,
  };
  const timeoutMs = config.dps.timeoutMs;
  const started = performance.now();
  const assignment = await provisionDevice({ dial: dialer(endpoint, timeoutMs), idScope, registrationId, key, token, timeoutMs });
  env.metrics.time(HISTOGRAMS.provisionTime, performance.now() - started);
  env.metrics.count(COUNTERS.provisioned);
  return keyCredentials({ hostName: assignment.assignedHub, deviceId: assignment.deviceId }, key, token);
}

function portOf(port: number | undefined): { port?: number } {
  return port === undefined ? {} : { port };
}
