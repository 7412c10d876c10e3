/** Reading request bodies and writing JSON answers for the service API, with the limits that keep it bounded. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ServiceError } from './errors.ts';

/** The largest request body read (a 128 KB method payload in its JSON envelope fits with room to spare). */
export const MAX_REQUEST_BYTES = 512 * 1024;

/** Reads the whole body; rejects with 413 MessageTooLarge past `limit` bytes (the rest is not buffered). */
export function readBody(request: IncomingMessage, limit = MAX_REQUEST_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    request.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new ServiceError('MessageTooLarge', `the request body exceeds ${limit} bytes`));
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.once('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    request.once('error', (error) => {
      if (!failed) reject(error);
    });
  });
}

/** Reads a JSON body; 400 ArgumentInvalid when it is empty or not JSON. */
export async function readJson(request: IncomingMessage): Promise<unknown> {
  const body = await readBody(request);
  const text = body.toString('utf8').trim();
  if (text === '') throw new ServiceError('ArgumentInvalid', 'the request body is empty; a JSON document is required');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ServiceError('ArgumentInvalid', `the request body is not valid JSON: ${(error as Error).message}`);
  }
}

/** Reads a JSON body that must be an object; 400 ArgumentInvalid otherwise. */
export async function readJsonObject(request: IncomingMessage): Promise<Record<string, unknown>> {
  const value = await readJson(request);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ServiceError('ArgumentInvalid', 'the request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/** Writes a JSON answer (or an empty one when `body` is undefined). */
export function writeJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  if (body === undefined) {
    response.writeHead(status, { 'Content-Length': '0', ...headers }).end();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    ...headers,
  });
  response.end(text);
}

/** The etag a request names in If-Match, without quotes or a weak prefix; undefined when absent. */
export function ifMatch(request: IncomingMessage): string | undefined {
  const header = request.headers['if-match'];
  if (header === undefined || header === '') return undefined;
  return header.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

/** Throws 412 PreconditionFailed when If-Match names an etag other than `current` (`*` matches anything). */
export function checkIfMatch(request: IncomingMessage, current: string): void {
  const wanted = ifMatch(request);
  if (wanted !== undefined && wanted !== '*' && wanted !== current) {
    throw new ServiceError('PreconditionFailed', `the etag in If-Match (${wanted}) is not the current etag (${current})`);
  }
}
