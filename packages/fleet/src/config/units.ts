/**
 * Durations and sizes as people type them on a command line: `20s`, `500ms`, `2m`, `1h` (a bare
 * number is seconds); `256`, `16k`, `1KiB`, `256KB` (KB and KiB both 1024 bytes, as IoT Hub counts).
 */
import { FleetConfigError } from './config-error.ts';

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/;
const DURATION_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Returns milliseconds for a duration like `20s`; throws FleetConfigError naming `flag` otherwise. */
export function parseDuration(text: string, flag: string): number {
  const match = DURATION.exec(text.trim());
  if (match === null) throw new FleetConfigError(`${flag}: "${text}" is not a duration (e.g. 500ms, 20s, 5m, 1h)`);
  return Number(match[1]) * (DURATION_MS[match[2] ?? 's'] as number);
}

const SIZE = /^(\d+)\s*(b|k|kb|kib|m|mb|mib)?$/i;

/** Returns bytes for a size like `16k`; throws FleetConfigError naming `flag` otherwise. */
export function parseSize(text: string, flag: string): number {
  const match = SIZE.exec(text.trim());
  if (match === null) throw new FleetConfigError(`${flag}: "${text}" is not a size (e.g. 200, 16k, 256KiB)`);
  const unit = (match[2] ?? 'b').toLowerCase();
  return Number(match[1]) * (unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 * 1024 : 1);
}

/** Returns a finite number within [min, max]; throws FleetConfigError naming `flag` otherwise. */
export function parseNumber(text: string, flag: string, min: number, max = Number.MAX_SAFE_INTEGER, integer = false): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    const kind = integer ? 'an integer' : 'a number';
    throw new FleetConfigError(`${flag}: "${text}" must be ${kind} from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}`);
  }
  return value;
}
