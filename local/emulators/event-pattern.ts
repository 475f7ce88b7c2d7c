/**
 * Amazon EventBridge event patterns: validation and matching as EventBridge does them (the AWS user guide's
 * "Event patterns", "Comparison operators" and "Arrays" pages), with the edge cases settled the way Event Ruler —
 * the open-source engine behind EventBridge's pattern matching — settles them, and its reasons for rejecting a pattern.
 *
 * How a pattern reads an event:
 * - The event is seen as leaf fields named by their dotted path (`detail.state`); objects are not values, arrays are
 *   crushed (each element is a value of the same field). A field whose value is an object or an empty array does
 *   not exist as far as matching is concerned.
 * - A pattern is the conjunction of its fields (`$or` forks it into alternatives); a field matches when any of its
 *   listed matchers matches any of the event's values for that name.
 * - Values taken from objects inside arrays must come from the same array element ("array consistency"). Fields are
 *   considered in name order, and `exists: false` asks whether the name is absent from the elements already chosen by
 *   the fields before it — so on its own it sees every element, and a field present in any element counts as present.
 */
import { ServiceError } from './service';

type Leaf = string | number | boolean | null;

/** One entry of a field's matcher list: `absence` marks `{"exists": false}`. */
interface Matcher {
  readonly absence: boolean;
  test(value: Leaf): boolean;
}

/** A field of the pattern: the event values it accepts. */
type FieldMatchers = readonly Matcher[];

/** The pattern after `$or` expansion: alternatives, each a conjunction of fields in name order. */
interface Alternative {
  readonly names: readonly string[];
  readonly fields: ReadonlyMap<string, FieldMatchers>;
}

/** A validated pattern, ready to match many events. */
export interface CompiledEventPattern {
  matches(event: unknown): boolean;
}

/** EventBridge rejects a pattern whose `$or`s expand into more alternatives than this. */
const MAX_COMBINATIONS = 1000;

/** Field names Event Ruler refuses inside `$or`, so that `{"$or": [{"numeric": …}]}` is not read as a field. */
const RESERVED_IN_OR = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

/** Throws `InvalidEventPatternException` (as `PutRule` and `TestEventPattern` do) when the pattern is not valid. */
export function validateEventPattern(pattern: unknown): void {
  compileEventPattern(pattern);
}

/** Whether `event` matches `pattern`; an invalid pattern throws as {@link validateEventPattern}. */
export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  return compileEventPattern(pattern).matches(event);
}

/** Validates once, then matches any number of events. */
export function compileEventPattern(pattern: unknown): CompiledEventPattern {
  let alternatives: Alternative[];
  try {
    if (!isObject(pattern)) throw new PatternError('Filter is not an object', []);
    const tree = parseObject(pattern, [], false);
    const combinations = countCombinations(tree);
    if (combinations > MAX_COMBINATIONS) {
      throw new PatternError(
        `The $or operators expand into ${combinations} rule combinations, more than the ${MAX_COMBINATIONS} allowed`,
        [],
      );
    }
    alternatives = expand(tree, [new Map()]).map((fields) => ({ names: [...fields.keys()].sort(), fields }));
  } catch (error) {
    if (!(error instanceof PatternError)) throw error;
    const where = error.path.length > 0 ? ` at ${error.path.join('.')}` : '';
    throw new ServiceError(
      'InvalidEventPatternException',
      `Event pattern is not valid. Reason: ${error.message}${where}`,
    );
  }
  return {
    matches(event: unknown): boolean {
      const fields = flattenEvent(event);
      return alternatives.some((alternative) => satisfies(alternative, fields, 0, new Map()));
    },
  };
}

