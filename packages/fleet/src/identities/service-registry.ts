/**
 * Creating devices through the IoT Hub service REST API (`PUT /devices/{id}?api-version=2021-04-12`,
 * a SAS token signed with a service policy such as `iothubowner`). A device that already exists
 * (409) is read back with `GET` instead, so a second run reuses the first run's devices.
 */
import { request } from 'node:https';
import { request as plainRequest } from 'node:http';
import { createSasToken } from '@hubwire/sas';
import { FleetConfigError, FleetConnectError } from '../config/config-error.ts';
import type { DeviceIdentity } from './identity.ts';

const API_VERSION = '2021-04-12';
/** Requests in flight at once: the service throttles identity-registry operations per unit. */
const PARALLEL = 16;

/** A parsed service connection string. */
export interface ServiceConnection {
  readonly hostName: string;
  readonly keyName: string;
  readonly key: string;
}

/** Parses `HostName=…;SharedAccessKeyName=…;SharedAccessKey=…`; throws FleetConfigError naming what is missing. */
export function parseServiceConnectionString(text: string): ServiceConnection {
  const fields = new Map<string, string>();
  for (const pair of text.split(';')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    if (at <= 0) throw new FleetConfigError('--service-connection-string: expected Key=value pairs separated by ;');
    fields.set(pair.slice(0, at), pair.slice(at + 1));
  }
  const hostName = fields.get('HostName');
  const keyName = fields.get('SharedAccessKeyName');
  const key = fields.get('SharedAccessKey');
  if (hostName === undefined || keyName === undefined || key === undefined) {
    throw new FleetConfigError('--service-connection-string needs HostName, SharedAccessKeyName and SharedAccessKey');
  }
  return { hostName, keyName, key };
}

/** Creates (or reads back) each device and returns its identity with the primary key; throws FleetConnectError when the service refuses. */
export async function createDevices(
  service: ServiceConnection,
  ids: readonly string[],
  options: { url?: string; ca?: string; onProgress?: (done: number) => void } = {},
): Promise<DeviceIdentity[]> {
  const base = (options.url ?? `https://${service.hostName}`).replace(/\/$/, '');
  const token = await createSasToken({ resourceUri: service.hostName, key: service.key, keyName: service.keyName, expiresAt: Math.floor(Date.now() / 1000) + 3600 });
  const out: DeviceIdentity[] = new Array(ids.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const index = next++;
      const deviceId = ids[index] as string;
      const path = `/devices/${encodeURIComponent(deviceId)}?api-version=${API_VERSION}`;
      let answer = await call(base, 'PUT', path, token, JSON.stringify({ deviceId }), options.ca);
      if (answer.status === 409) answer = await call(base, 'GET', path, token, undefined, options.ca);
      if (answer.status === 401 || answer.status === 403) {
        throw new FleetConnectError(`the IoT Hub service refused the service connection string (HTTP ${answer.status}): check SharedAccessKeyName and SharedAccessKey`);
      }
      if (answer.status < 200 || answer.status > 299) throw new FleetConnectError(`creating ${deviceId} failed: HTTP ${answer.status} ${answer.body.slice(0, 200)}`);
      const key = (JSON.parse(answer.body) as { authentication?: { symmetricKey?: { primaryKey?: string } } }).authentication?.symmetricKey?.primaryKey;
      if (typeof key !== 'string') throw new FleetConnectError(`the service returned no symmetric key for ${deviceId}`);
      out[index] = { deviceId, hostName: service.hostName, key };
      options.onProgress?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, ids.length) }, worker));
  return out;
}

function call(base: string, method: string, path: string, token: string, body: string | undefined, ca: string | undefined): Promise<{ status: number; body: string }> {
  const url = new URL(path, `${base}/`);
  const send = url.protocol === 'http:' ? plainRequest : request;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method,
        headers: { authorization: token, 'content-type': 'application/json', ...(body === undefined ? {} : { 'content-length': Buffer.byteLength(body) }) },
        timeout: 15_000,
        ...(ca === undefined ? {} : { ca }),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error) => reject(new FleetConnectError(`cannot reach the IoT Hub service at ${base}: ${(error as NodeJS.ErrnoException).code ?? error.message}`)));
    req.end(body);
  });
}
