/**
 * The service side of an embedded-hub run (`--service-rate N`): each second, N desired-property
 * patches and N direct-method calls on randomly chosen connected devices, so the devices' twin
 * and method behaviours are exercised and the method round trip is measured.
 */
import type { ServiceSide } from '../hub/embedded-hub.ts';
import { LatencyHistogram } from '../metrics/histogram.ts';
import type { FleetDevice } from './fleet-device.ts';

/** Drives desired patches and method calls from the hub's side. */
export class ServiceLoad {
  readonly methodLatency = new LatencyHistogram();
  desiredSent = 0;
  methodCalls = 0;
  readonly methodFailures = new Map<string, number>();
  readonly #hub: ServiceSide;
  readonly #devices: readonly FleetDevice[];
  readonly #rate: number;
  readonly #pending = new Set<Promise<void>>();
  #carry = 0;

  /** Calls `rate` times a second of each kind on devices of `devices`. */
  constructor(hub: ServiceSide, devices: readonly FleetDevice[], rate: number) {
    this.#hub = hub;
    this.#devices = devices;
    this.#rate = rate;
  }

  /** One second's worth of calls. */
  tick(): void {
    this.#carry += this.#rate;
    const count = Math.floor(this.#carry);
    this.#carry -= count;
    for (let i = 0; i < count; i++) {
      const device = this.#pick();
      if (device === undefined) return;
      const deviceId = device.identity.deviceId;
      this.#hub.updateDesired(deviceId, { setpoint: Math.round(180 + Math.random() * 80) / 10 });
      this.desiredSent++;
      const started = performance.now();
      this.methodCalls++;
      const call = this.#hub
        .invokeMethod(deviceId, 'ping', { at: Date.now() }, 10_000)
        .then(
          () => this.methodLatency.record(performance.now() - started),
          (error: unknown) => {
            const code = (error as { code?: unknown }).code;
            const kind = typeof code === 'string' ? code : 'error';
            this.methodFailures.set(kind, (this.methodFailures.get(kind) ?? 0) + 1);
          },
        )
        .finally(() => this.#pending.delete(call));
      this.#pending.add(call);
    }
  }

  /** Resolves when every call made so far has settled. */
  async settle(): Promise<void> {
    await Promise.all([...this.#pending]);
  }

  /** A random connected device (a few tries), or undefined. */
  #pick(): FleetDevice | undefined {
    for (let tries = 0; tries < 8; tries++) {
      const device = this.#devices[Math.floor(Math.random() * this.#devices.length)];
      if (device?.engine?.isConnected === true) return device;
    }
    return undefined;
  }
}
