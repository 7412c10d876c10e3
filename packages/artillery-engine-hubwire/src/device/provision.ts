/**
 * One DPS registration (docs/protocol.md §13) for a virtual device: connect to the provisioning
 * service, register, wait for the assignment, disconnect. The ProvisioningEngine does the
 * protocol (polling with retry-after, one ending per registration); every wait is bounded here
 * by the registration timeout.
 */
import { ProvisioningEngine, type ProvisioningEvent } from '@hubwire/core';
import { ScenarioError, snake } from '../errors.ts';
import { dpsPassword, type TokenOptions } from './auth.ts';
import { EngineLink } from './engine-link.ts';
import type { Dialer } from './transport.ts';
import { Waits } from './waits.ts';

/** What to register. */
export interface ProvisionRequest {
  readonly dial: Dialer;
  readonly idScope: string;
  readonly registrationId: string;
  /** The device's symmetric key (individual, or derived from the group key). */
  readonly key: string;
  readonly token: TokenOptions;
  /** Bounds the whole registration, socket included. */
  readonly timeoutMs: number;
  /** Custom allocation payload, e.g. `{ modelId }`. */
  readonly payload?: unknown;
}

/** Where DPS put the device. */
export interface Assignment {
  readonly assignedHub: string;
  readonly deviceId: string;
}

/** Registers and resolves with the assignment; rejects with ScenarioError `provision_failed.<reason>` or a socket failure kind. */
export async function provisionDevice(request: ProvisionRequest): Promise<Assignment> {
  let engine: ProvisioningEngine;
  try {
    engine = new ProvisioningEngine({
      idScope: request.idScope,
      registrationId: request.registrationId,
      requestTimeoutMs: request.timeoutMs,
      connackTimeoutMs: request.timeoutMs,
      registrationTimeoutMs: request.timeoutMs,
    });
  } catch (error) {
    throw new ScenarioError('invalid_scenario', `connect (DPS): ${error instanceof Error ? error.message : String(error)}`);
  }
  const waits = new Waits();
  let outcome: Assignment | ScenarioError | undefined;
  const link = new EngineLink<ProvisioningEvent>(engine, (event) => {
    outcome ??= ending(event);
    if (outcome !== undefined) waits.check();
  });
  const started = link.now();
  try {
    const password = await dpsPassword(request.idScope, request.registrationId, request.key, request.token);
    await link.open(request.dial, request.timeoutMs);
    link.loop.act((now) => {
      engine.connect(now, { password });
      engine.register(now, request.payload === undefined ? {} : { payload: request.payload });
    });
    const remaining = Math.max(1, request.timeoutMs - (link.now() - started));
    const result = await waits.until(
      () => {
        if (outcome instanceof ScenarioError) throw outcome;
        return outcome;
      },
      remaining,
      () => new ScenarioError('provision_failed.timeout', `DPS gave no assignment for ${request.registrationId} within ${request.timeoutMs} ms`),
    );
    if (engine.state === 'connected') link.loop.act((now) => engine.disconnect(now));
    return result;
  } finally {
    await link.close();
  }
}

/** The assignment or failure an event means, if any. */
function ending(event: ProvisioningEvent): Assignment | ScenarioError | undefined {
  switch (event.type) {
    case 'assigned':
      return { assignedHub: event.assignedHub, deviceId: event.deviceId };
    case 'registration-failed': {
      const detail = [event.status, event.errorCode, event.message].filter((part) => part !== undefined).join(' ');
      return new ScenarioError(`provision_failed.${snake(event.reason)}`, `DPS registration failed: ${event.reason}${detail === '' ? '' : ` (${detail})`}`);
    }
    case 'connect-failed':
      return new ScenarioError(`provision_failed.${snake(event.reason)}`, `DPS refused the connection: ${event.reason} (CONNACK ${event.returnCode})`);
    case 'connection-lost':
      return new ScenarioError('provision_failed.connection_lost', `the DPS connection was lost: ${event.reason}${event.detail === undefined ? '' : ` (${event.detail})`}`);
    default:
      return undefined;
  }
}
