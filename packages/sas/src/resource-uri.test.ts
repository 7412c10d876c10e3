import { describe, expect, it } from 'vitest';
import { CredentialsError } from './errors.ts';
import { deviceResourceUri, dpsResourceUri } from './resource-uri.ts';

describe('deviceResourceUri', () => {
  it('names a device and a module with the plural modules segment', () => {
    expect(deviceResourceUri('contoso.azure-devices.net', 'dev-01')).toBe('contoso.azure-devices.net/devices/dev-01');
    expect(deviceResourceUri('contoso.azure-devices.net', 'dev-01', 'filter')).toBe(
      'contoso.azure-devices.net/devices/dev-01/modules/filter',
    );
  });

  it('keeps the case of ids (they are case-sensitive)', () => {
    expect(deviceResourceUri('h', 'Dev-01')).toBe('h/devices/Dev-01');
  });

  it('throws CredentialsError for an id that would name another resource', () => {
    expect(() => deviceResourceUri('h', 'd/modules/m')).toThrow(CredentialsError);
    expect(() => deviceResourceUri('h', 'd', 'm/x')).toThrow(CredentialsError);
    expect(() => deviceResourceUri('h/x', 'd')).toThrow(CredentialsError);
  });
});

describe('dpsResourceUri', () => {
  it('names a registration under its id scope', () => {
    expect(dpsResourceUri('0ne00000A0A', 'reg-007')).toBe('0ne00000A0A/registrations/reg-007');
  });

  it('throws CredentialsError for a registration id outside docs/protocol.md §13', () => {
    expect(() => dpsResourceUri('0ne00000A0A', 'reg_')).toThrow(CredentialsError);
    expect(() => dpsResourceUri('0ne00000A0A', 'r'.repeat(129))).toThrow(CredentialsError);
    expect(() => dpsResourceUri('', 'reg')).toThrow(CredentialsError);
  });
});