class PatternError extends Error {
  constructor(
    message: string,
    readonly path: readonly string[],
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing: the pattern's shape, checked in document order like Event Ruler's JsonRuleCompiler.

/** An object of the pattern: `name` is its key in the parent (empty for the root and for `$or` branches). */
interface ObjectNode {
  readonly kind: 'object';
  readonly name: string;
  readonly entries: readonly PatternNode[];
}

type PatternNode =
  | ObjectNode
  | { readonly kind: 'field'; readonly name: string; readonly matchers: FieldMatchers }
  | { readonly kind: 'or'; readonly branches: readonly ObjectNode[] };

function parseObject(node: Record<string, unknown>, path: readonly string[], insideOr: boolean, name = ''): ObjectNode {
  const entries: PatternNode[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === '$or') {
      entries.push(parseOr(value, path));
      continue;
    }
    const here = [...path, key];
    if (insideOr && RESERVED_IN_OR.has(key)) {
      throw new PatternError(`${key} is Ruler reserved fieldName which cannot be used inside $or.`, here);
    }
    if (isObject(value)) entries.push(parseObject(value, here, insideOr, key));
    else if (Array.isArray(value)) entries.push({ kind: 'field', name: key, matchers: parseMatchers(value, here) });
    else throw new PatternError(`"${key}" must be an object or an array`, here);
  }
  if (entries.length === 0) throw new PatternError('Empty objects are not allowed', path);
  return { kind: 'object', name, entries };
}

function parseOr(value: unknown, path: readonly string[]): PatternNode {
  if (!Array.isArray(value)) throw new PatternError('It must be an Array followed with $or.', path);
  const branches = value.map((branch) => {
    if (!isObject(branch)) throw new PatternError('Only JSON object is allowed in array of $or relationship.', path);
    return parseObject(branch, path, true);
  });
  if (branches.length < 2) throw new PatternError('There must have at least 2 Objects in $or relationship.', path);
  return { kind: 'or', branches };
}

function parseMatchers(values: readonly unknown[], path: readonly string[]): FieldMatchers {
  const matchers = values.map((value): Matcher => {
    if (isObject(value)) return parseExpression(value, path);
    if (typeof value === 'string') {
      const address = parseIp(value);
      return address ? stringTest((v) => sameBytes(parseIp(v), address)) : exactly(value);
    }
    if (typeof value === 'number') return exactly(value);
    if (typeof value === 'boolean' || value === null) return exactly(value);
    throw new PatternError('Match value must be String, number, true, false, or null', path);
  });
  if (matchers.length === 0) throw new PatternError('Empty arrays are not allowed', path);
  return matchers;
}

/** `{ "prefix": … }`, `{ "numeric": … }` and the other comparison operators. */
function parseExpression(expression: Record<string, unknown>, path: readonly string[]): Matcher {
  const keys = Object.keys(expression);
  if (keys.length === 0) throw new PatternError('Match expression name not found', path);
  const operator = keys[0];
  const argument = expression[operator];
  const onlyOneKey = (matcher: Matcher, message = 'Only one key allowed in match expression'): Matcher => {
    if (keys.length > 1) throw new PatternError(message, path);
    return matcher;
  };
  switch (operator) {
    case 'prefix':
    case 'suffix': {
      if (isObject(argument)) return onlyOneKey(parseAffixIgnoringCase(operator, argument, path));
      if (typeof argument !== 'string') throw new PatternError(`${operator} match pattern must be a string`, path);
      return onlyOneKey(stringTest(operator === 'prefix' ? startsWith(argument) : endsWith(argument)));
    }
    case 'equals-ignore-case':
      if (typeof argument !== 'string') {
        throw new PatternError('equals-ignore-case match pattern must be a string', path);
      }
      return onlyOneKey(stringTest(equalsIgnoringCase(argument)));
    case 'wildcard':
      if (typeof argument !== 'string') throw new PatternError('wildcard match pattern must be a string', path);
      return onlyOneKey(stringTest(wildcard(argument, path)));
    case 'numeric':
      if (!Array.isArray(argument)) throw new PatternError('Value of numeric must be an array.', path);
      return onlyOneKey(parseNumeric(argument, path), 'Too many elements in numeric expression');
    case 'anything-but':
      return onlyOneKey(parseAnythingBut(argument, path), 'Too many elements in numeric expression');
    case 'exists':
      if (typeof argument !== 'boolean') {
        throw new PatternError('exists match pattern must be either true or false.', path);
      }
      return onlyOneKey(argument ? valueTest(() => true) : { absence: true, test: () => false });
    case 'cidr':
      // Event Ruler's wording for a non-string CIDR, kept so the reason reads as EventBridge's.
      if (typeof argument !== 'string') throw new PatternError('prefix match pattern must be a string', path);
      return onlyOneKey(parseCidr(argument, path));
    default:
      throw new PatternError(`Unrecognized match type ${operator}`, path);
  }
}

/** `{ "prefix": { "equals-ignore-case": "…" } }` and its suffix twin. */
function parseAffixIgnoringCase(
  operator: 'prefix' | 'suffix',
  argument: Record<string, unknown>,
  path: readonly string[],
): Matcher {
  const title = operator === 'prefix' ? 'Prefix' : 'Suffix';
  const keys = Object.keys(argument);
  if (keys.length === 0) throw new PatternError(`${title} expression name not found`, path);
  if (keys[0] !== 'equals-ignore-case') throw new PatternError(`Unsupported ${operator} pattern: ${keys[0]}`, path);
  const text = argument[keys[0]];
  if (typeof text !== 'string') throw new PatternError('equals-ignore-case match pattern must be a string', path);
  if (keys.length > 1) throw new PatternError('Only one key allowed in match expression', path);
  return stringTest(operator === 'prefix' ? startsWithIgnoringCase(text) : endsWithIgnoringCase(text));
}

type AnythingButKind = 'equals-ignore-case' | 'prefix' | 'suffix' | 'wildcard';
const ANYTHING_BUT_KINDS: readonly string[] = ['equals-ignore-case', 'prefix', 'suffix', 'wildcard'];

function parseAnythingBut(argument: unknown, path: readonly string[]): Matcher {
  let kind: AnythingButKind | undefined;
  let values = argument;
  if (isObject(argument)) {
    const keys = Object.keys(argument);
    if (keys.length === 0) throw new PatternError('Anything-But expression name not found', path);
    if (!ANYTHING_BUT_KINDS.includes(keys[0])) {
      throw new PatternError(`Unsupported anything-but pattern: ${keys[0]}`, path);
    }
    kind = keys[0] as AnythingButKind;
    values = argument[kind];
  }
  if (!Array.isArray(values) && typeof values !== 'string' && typeof values !== 'number') {
    throw new PatternError('Value of anything-but must be an array or single string/number value.', path);
  }
  const list: readonly unknown[] = Array.isArray(values) ? values : [values];
  const matcher = kind === undefined ? anythingButValues(list, path) : anythingButStrings(kind, list, path);
  if (isObject(argument) && Object.keys(argument).length > 1) {
    throw new PatternError('Too many elements in numeric expression', path);
  }
  return matcher;
}

/** `anything-but` a value or a list of values, all strings or all numbers: matches any value not among them. */
function anythingButValues(list: readonly unknown[], path: readonly string[]): Matcher {
  const strings = new Set<string>();
  const numbers = new Set<number>();
  for (const value of list) {
    if (typeof value === 'string') strings.add(value);
    else if (typeof value === 'number') numbers.add(comparable(value, path));
    else throw new PatternError('Inside anything but list, start|null|boolean is not supported.', path);
  }
  if (strings.size > 0 === numbers.size > 0) {
    throw new PatternError(
      'Inside anything but list, either all values are number or string, mixed type is not supported',
      path,
    );
  }
  return valueTest((v) => !(typeof v === 'string' ? strings.has(v) : typeof v === 'number' && numbers.has(v)));
}

/** `anything-but` with `prefix`, `suffix`, `equals-ignore-case` or `wildcard`: matches any value none of them match. */
function anythingButStrings(kind: AnythingButKind, list: readonly unknown[], path: readonly string[]): Matcher {
  const excluded = list.map((value) => {
    if (typeof value !== 'string') {
      const message =
        kind === 'equals-ignore-case'
          ? 'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.'
          : kind === 'wildcard'
            ? 'wildcard match pattern must be a string'
            : 'prefix/suffix match pattern must be a string';
      throw new PatternError(message, path);
    }
    if ((kind === 'prefix' || kind === 'suffix') && value === '') {
      throw new PatternError('Null prefix/suffix not allowed', path);
    }
    return value;
  });
  const tests = excluded.map((value) => {
    switch (kind) {
      case 'prefix':
        return startsWith(value);
      case 'suffix':
        return endsWith(value);
      case 'equals-ignore-case':
        return equalsIgnoringCase(value);
      case 'wildcard':
        return wildcard(value, path);
    }
  });
  return valueTest((v) => typeof v !== 'string' || !tests.some((test) => test(v)));
}

/** `["=", x]`, `[">", x]`, `[">=", x, "<", y]`…: a lower bound may be followed by an upper bound, never the reverse. */
function parseNumeric(terms: readonly unknown[], path: readonly string[]): Matcher {
  const [operator, value] = terms;
  if (typeof operator !== 'string') {
    throw new PatternError(`Invalid member in numeric match: ${tokenText(operator)}`, path);
  }
  const number = (term: unknown, name: string): number => {
    if (typeof term !== 'number') throw new PatternError(`Value of ${name} must be numeric`, path);
    return comparable(term, path);
  };
  const noMoreThan = (count: number, message = 'Too many elements in numeric expression'): void => {
    if (terms.length > count) throw new PatternError(message, path);
  };
  switch (operator) {
    case '=': {
      const equal = number(value, 'equals');
      noMoreThan(2);
      return numberTest((v) => v === equal);
    }
    case '<':
    case '<=': {
      const top = number(value, operator);
      noMoreThan(2);
      return numberTest(operator === '<' ? (v) => v < top : (v) => v <= top);
    }
    case '>':
    case '>=': {
      const bottom = number(value, operator);
      const above = operator === '>' ? (v: number) => v > bottom : (v: number) => v >= bottom;
      if (terms.length === 2) return numberTest(above);
      const upper = terms[2];
      if (typeof upper !== 'string') throw new PatternError(`Bad value in numeric range: ${tokenText(upper)}`, path);
      if (upper !== '<' && upper !== '<=') throw new PatternError(`Bad numeric range operator: ${upper}`, path);
      const top = number(terms[3], upper);
      noMoreThan(4, 'Too many terms in numeric range expression');
      if (!(bottom < top)) throw new PatternError('Bottom must be less than top', path);
      return numberTest(upper === '<' ? (v) => above(v) && v < top : (v) => above(v) && v <= top);
    }
    default:
      throw new PatternError(`Unrecognized numeric range operator: ${operator}`, path);
  }
}

/** Event Ruler compares numbers as IEEE 754 doubles; a literal beyond that range cannot be compared. */
function comparable(value: number, path: readonly string[]): number {
  if (!Number.isFinite(value)) throw new PatternError(`Cannot compare number : ${value}`, path);
  return value;
}

/** How Jackson prints the token where a numeric term was expected. */
function tokenText(term: unknown): string {
  if (term === undefined) return ']';
  if (Array.isArray(term)) return '[';
  if (isObject(term)) return '{';
  return typeof term === 'string' ? term : JSON.stringify(term);
}

// ---------------------------------------------------------------------------------------------------------------
// String comparisons. Each applies to string values only (EventBridge compares the quoted JSON text).

type StringTest = (value: string) => boolean;

const startsWith =
  (prefix: string): StringTest =>
  (value) =>
    value.startsWith(prefix);

const endsWith =
  (suffix: string): StringTest =>
  (value) =>
    value.endsWith(suffix);

/**
 * Event Ruler's case folding: each UTF-16 unit of the pattern may appear in the value as its lower- or upper-case
 * form (which may differ in length, so this tracks every position a prefix of the pattern can end at).
 */
function caseForms(text: string): string[][] {
  return text.split('').map((unit) => [...new Set([unit.toLowerCase(), unit.toUpperCase()])]);
}

function endsOfCaseInsensitiveMatch(forms: readonly string[][], value: string): Set<number> {
  let positions = new Set([0]);
  for (const options of forms) {
    const next = new Set<number>();
    for (const at of positions) {
      for (const option of options) if (value.startsWith(option, at)) next.add(at + option.length);
    }
    positions = next;
    if (positions.size === 0) break;
  }
  return positions;
}

function equalsIgnoringCase(text: string): StringTest {
  const forms = caseForms(text);
  return (value) => endsOfCaseInsensitiveMatch(forms, value).has(value.length);
}

function startsWithIgnoringCase(text: string): StringTest {
  const forms = caseForms(text);
  return (value) => endsOfCaseInsensitiveMatch(forms, value).size > 0;
}

function endsWithIgnoringCase(text: string): StringTest {
  const reversed = caseForms(text)
    .reverse()
    .map((options) => options.map(reverse));
  return (value) => endsOfCaseInsensitiveMatch(reversed, reverse(value)).size > 0;
}

function reverse(text: string): string {
  return text.split('').reverse().join('');
}

/**
 * `*` stands for any run of characters; `\*` is a literal asterisk and `\\` a literal backslash. Two `*` in a row and
 * any other escape are rejected, with Event Ruler's byte position (counted in the quoted UTF-8 value).
 */
function wildcard(pattern: string, path: readonly string[]): StringTest {
  const segments: string[] = [''];
  const bytePosition = (index: number): number => 1 + Buffer.byteLength(pattern.slice(0, index));
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '*') {
      if (pattern[i + 1] === '*') {
        throw new PatternError(`Consecutive wildcard characters at pos ${bytePosition(i)}`, path);
      }
      segments.push('');
    } else if (char === '\\') {
      const next = pattern[i + 1];
      if (next !== '*' && next !== '\\') {
        throw new PatternError(`Invalid escape character at pos ${bytePosition(i)}`, path);
      }
      segments[segments.length - 1] += next;
      i++;
    } else {
      segments[segments.length - 1] += char;
    }
  }
  return (value) => globMatches(segments, value);
}

