// artillery-engine-hubwire: Artillery scenarios that drive Azure IoT Hub devices (see README.md).

export { ENGINE_NAME, HubwireEngine } from './engine.ts';
export type { ArtilleryScript, EngineHelpers, ScenarioEvents, ScenarioSpec, Step, StepCallback, VuContext } from './artillery/surface.ts';
export type { ErrorKind } from './errors.ts';
export { ScenarioError } from './errors.ts';
export { COUNTERS, ERROR_CODE_PREFIX, ERROR_COUNTER_PREFIX, HISTOGRAMS, SEND_RATE } from './metrics.ts';
export { targetEndpoint } from './config.ts';
export type { Transport } from './device/transport.ts';
export { STEP_NAMES } from './steps/compile.ts';
export { DevicePool, parseDeviceFile, parseSlice, shareOf, workerShare } from './pool.ts';
export type { Lent, Share } from './pool.ts';
