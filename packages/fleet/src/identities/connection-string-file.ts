/**
 * Device identities from a file: the simulated hub's `connection-strings.json`
 * (`{ "devices": { "<id>": "<connection string>" }, … }`) or plain text with one device
 * connection string per line (blank lines and `#` comments skipped).
 */
import { readFileSync } from 'node:fs';
import { parseConnectionString } from '@hubwire/sas';
import { FleetConfigError } from '../config/config-error.ts';
import { counted } from '../output/format.ts';
import type { DeviceIdentity } from './identity.ts';

/** Returns identities `start` … `start + count - 1` of the file, in file order; throws FleetConfigError for anything unusable. */
export function identitiesFromFile(path: string, start: number, count: number): DeviceIdentity[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new FleetConfigError(`--connection-strings: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const entries = text.trimStart().startsWith('{') ? jsonEntries(text, path) : lineEntries(text);
  if (entries.length < start + count) {
    throw new FleetConfigError(`--connection-strings: ${path} has ${counted(entries.length, 'device')}; --start ${start} --devices ${count} needs ${start + count}`);
  }
  return entries.slice(start, start + count).map(([where, connectionString]) => identityOf(connectionString, `${path} ${where}`));
}

/** Returns the identity a device connection string describes; throws FleetConfigError saying where it came from. */
export function identityOf(connectionString: string, where: string): DeviceIdentity {
  let cs;
  try {
    cs = parseConnectionString(connectionString);
  } catch (error) {
    throw new FleetConfigError(`${where}: broken connection string: ${(error as Error).message}`);
  }
  if (cs.moduleId !== undefined) throw new FleetConfigError(`${where}: module identities are not simulated (ModuleId=${cs.moduleId})`);
  if (cs.x509 === true) throw new FleetConfigError(`${where}: X.509 identities need a client certificate, which the fleet does not simulate`);
  return {
    deviceId: cs.deviceId,
    hostName: cs.hostName,
    ...(cs.gatewayHostName === undefined ? {} : { gatewayHostName: cs.gatewayHostName }),
    ...(cs.gatewayPort === undefined ? {} : { gatewayPort: cs.gatewayPort }),
    ...(cs.sharedAccessKey === undefined ? {} : { key: cs.sharedAccessKey }),
    ...(cs.sharedAccessSignature === undefined ? {} : { token: cs.sharedAccessSignature }),
  };
}

function jsonEntries(text: string, path: string): [string, string][] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new FleetConfigError(`--connection-strings: ${path} is not valid JSON (${(error as Error).message})`);
  }
  const devices = (parsed as { devices?: unknown }).devices;
  if (typeof devices !== 'object' || devices === null || Array.isArray(devices)) {
    throw new FleetConfigError(`--connection-strings: ${path} has no "devices" object of id → connection string`);
  }
  return Object.entries(devices).map(([id, value]) => {
    if (typeof value !== 'string') throw new FleetConfigError(`--connection-strings: ${path}: devices["${id}"] is not a string`);
    return [`devices["${id}"]`, value];
  });
}

function lineEntries(text: string): [string, string][] {
  const out: [string, string][] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed !== '' && !trimmed.startsWith('#')) out.push([`line ${i + 1}`, trimmed]);
  });
  return out;
}