/** Segments are the literal runs between `*`s: the first anchors the start, the last the end, the rest float. */
function globMatches(segments: readonly string[], value: string): boolean {
  const first = segments[0];
  if (segments.length === 1) return value === first;
  const last = segments[segments.length - 1];
  if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) return false;
  let at = first.length;
  const end = value.length - last.length;
  for (const middle of segments.slice(1, -1)) {
    const found = value.indexOf(middle, at);
    if (found < 0 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// IP addresses: what Event Ruler treats as an IP literal (a string pattern that is one matches that address only)
// and CIDR blocks, IPv4 and IPv6.

const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;

function parseCidr(text: string, path: readonly string[]): Matcher {
  const parts = text.split('/');
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length !== 2) throw new PatternError("Malformed CIDR, one '/' required", path);
  if (!/^[+-]?[0-9]+$/.test(parts[1])) throw new PatternError('Malformed CIDR, mask bits must be an integer', path);
  const maskBits = Number(parts[1]);
  if (maskBits < 0) throw new PatternError('Malformed CIDR, mask bits must not be negative', path);
  const address = parseIpForCidr(parts[0], path);
  if (address.length === 4 && maskBits > 31) throw new PatternError('IPv4 mask bits must be < 32', path);
  if (address.length === 16 && maskBits > 127) throw new PatternError('IPv6 mask bits must be < 128', path);
  const low = Uint8Array.from(address, (byte, i) => byte & maskByte(maskBits, i));
  const high = Uint8Array.from(address, (byte, i) => byte | (~maskByte(maskBits, i) & 0xff));
  return stringTest((value) => {
    const candidate = parseIp(value);
    return (
      candidate?.length === address.length && compareBytes(candidate, low) >= 0 && compareBytes(candidate, high) <= 0
    );
  });
}

/** The bits of byte `index` that a `/maskBits` prefix fixes. */
function maskByte(maskBits: number, index: number): number {
  const fixed = Math.min(8, Math.max(0, maskBits - index * 8));
  return (0xff << (8 - fixed)) & 0xff;
}

function parseIpForCidr(text: string, path: readonly string[]): Uint8Array {
  if (!IPV4_SHAPE.test(text) && !IPV6_SHAPE.test(text)) throw new PatternError(`Nonstandard IP address: ${text}`, path);
  const address = parseIp(text);
  if (!address) throw new PatternError(`Invalid IP address: ${text}`, path);
  return address;
}

/** The address bytes (4 or 16) of an IPv4 or IPv6 literal; IPv4-mapped IPv6 addresses read as IPv4, as in Java. */
function parseIp(text: string): Uint8Array | undefined {
  if (IPV4_SHAPE.test(text)) {
    const parts = text.split('.').map(Number);
    return parts.every((part) => part <= 255) ? Uint8Array.from(parts) : undefined;
  }
  if (!IPV6_SHAPE.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string): string[] => (half === '' ? [] : half.split(':'));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (!all.every((group) => /^[0-9a-fA-F]{1,4}$/.test(group))) return undefined;
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    const word = parseInt(group, 16);
    bytes[2 * i] = word >> 8;
    bytes[2 * i + 1] = word & 0xff;
  });
  const mapped = bytes.subarray(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12) : bytes;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && a.length === b.length && compareBytes(a, b) === 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Matchers.

