/** Between a running hub's parts and the state file: what a snapshot holds, and putting one back. */
import type { DpsService } from '../dps.ts';
import type { HubState } from '../hub-state.ts';
import type { HubSnapshot, ServicePolicy } from './state-file.ts';
import { StateFileError } from './state-file.ts';

/** The parts of a hub that last. */
export interface LastingParts {
  readonly state: HubState;
  readonly dps: DpsService;
  readonly servicePolicy: ServicePolicy;
}

/** A snapshot of everything that lasts. */
export function snapshotHub(parts: LastingParts): HubSnapshot {
  return {
    hostName: parts.state.hostName,
    servicePolicy: parts.servicePolicy,
    identities: parts.state.registry.export(),
    twins: parts.state.twins.export(),
    deviceBound: parts.state.deviceBound.export(),
    sessions: parts.state.sessions.export(),
    dps: parts.dps.export(),
  };
}

/** Puts a snapshot back into fresh parts; a part that refuses its data becomes a StateFileError naming `path`. */
export function restoreHub(parts: Omit<LastingParts, 'servicePolicy'>, snapshot: HubSnapshot, path: string): void {
  try {
    parts.state.registry.import(snapshot.identities);
    parts.state.twins.import(snapshot.twins);
    parts.state.sessions.import(snapshot.sessions);
    parts.state.deviceBound.import(snapshot.deviceBound);
    parts.dps.import(snapshot.dps);
  } catch (error) {
    throw new StateFileError(`${path} is damaged: ${error instanceof Error ? error.message : String(error)}`);
  }
}
