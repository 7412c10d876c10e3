/**
 * CONNECT authentication for the simulated hub (docs/protocol.md §2, §4). IoT Hub documents no CONNACK
 * mapping, so the simulator uses this one (README "CONNACK codes"):
 *
 * | Code | When |
 * | --- | --- |
 * | 2 identifier rejected | client id is not `{d}` / `{d}/{m}` of the user name, or the identity is not registered |
 * | 4 bad user name or password | user name not `{host}/{d}[/{m}]/?api-version=…`, another hub's host, no api-version, no password for a SAS identity, token not parsable |
 * | 5 not authorized | token signature wrong (other key), token `sr` not covering the identity, token expired |
 */
import { deviceResourceUri, verifySasToken } from '@hubwire/sas';
import { percentDecode } from '@hubwire/topics';
import type { DeviceRegistry, RegisteredIdentity } from './registry.ts';

/** CONNACK return codes the simulator refuses with (MQTT 3.1.1 §3.2.2.3). */
export type RefusalCode = 2 | 4 | 5;

/** Outcome of a CONNECT check. */
export type ConnectVerdict =
  | {
      readonly ok: true;
      readonly identity: RegisteredIdentity;
      /** `se` of the password in ms (absent for X.509): the hub closes the connection then (docs/protocol.md §4). */
      readonly expiresAt?: number;
      readonly apiVersion: string;
      /** `model-id` from the user name (PnP, docs/protocol.md §11). */
      readonly modelId?: string;
    }
  | { readonly ok: false; readonly returnCode: RefusalCode; readonly reason: string };

/** The parts of a hub user name `{host}/{d}[/{m}]/?query`. */
export interface HubUserName {
  readonly hostName: string;
  readonly deviceId: string;
  readonly moduleId?: string;
  /** Query parameters, percent-decoded (`api-version`, `DeviceClientType`, `model-id`). */
  readonly query: ReadonlyMap<string, string>;
}

/** Parses a hub user name; undefined when it does not have the §2 shape. */
export function parseHubUserName(userName: string): HubUserName | undefined {
  // Ids never hold `/`, and query values are percent-encoded, so the last `/?` ends the path.
  const q = userName.lastIndexOf('/?');
  if (q === -1) return undefined;
  const segments = userName.slice(0, q).split('/');
  if (segments.length < 2 || segments.length > 3 || segments.some((s) => s === '')) return undefined;
  const query = new Map<string, string>();
  for (const pair of userName.slice(q + 2).split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const value = percentDecode(eq === -1 ? '' : pair.slice(eq + 1));
    if (value === undefined) return undefined;
    query.set(eq === -1 ? pair : pair.slice(0, eq), value);
  }
  const [hostName, deviceId, moduleId] = segments as [string, string, string | undefined];
  return moduleId === undefined ? { hostName, deviceId, query } : { hostName, deviceId, moduleId, query };
}

/** What authenticateHubConnect needs. */
export interface HubConnectInput {
  readonly clientId: string;
  readonly userName: string | undefined;
  readonly password: Uint8Array | undefined;
  /** The simulated hub's host name. */
  readonly hostName: string;
  readonly registry: DeviceRegistry;
  /** The hub's clock, seconds since the epoch. */
  readonly nowSeconds: number;
}

/** Checks a CONNECT against the registry and the identity's key; never throws for bad input. */
export async function authenticateHubConnect(input: HubConnectInput): Promise<ConnectVerdict> {
  const refuse = (returnCode: RefusalCode, reason: string): ConnectVerdict => ({ ok: false, returnCode, reason });
  if (input.userName === undefined) return refuse(4, 'no user name');
  const user = parseHubUserName(input.userName);
  if (user === undefined) return refuse(4, `user name ${JSON.stringify(input.userName)} is not {host}/{d}[/{m}]/?api-version=…`);
  if (user.hostName !== input.hostName) return refuse(4, `user name names hub ${user.hostName}, this is ${input.hostName}`);
  const apiVersion = user.query.get('api-version');
  if (apiVersion === undefined || apiVersion === '') return refuse(4, 'user name has no api-version');
  const expectedClientId = user.moduleId === undefined ? user.deviceId : `${user.deviceId}/${user.moduleId}`;
  if (input.clientId !== expectedClientId) return refuse(2, `client id ${input.clientId} does not match user name identity ${expectedClientId}`);
  const identity = input.registry.get(user.deviceId, user.moduleId);
  if (identity === undefined) return refuse(2, `${expectedClientId} is not registered`);
  const modelId = user.query.get('model-id');
  const accepted = (expiresAt?: number): ConnectVerdict => ({
    ok: true,
    identity,
    apiVersion,
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(modelId === undefined ? {} : { modelId }),
  });
  // No TLS here, so an X.509 identity is trusted on its word (README "What is not simulated").
  if (identity.key === undefined) return accepted();
  if (input.password === undefined || input.password.length === 0) return refuse(4, 'no password (SAS token) for a symmetric-key identity');
  const token = new TextDecoder().decode(input.password);
  const resource = deviceResourceUri(input.hostName, user.deviceId, user.moduleId);
  let verdict = await verifySasToken(token, identity.key, input.nowSeconds, resource);
  // Either registered key signs valid tokens, so keys can be rotated one at a time.
  if (!verdict.ok && verdict.reason === 'bad-signature' && identity.secondaryKey !== undefined) {
    verdict = await verifySasToken(token, identity.secondaryKey, input.nowSeconds, resource);
  }
  if (verdict.ok) return accepted(verdict.token.expiresAt * 1000);
  if (verdict.reason === 'malformed') return refuse(4, `password is not a SAS token: ${verdict.detail}`);
  return refuse(5, `SAS token ${verdict.reason}: ${verdict.detail}`);
}
