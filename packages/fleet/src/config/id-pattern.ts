/**
 * Device ids from a pattern: `{n}` is the device number, `{n:05}` zero-padded to 5 digits, so
 * `sim-{n:05}` with `--start 1000` gives `sim-01000`, `sim-01001`, … Several fleet instances
 * given disjoint `--start` ranges never share an id.
 */
import { FleetConfigError } from './config-error.ts';

const PLACEHOLDER = /\{n(?::0?(\d+))?\}/g;
/** IoT Hub device ids: up to 128 of A-Z a-z 0-9 - . % _ * ? ! ( ) , : = @ $ ' (docs/protocol.md §2). */
const DEVICE_ID = /^[A-Za-z0-9\-.%_*?!(),:=@$']{1,128}$/;

/** Returns a function from device number to id; throws FleetConfigError for a pattern without `{n}` or that makes invalid ids. */
export function idPattern(pattern: string): (n: number) => string {
  if (!/\{n(?::0?\d+)?\}/.test(pattern)) throw new FleetConfigError(`--id-pattern: "${pattern}" needs {n} (or {n:05}) for the device number`);
  const format = (n: number): string => pattern.replace(PLACEHOLDER, (_, width: string | undefined) => String(n).padStart(Number(width ?? 0), '0'));
  const sample = format(0);
  if (!DEVICE_ID.test(sample)) throw new FleetConfigError(`--id-pattern: "${sample}" is not a valid device id (1–128 of A-Z a-z 0-9 - . % _ * ? ! ( ) , : = @ $ ')`);
  return format;
}
