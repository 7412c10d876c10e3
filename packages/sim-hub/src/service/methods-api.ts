/**
 * Direct-method routes (REST reference "Invoke Method", device and module forms): the device's
 * answer becomes `{ status, payload }`; an identity that is not connected and subscribed to methods
 * gets 404 DeviceNotOnline (after waiting `connectTimeoutInSeconds` for it to come), no answer within
 * `responseTimeoutInSeconds` gets 504 GatewayTimeout, as on IoT Hub (docs/protocol.md §10).
 */
import { TopicError } from '@hubwire/topics';
import { MethodInvocationError } from '../methods.ts';
import { ServiceError } from './errors.ts';
import { readJsonObject } from './http-io.ts';
import { requireIdentity } from './identity-body.ts';
import type { RequestContext, Reply, Route } from './router.ts';

/** The filter a device subscribes to receive method requests. */
const METHODS_FILTER = '$iothub/methods/POST/#';

/** A whole number of seconds in [min, max], `fallback` when absent; 400 with IoT Hub's wording otherwise. */
function seconds(body: Record<string, unknown>, name: string, min: number, max: number, fallback: number): number {
  const value = body[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ServiceError('ArgumentInvalid', `${name} must be within [${min}; ${max}].`);
  }
  return value;
}

/** Invokes the method the body names on the identity of the path. */
async function invoke(context: RequestContext): Promise<Reply> {
  const { hub } = context.runtime;
  const identity = requireIdentity(hub, context.params['deviceId']!, context.params['moduleId']);
  const body = await readJsonObject(context.request);
  const methodName = body['methodName'];
  if (typeof methodName !== 'string' || methodName === '') throw new ServiceError('ArgumentInvalid', 'methodName must be a non-empty string');
  const responseTimeout = seconds(body, 'responseTimeoutInSeconds', 5, 300, 30);
  const connectTimeout = seconds(body, 'connectTimeoutInSeconds', 0, 300, 0);
  const moduleOption = identity.moduleId === undefined ? {} : { moduleId: identity.moduleId };
  if (connectTimeout > 0) {
    // Waiting for the device is the caller's choice; a failed wait ends as "not online" below.
    await hub.waitForConnection(identity.deviceId, { ...moduleOption, filters: [METHODS_FILTER], timeoutMs: connectTimeout * 1000 }).catch(() => undefined);
  }
  try {
    const result = await hub.invokeMethod(identity.deviceId, methodName, body['payload'] ?? null, { ...moduleOption, timeoutMs: responseTimeout * 1000 });
    return { status: 200, body: { status: result.status, payload: result.payload } };
  } catch (error) {
    throw asServiceError(error);
  }
}

/** The API error for what invokeMethod threw. */
function asServiceError(error: unknown): unknown {
  if (error instanceof MethodInvocationError) {
    if (error.code === 'device-offline') {
      return new ServiceError(
        'DeviceNotOnline',
        "The operation failed because the requested device isn't online or hasn't registered the direct method callback. To learn more, see https://aka.ms/iothub404103",
      );
    }
    if (error.code === 'timeout') return new ServiceError('GatewayTimeout', 'Timed out waiting for the response from device.');
    return new ServiceError('ServiceUnavailable', 'the simulated hub is closing');
  }
  if (error instanceof TopicError) return new ServiceError('ArgumentInvalid', `methodName: ${error.message}`);
  if (error instanceof RangeError) return new ServiceError('MessageTooLarge', error.message);
  return error;
}

/** The method routes. */
export const methodRoutes: readonly Route[] = [
  { method: 'POST', path: '/twins/:deviceId/methods', family: 'hub', handler: invoke },
  { method: 'POST', path: '/twins/:deviceId/modules/:moduleId/methods', family: 'hub', handler: invoke },
];
