/**
 * A virtual user's hubwire state (its device, if connected) and the per-worker register of
 * device ids in use. IoT Hub allows one connection per identity and drops the older one, so two
 * users of one worker on the same id would fail each other in a way that is hard to read: the
 * second is refused here as `device_in_use` instead. Ids shared across workers or machines cannot
 * be seen from here; the README shows how to split them.
 */
import { ScenarioError } from './errors.ts';
import type { VirtualDevice } from './device/virtual-device.ts';

/** Device ids held by the users of this worker. */
export class DeviceLeases {
  readonly #held = new Set<string>();

  /** Takes `clientId` (a device id, or `device/module`); throws `device_in_use` if another user holds it. */
  acquire(clientId: string): () => void {
    if (this.#held.has(clientId)) {
      throw new ScenarioError('device_in_use', `${clientId} is already connected by another virtual user of this worker: give each user its own device (CSV rows, or an id with {{ $uuid }})`);
    }
    this.#held.add(clientId);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#held.delete(clientId);
    };
  }

  /** How many ids are held. */
  get size(): number {
    return this.#held.size;
  }
}

/** What one virtual user holds between steps. */
export class VirtualUser {
  #device: VirtualDevice | undefined;
  #releases: (() => void)[] = [];

  /** The connected (or last) device; throws `not_connected` before any connect step. */
  get device(): VirtualDevice {
    if (this.#device === undefined) throw new ScenarioError('not_connected', 'this step needs a device: put a connect step before it');
    return this.#device;
  }

  /** Whether a device was set up (connected or not). */
  get hasDevice(): boolean {
    return this.#device !== undefined;
  }

  /** Remembers a lease taken for the device about to connect (given back by `release`). */
  hold(release: () => void): void {
    this.#releases.push(release);
  }

  /** Makes `device` the user's device. */
  use(device: VirtualDevice): void {
    this.#device = device;
  }

  /** Closes the device, if any, and gives back its id and pool device. */
  async release(): Promise<void> {
    const device = this.#device;
    this.#device = undefined;
    try {
      await device?.close();
    } finally {
      for (const release of this.#releases.splice(0)) release();
    }
  }
}
