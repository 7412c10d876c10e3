/**
 * The service side's stand-in until a handler is mounted: every request gets 404 with an error body
 * in IoT Hub's JSON shape, so the HTTPS listener, its certificate and its wiring can be exercised.
 */
import type { RequestListener } from 'node:http';

/** A handler that answers every request 404 `{"errorCode":404000,…}`. */
export function placeholderServiceHandler(): RequestListener {
  return (request, response) => {
    const body = JSON.stringify({
      errorCode: 404000,
      trackingId: `sim-${Date.now().toString(36)}`,
      message: `no service endpoint at ${request.method ?? 'GET'} ${request.url ?? '/'}`,
      timestampUtc: new Date().toISOString(),
    });
    response.writeHead(404, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
  };
}