function valueTest(test: (value: Leaf) => boolean): Matcher {
  return { absence: false, test };
}

function stringTest(test: StringTest): Matcher {
  return valueTest((value) => typeof value === 'string' && test(value));
}

function numberTest(test: (value: number) => boolean): Matcher {
  return valueTest((value) => typeof value === 'number' && test(value));
}

/** Strings, numbers (compared as numbers, so 300 and 3.0e2 are the same value), true, false and null. */
function exactly(expected: Leaf): Matcher {
  return valueTest((value) => value === expected);
}

// ---------------------------------------------------------------------------------------------------------------
// `$or` expansion.

function countCombinations(node: PatternNode): number {
  switch (node.kind) {
    case 'field':
      return 1;
    case 'or':
      return node.branches.reduce((sum, branch) => sum + countCombinations(branch), 0);
    case 'object':
      return node.entries.reduce((product, entry) => Math.min(product * countCombinations(entry), 1e9), 1);
  }
}

type Fields = Map<string, FieldMatchers>;

/** Adds `node` to every alternative built so far; an `$or` forks each of them once per branch. */
function expand(node: ObjectNode, alternatives: Fields[], prefix = ''): Fields[] {
  let current = alternatives;
  for (const entry of node.entries) {
    if (entry.kind === 'or') {
      const before = current;
      current = entry.branches.flatMap((branch) =>
        expand(
          branch,
          before.map((fields) => new Map(fields)),
          prefix,
        ),
      );
    } else if (entry.kind === 'object') {
      current = expand(entry, current, `${prefix}${entry.name}.`);
    } else {
      // A later mention of the same field replaces an earlier one, as the user guide notes.
      for (const fields of current) fields.set(`${prefix}${entry.name}`, entry.matchers);
    }
  }
  return current;
}

