// @hubwire/sas: IoT Hub connection strings, SAS tokens, DPS key derivation and MQTT credentials.
// No dependencies; WebCrypto and TextEncoder only, so it runs in Node ≥ 20, Deno, Bun and browsers.

// Errors
export { ConnectionStringError, CredentialsError, SasTokenError } from './errors.ts';
export type { ConnectionStringErrorCode, CredentialsErrorCode, SasTokenErrorCode } from './errors.ts';

// Connection strings (docs/protocol.md §3)
export { formatConnectionString, parseConnectionString } from './connection-string.ts';
export type { ConnectionString } from './connection-string.ts';

// SAS tokens (§4)
export { deviceResourceUri, dpsResourceUri, resourceCovers } from './resource-uri.ts';
export { createSasToken, formatSasToken, parseSasToken, SAS_TOKEN_PREFIX, stringToSign } from './sas-token.ts';
export type { SasToken, SasTokenOptions } from './sas-token.ts';
export { verifySasToken } from './verify-sas-token.ts';
export type { SasRejection, SasVerification } from './verify-sas-token.ts';

// DPS group enrollment (§13)
export { deriveGroupKey } from './group-key.ts';

// MQTT credentials (§2, §13)
export { DPS_API_VERSION, dpsCredentials, HUB_API_VERSION, hubCredentials, sasExpiry } from './credentials.ts';
export type { DpsCredentialsOptions, HubCredentialsOptions, MqttCredentials } from './credentials.ts';
export { deviceCredentialsFromConnectionString } from './from-connection-string.ts';
export type { ConnectionCredentials, ConnectionStringCredentialsOptions } from './from-connection-string.ts';
