/**
 * The part of IoT Hub's query language a local hub needs: `SELECT * FROM devices` or
 * `FROM devices.modules`, optionally `WHERE` comparisons of twin paths (`tags.site = 'lab'`,
 * `properties.reported.temperature > 20`, `connectionState = 'Connected'`) joined by AND / OR
 * (AND binds tighter). Anything else is refused with 400 naming what is supported. Answers are
 * twins, paged with `x-ms-continuation` (an offset) as the service pages them.
 */
import { ServiceError } from './errors.ts';
import type { ServiceRuntime } from './router.ts';
import { twinJson } from './shapes.ts';

type Literal = string | number | boolean | null;
type Operator = '=' | '!=' | '<' | '>' | '<=' | '>=';

interface Comparison {
  readonly path: readonly string[];
  readonly operator: Operator;
  readonly value: Literal;
}

/** OR of ANDs of comparisons; empty means "every twin". */
type Condition = readonly (readonly Comparison[])[];

interface ParsedQuery {
  readonly modules: boolean;
  readonly where: Condition;
}

const SUPPORTED = "supported: SELECT * FROM devices[.modules] [WHERE path op value [AND|OR …]], op one of = != <> < > <= >=, value a 'string', number, true, false or null";

/** One token of the query text. */
const TOKEN = /\s*(?:('(?:[^']|'')*')|("(?:[^"])*")|(<>|!=|<=|>=|=|<|>)|([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|(\*))/y;

/** Splits the text into tokens; 400 on anything unrecognised. */
function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const start = TOKEN.lastIndex;
    const match = TOKEN.exec(text);
    if (match === null) {
      if (text.slice(start).trim() === '') break;
      throw new ServiceError('ArgumentInvalid', `query: unexpected text at ${JSON.stringify(text.slice(start, start + 20))}; ${SUPPORTED}`);
    }
    tokens.push(match[0].trim());
  }
  return tokens;
}

/** A literal token's value, or undefined when the token is not a literal. */
function literal(token: string): Literal | undefined {
  if (token.startsWith("'")) return token.slice(1, -1).replaceAll("''", "'");
  if (token.startsWith('"')) return token.slice(1, -1);
  if (/^-?\d/.test(token)) return Number(token);
  const lower = token.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (lower === 'null') return null;
  return undefined;
}

/** Parses the supported subset; 400 ArgumentInvalid otherwise. */
export function parseQuery(text: string): ParsedQuery {
  const tokens = tokenize(text);
  const fail = (why: string): never => {
    throw new ServiceError('ArgumentInvalid', `query: ${why}; ${SUPPORTED}`);
  };
  const keyword = (index: number, word: string): boolean => tokens[index]?.toUpperCase() === word;
  if (!keyword(0, 'SELECT') || tokens[1] !== '*' || !keyword(2, 'FROM')) fail('only SELECT * FROM … is supported');
  const source = tokens[3]?.toLowerCase();
  if (source !== 'devices' && source !== 'devices.modules') fail(`unknown collection ${tokens[3] ?? '(none)'}`);
  const where: Comparison[][] = [];
  if (tokens.length > 4) {
    if (!keyword(4, 'WHERE')) fail(`unexpected ${tokens[4]}`);
    let group: Comparison[] = [];
    for (let i = 5; ; i += 4) {
      const [path, operator, value] = [tokens[i], tokens[i + 1], tokens[i + 2]];
      if (path === undefined || operator === undefined || value === undefined) fail('a comparison is incomplete');
      if (literal(path!) !== undefined || !/^[A-Za-z_$]/.test(path!)) fail(`${path} is not a property path`);
      if (!/^(<>|!=|<=|>=|=|<|>)$/.test(operator!)) fail(`${operator} is not a comparison`);
      const parsed = literal(value!);
      if (parsed === undefined) fail(`${value} is not a literal`);
      group.push({ path: path!.split('.'), operator: (operator === '<>' ? '!=' : operator) as Operator, value: parsed! });
      const joiner = tokens[i + 3]?.toUpperCase();
      if (joiner === undefined) break;
      if (joiner === 'OR') {
        where.push(group);
        group = [];
      } else if (joiner !== 'AND') {
        fail(`unexpected ${tokens[i + 3]}`);
      }
    }
    where.push(group);
  }
  return { modules: source === 'devices.modules', where };
}

/** The value at a path of a twin document, or undefined. */
function valueAt(document: unknown, path: readonly string[]): unknown {
  let value = document;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** True when the comparison holds; a missing property compares false to anything (even with `!=`), as in IoT Hub's query language. */
function holds(document: unknown, comparison: Comparison): boolean {
  const actual = valueAt(document, comparison.path);
  const { operator, value } = comparison;
  if (actual === undefined) return false;
  if (operator === '=') return actual === value;
  if (operator === '!=') return actual !== value;
  if (typeof actual !== typeof value || (typeof actual !== 'number' && typeof actual !== 'string')) return false;
  const [a, b] = [actual as number | string, value as number | string];
  return operator === '<' ? a < b : operator === '>' ? a > b : operator === '<=' ? a <= b : a >= b;
}

/** One page of answers and the token of the next one. */
export interface QueryPage {
  readonly items: Record<string, unknown>[];
  readonly continuation?: string;
}

/** Runs a query over the hub's twins and returns the page after `continuation`. */
export function runQuery(runtime: ServiceRuntime, text: string, options: { pageSize: number; continuation?: string }): QueryPage {
  const query = parseQuery(text);
  const offset = options.continuation === undefined ? 0 : Number(options.continuation);
  if (!Number.isInteger(offset) || offset < 0) throw new ServiceError('ArgumentInvalid', 'x-ms-continuation is not one this hub gave out');
  const matching = runtime.hub
    .identities()
    .filter((identity) => (identity.moduleId !== undefined) === query.modules)
    .map((identity) => twinJson(runtime.hub, runtime.presence, identity))
    .filter((twin) => query.where.length === 0 || query.where.some((group) => group.every((comparison) => holds(twin, comparison))));
  const items = matching.slice(offset, offset + options.pageSize);
  const next = offset + items.length;
  return next < matching.length ? { items, continuation: String(next) } : { items };
}
