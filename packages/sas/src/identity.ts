// Minimal identity checks, only where a bad value would silently change meaning: an id with `/`
// would name another resource in a SAS `sr` (docs/protocol.md §4 prefix rule) or another identity in
// the MQTT user name. A private copy of the rules in `@hubwire/topics`, which sas must not import.

import { describe } from './arguments.ts';
import { CredentialsError } from './errors.ts';
import type { CredentialsErrorCode } from './errors.ts';

/**
 * Device and module ids: 1–128 ASCII alphanumerics or `- . % _ * ? ! ( ) , = @ $ '` (docs/protocol.md §2;
 * `+` and `#` are dropped because they cannot appear in an MQTT topic name).
 */
const IDENTITY_ID = /^[A-Za-z0-9\-.%_*?!(),=@$']{1,128}$/;

/** DPS registration ids: 1–128 alphanumerics, `.`, `_`, `-`, not starting or ending with a symbol (§13). */
const REGISTRATION_ID = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,126}[A-Za-z0-9])?$/;

/** DPS id scopes (`0ne00000A0A`): alphanumerics only. */
const ID_SCOPE = /^[A-Za-z0-9]{1,64}$/;

/** Host names: dot-separated labels of `A-Z a-z 0-9 -` (also matches IPv4 literals); no port, no path. */
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** True for a device or module id hubwire can use (docs/protocol.md §2). */
export function isValidIdentityId(id: unknown): id is string {
  return typeof id === 'string' && IDENTITY_ID.test(id);
}

/** True for a DPS registration id (docs/protocol.md §13). */
export function isValidRegistrationId(id: unknown): id is string {
  return typeof id === 'string' && REGISTRATION_ID.test(id);
}

/** True for a DPS id scope. */
export function isValidIdScope(scope: unknown): scope is string {
  return typeof scope === 'string' && ID_SCOPE.test(scope);
}

/** True for a DNS host name or IPv4 literal. */
export function isValidHostName(host: unknown): host is string {
  return typeof host === 'string' && HOST_NAME.test(host);
}

/** Throws CredentialsError `code` naming `field`, `value` and the rule unless `valid`. */
export function requireValid(valid: boolean, code: CredentialsErrorCode, field: string, value: unknown, rule: string): void {
  if (!valid) throw new CredentialsError(code, field, `${field} ${describe(value)} is invalid: ${rule}`);
}

/** Rule texts for error messages. */
export const RULES: {
  readonly identityId: string;
  readonly registrationId: string;
  readonly idScope: string;
  readonly hostName: string;
} = {
  identityId: "1–128 ASCII alphanumerics or - . % _ * ? ! ( ) , = @ $ ' (docs/protocol.md §2)",
  registrationId: '1–128 alphanumerics, . _ -, starting and ending alphanumeric (docs/protocol.md §13)',
  idScope: 'alphanumerics only, e.g. 0ne00000A0A',
  hostName: 'a DNS host name such as contoso.azure-devices.net (no scheme, port or path)',
};
