/**
 * Telemetry bodies from a template: `{id}` the device id, `{n}` its number, `{seq}` the message's
 * sequence number on that device, `{now}` the wall clock in ms, `{rand:20-30}` a random number in
 * that range (one decimal). A body shorter than `--size` is padded with spaces (still valid JSON);
 * a template without per-message placeholders is rendered once per device and its bytes reused.
 */
import { utf8 } from '@hubwire/core';

/** The default body: small JSON a thermostat might send. */
export const DEFAULT_TEMPLATE = '{"deviceId":"{id}","seq":{seq},"temperature":{rand:18-26}}';

const TOKEN = /\{(id|n|seq|now|rand:(-?\d+(?:\.\d+)?)-(-?\d+(?:\.\d+)?))\}/g;

/** Renders bodies for one fleet. */
export class PayloadTemplate {
  readonly #template: string;
  readonly #size: number;
  readonly #perMessage: boolean;
  readonly #perDevice: boolean;
  readonly #random: () => number;
  #shared: Uint8Array | undefined;

  /** A template padded to `size` bytes (0: as rendered). */
  constructor(template: string, size: number, random: () => number) {
    this.#template = template;
    this.#size = size;
    this.#random = random;
    this.#perMessage = /\{(seq|now|rand:[^}]*)\}/.test(template);
    this.#perDevice = /\{(id|n)\}/.test(template);
  }

  /** Whether every device's body is the same bytes (one buffer shared by the whole fleet). */
  get isShared(): boolean {
    return !this.#perMessage && !this.#perDevice;
  }

  /** Whether a device's body changes from message to message. */
  get isPerMessage(): boolean {
    return this.#perMessage;
  }

  /** The body of message `seq` of device `n` with id `id`. */
  render(id: string, n: number, seq: number): Uint8Array {
    if (this.isShared) return (this.#shared ??= this.#pad(this.#template));
    const text = this.#template.replace(TOKEN, (token: string, name: string, low?: string, high?: string) => {
      if (name === 'id') return id;
      if (name === 'n') return String(n);
      if (name === 'seq') return String(seq);
      if (name === 'now') return String(Date.now());
      if (low !== undefined && high !== undefined) return (Number(low) + this.#random() * (Number(high) - Number(low))).toFixed(1);
      return token;
    });
    return this.#pad(text);
  }

  #pad(text: string): Uint8Array {
    const bytes = utf8(text);
    if (bytes.length >= this.#size) return bytes;
    const padded = new Uint8Array(this.#size).fill(0x20);
    padded.set(bytes);
    return padded;
  }
}
