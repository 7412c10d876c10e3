/** Helpers that make the hub's event log readable (short body previews, property lists). */
import type { MessageProperties } from '@hubwire/topics';

/** The body as text, cut to `max` characters; binary-looking bodies show their size only. */
export function preview(body: Uint8Array, max = 80): string {
  if (body.length === 0) return '(empty)';
  const text = new TextDecoder().decode(body.subarray(0, max * 4));
  if (/[\u0000-\u0008\u000e-\u001f\ufffd]/.test(text)) return `(${body.length} bytes)`;
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** `name=value, …` for the properties that are set, system ones by friendly name; '' when none. */
export function describeProperties(properties: MessageProperties): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(properties)) {
    if (name !== 'application' && value !== undefined) parts.push(`${name}=${String(value)}`);
  }
  for (const [name, value] of Object.entries(properties.application)) parts.push(value === null ? name : `${name}=${value}`);
  return parts.length === 0 ? '' : ` [${parts.join(', ')}]`;
}