// ---------------------------------------------------------------------------------------------------------------
// Matching.

/** Which element of each enclosing array (by array id) a value came from. */
type Membership = ReadonlyMap<number, number>;

interface EventField {
  readonly value: Leaf;
  readonly membership: Membership;
}

function flattenEvent(event: unknown): Map<string, EventField[]> {
  const fields = new Map<string, EventField[]>();
  let arrays = 0;
  const walk = (node: unknown, name: string, membership: Membership): void => {
    if (Array.isArray(node)) {
      const id = arrays++;
      node.forEach((element, index) => walk(element, name, new Map(membership).set(id, index)));
    } else if (isObject(node)) {
      for (const [key, value] of Object.entries(node)) walk(value, name === '' ? key : `${name}.${key}`, membership);
    } else if (name !== '' && isLeaf(node)) {
      const list = fields.get(name);
      if (list) list.push({ value: node, membership });
      else fields.set(name, [{ value: node, membership }]);
    }
  };
  walk(event, '', new Map());
  return fields;
}

/** Fields in name order, each either matched by a value consistent with the elements chosen so far, or absent. */
function satisfies(
  alternative: Alternative,
  event: ReadonlyMap<string, readonly EventField[]>,
  index: number,
  membership: Membership,
): boolean {
  if (index === alternative.names.length) return true;
  const name = alternative.names[index];
  const matchers = alternative.fields.get(name) ?? [];
  const candidates = (event.get(name) ?? []).filter((field) => consistent(membership, field.membership));
  if (candidates.length === 0) {
    return matchers.some((matcher) => matcher.absence) && satisfies(alternative, event, index + 1, membership);
  }
  return candidates.some(
    (field) =>
      matchers.some((matcher) => matcher.test(field.value)) &&
      satisfies(alternative, event, index + 1, merge(membership, field.membership)),
  );
}

function consistent(a: Membership, b: Membership): boolean {
  for (const [array, element] of b) {
    const chosen = a.get(array);
    if (chosen !== undefined && chosen !== element) return false;
  }
  return true;
}

function merge(a: Membership, b: Membership): Membership {
  return b.size === 0 ? a : new Map([...a, ...b]);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLeaf(value: unknown): value is Leaf {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}
