// Signing in: the dashboard calls the same API as any client, with a SharedAccessSignature token.
// A token comes from the hub (local session, loopback only), from a service connection string
// (signed here with WebCrypto; the key stays in this tab's sessionStorage), or is pasted as is.

const STORAGE_KEY = 'simhub.credentials';
/** Lifetime of tokens signed from a connection string, and how early to renew any token. */
const TOKEN_TTL_SECONDS = 3600;
const RENEW_MARGIN_SECONDS = 300;

let credentials = load();
let current; // { token, expiresAt }

function load() {
  try {
    return JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null');
  } catch {
    return null;
  }
}

function save(value) {
  credentials = value;
  current = undefined;
  if (value === null) sessionStorage.removeItem(STORAGE_KEY);
  else sessionStorage.setItem(STORAGE_KEY, JSON.stringify(value));
}

/** True when credentials are stored for this tab. */
export function signedIn() {
  return credentials !== null;
}

/** Forgets the credentials. */
export function signOut() {
  save(null);
}

/** `HostName=…;SharedAccessKeyName=…;SharedAccessKey=…` → its parts; throws on anything else. */
export function parseServiceConnectionString(text) {
  const fields = new Map();
  for (const pair of text.trim().replace(/;$/, '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error('a connection string is Key=value pairs separated by ;');
    fields.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const hostName = fields.get('HostName');
  const keyName = fields.get('SharedAccessKeyName');
  const key = fields.get('SharedAccessKey');
  if (!hostName || !keyName || !key) throw new Error('the service connection string needs HostName, SharedAccessKeyName and SharedAccessKey');
  return { hostName, keyName, key };
}

/** Signs a service token: HMAC-SHA256 of `sr\nse` with the policy key (docs/protocol.md §4). */
export async function signToken({ hostName, keyName, key }, ttlSeconds = TOKEN_TTL_SECONDS) {
  const sr = encodeURIComponent(hostName);
  const se = Math.floor(Date.now() / 1000) + ttlSeconds;
  const keyBytes = Uint8Array.from(atob(key), (c) => c.charCodeAt(0));
  const hmac = await crypto.subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', hmac, new TextEncoder().encode(`${sr}\n${se}`)));
  const sig = encodeURIComponent(btoa(String.fromCharCode(...mac)));
  return { token: `SharedAccessSignature sr=${sr}&sig=${sig}&se=${se}&skn=${encodeURIComponent(keyName)}`, expiresAt: se };
}

/** The `se` of a pasted token. */
function expiryOf(token) {
  const match = /[?&\s]se=(\d+)/.exec(` ${token.replace(/^SharedAccessSignature\s+/, '&')}`);
  return match === null ? 0 : Number(match[1]);
}

/** Asks the hub for a local-session token (only answered to this machine). */
async function localToken() {
  const response = await fetch('/simhub/session', { method: 'POST' });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.Message?.replace(/^ErrorCode:[^;]*;/, '') ?? `the hub refused the local session (${response.status})`);
  return { token: body.token, expiresAt: Math.floor(Date.parse(body.expiresUtc) / 1000) };
}

/** Opens a local session and remembers it. */
export async function useLocalSession() {
  const fresh = await localToken();
  save({ kind: 'local' });
  current = fresh;
}

/** Remembers a service connection string (checked by signing one token). */
export async function useConnectionString(text) {
  const parsed = parseServiceConnectionString(text);
  const fresh = await signToken(parsed);
  save({ kind: 'connection-string', ...parsed });
  current = fresh;
}

/** Remembers a pasted SharedAccessSignature token. */
export function useToken(text) {
  const token = text.trim();
  if (!token.startsWith('SharedAccessSignature ')) throw new Error('a token starts with "SharedAccessSignature sr=…"');
  const expiresAt = expiryOf(token);
  if (expiresAt * 1000 <= Date.now()) throw new Error('this token has expired');
  save({ kind: 'token', token });
  current = { token, expiresAt };
}

/** A token valid for a while yet, renewed when its end is near; throws when it cannot be renewed. */
export async function token() {
  const now = Math.floor(Date.now() / 1000);
  if (current !== undefined && current.expiresAt - now > RENEW_MARGIN_SECONDS) return current.token;
  if (credentials === null) throw new Error('not signed in');
  if (credentials.kind === 'local') current = await localToken();
  else if (credentials.kind === 'connection-string') current = await signToken(credentials);
  else current = { token: credentials.token, expiresAt: expiryOf(credentials.token) };
  if (current.expiresAt <= now) {
    signOut();
    throw new Error('the token has expired: sign in again');
  }
  return current.token;
}
