/**
 * Who may call the service API: a SAS token in `Authorization`, signed with the key of the hub's
 * shared access policy (`iothubowner` unless configured otherwise), `skn` naming that policy, `sr`
 * covering the hub host name (or the path being called), not expired by the hub clock (docs/protocol.md §4).
 *
 * The local session: a page served to a browser on the same machine may ask for a token without
 * pasting a connection string. It is given only to loopback peers that name the hub by a loopback
 * host (a DNS-rebinding page names another host) and, when they send an Origin, from that same host
 * (another site's page cannot read the answer anyway, and is refused outright).
 */
import type { IncomingMessage } from 'node:http';
import { createSasToken, resourceCovers, verifySasToken } from '@hubwire/sas';

/** A shared access policy: its name (`skn`) and base64 keys (tokens signed with either are good). */
export interface ServicePolicy {
  readonly keyName: string;
  readonly primaryKey: string;
  readonly secondaryKey?: string;
}

/** Lifetime of a token the local session hands out. */
export const LOCAL_SESSION_TTL_SECONDS = 3600;

/** Why a request's token is refused, or undefined when it is good for `resource` (`{host}/{path}`) at `nowSeconds`. */
export async function tokenProblem(
  authorization: string | undefined,
  policy: ServicePolicy,
  hostName: string,
  path: string,
  nowSeconds: number,
): Promise<string | undefined> {
  if (authorization === undefined || authorization === '') return 'no Authorization header (a SharedAccessSignature token is required)';
  const token = authorization.trim();
  let verdict = await verifySasToken(token, policy.primaryKey, nowSeconds);
  if (!verdict.ok && verdict.reason === 'bad-signature' && policy.secondaryKey !== undefined) verdict = await verifySasToken(token, policy.secondaryKey, nowSeconds);
  if (!verdict.ok) {
    // A token signed by another policy fails its signature; naming the policy helps more than "bad signature".
    if (verdict.reason === 'bad-signature') return `the token is not signed with a key of policy ${policy.keyName}`;
    return `the token is ${verdict.reason === 'malformed' ? 'not a SharedAccessSignature token' : verdict.reason}: ${verdict.detail}`;
  }
  if (verdict.token.keyName !== policy.keyName) {
    return `the token names policy ${verdict.token.keyName ?? '(none)'}; this hub accepts ${policy.keyName}`;
  }
  // Host names are case-insensitive; SDKs sign `sr` = the host as written in the connection string.
  const resource = `${hostName}${path}`.toLowerCase();
  if (!resourceCovers(verdict.token.resourceUri.toLowerCase(), resource)) {
    return `the token's sr ${verdict.token.resourceUri} does not cover ${hostName}${path}`;
  }
  return undefined;
}

/** A token for the policy, valid for `ttlSeconds` from `nowSeconds`, scoped to the whole hub. */
export function serviceToken(policy: ServicePolicy, hostName: string, nowSeconds: number, ttlSeconds = LOCAL_SESSION_TTL_SECONDS): Promise<string> {
  return createSasToken({ resourceUri: hostName, key: policy.primaryKey, keyName: policy.keyName, expiresAt: nowSeconds + ttlSeconds });
}

/** True for a peer address on the loopback interface (IPv4 127/8, IPv6 ::1, or IPv4-mapped loopback). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

/** True when the request names the hub by a loopback host: `localhost`, `127.x.x.x` or `[::1]`, any port. */
function namesLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
  return name === 'localhost' || name === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/** Why the local session is refused to this request, or undefined when it may have one. */
export function localSessionProblem(request: IncomingMessage): string | undefined {
  if (!isLoopbackAddress(request.socket.remoteAddress)) return 'the local session is only offered to this machine (loopback)';
  const host = request.headers.host;
  if (!namesLoopbackHost(host)) return 'the local session needs the hub addressed as localhost or 127.0.0.1';
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== `http://${host}` && origin !== `https://${host}`) return `requests from ${origin} cannot open a local session`;
  return undefined;
}
