/**
 * `parseDecimal` / `parseInteger` must agree with JavaScript's `Number()` bit for bit (compared with `Object.is`, so
 * -0 and 0 differ) on every string of the decimal grammar, and return NaN for everything else and for overflow.
 */
import fc from 'fast-check';
import { parseDecimal, parseInteger } from '../../lambdas/stats/number';

const DECIMAL_GRAMMAR = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER_GRAMMAR = /^[+-]?\d+$/;

/** What `parseDecimal` must return: `Number()` for the grammar, finite results only. */
function expectedDecimal(text: string): number {
  if (!DECIMAL_GRAMMAR.test(text)) return NaN;
  const value = Number(text);
  return Number.isFinite(value) ? value : NaN;
}

function expectedInteger(text: string): number {
  if (!INTEGER_GRAMMAR.test(text)) return NaN;
  const value = Number(text);
  return Number.isFinite(value) ? value : NaN;
}

/** Parses `text` embedded between unrelated bytes, so `start`/`end` are honoured and nothing outside is read. */
function decimal(text: string): number {
  const bytes = Buffer.from(`9.${text}7`, 'latin1');
  return parseDecimal(bytes, 2, 2 + text.length);
}

function integer(text: string): number {
  const bytes = Buffer.from(`12${text}34`, 'latin1');
  return parseInteger(bytes, 2, 2 + text.length);
}

function expectSame(actual: number, expected: number, text: string): void {
  if (!Object.is(actual, expected)) throw new Error(`"${text}": parsed ${actual}, Number() gives ${expected}`);
}

const finiteDouble = fc.double({ noNaN: true, noDefaultInfinity: true });

/** Every way JavaScript itself renders a double. */
const renderedDouble = fc.oneof(
  finiteDouble.map((x) => String(x)),
  fc.tuple(finiteDouble, fc.integer({ min: 0, max: 100 })).map(([x, d]) => x.toExponential(d)),
  fc
    .tuple(
      finiteDouble.filter((x) => Math.abs(x) < 1e21),
      fc.integer({ min: 0, max: 100 }),
    )
    .map(([x, d]) => x.toFixed(d)),
  fc.tuple(finiteDouble, fc.integer({ min: 1, max: 100 })).map(([x, d]) => x.toPrecision(d)),
  // Doubles near the fast-path boundaries: small integers scaled by powers of ten.
  fc
    .tuple(fc.integer({ min: -(2 ** 53), max: 2 ** 53 }), fc.integer({ min: -40, max: 40 }))
    .map(([m, e]) => `${m}e${e}`),
);

const digits = (min: number, max: number) =>
  fc.string({
    unit: fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9'),
    minLength: min,
    maxLength: max,
  });

/** Strings of the grammar built piece by piece: signs, leading zeros, long mantissas, huge exponents. */
const grammarString = fc
  .record({
    sign: fc.constantFrom('', '+', '-'),
    leadingZeros: fc.constantFrom('', '0', '000', '0'.repeat(30)),
    whole: digits(0, 40),
    dot: fc.boolean(),
    fraction: digits(0, 40),
    exponentMark: fc.constantFrom('', 'e', 'E'),
    exponentSign: fc.constantFrom('', '+', '-'),
    exponentDigits: fc.oneof(digits(1, 3), digits(4, 12), fc.constantFrom('0', '00022', '308', '309', '324', '325')),
  })
  .map((p) => {
    const mantissa = p.dot ? `${p.leadingZeros}${p.whole}.${p.fraction}` : `${p.leadingZeros}${p.whole}${p.fraction}`;
    const exponent = p.exponentMark === '' ? '' : `${p.exponentMark}${p.exponentSign}${p.exponentDigits}`;
    return `${p.sign}${mantissa}${exponent}`;
  });

/** Arbitrary junk over the grammar's alphabet and a few characters `Number()` accepts but the grammar does not. */
const nearMissString = fc.string({
  unit: fc.constantFrom('0', '1', '9', '.', 'e', 'E', '+', '-', ' ', 'x', '_', 'I', 'n', '\t'),
  maxLength: 12,
});

describe('parseDecimal', () => {
  it('equals Number() for every way JavaScript renders a double', () => {
    fc.assert(
      fc.property(renderedDouble, (text) => {
        expectSame(decimal(text), expectedDecimal(text), text);
      }),
      { numRuns: 20000 },
    );
  });

  it('equals Number() for digit strings with signs, leading zeros, >15 significant digits and huge exponents', () => {
    fc.assert(
      fc.property(grammarString, (text) => {
        expectSame(decimal(text), expectedDecimal(text), text);
      }),
      { numRuns: 20000 },
    );
  });

  it('returns NaN exactly where the grammar does not match (or the value overflows)', () => {
    fc.assert(
      fc.property(nearMissString, (text) => {
        expectSame(decimal(text), expectedDecimal(text), text);
      }),
      { numRuns: 20000 },
    );
  });

  it.each([
    ['0', 0],
    ['-0', -0],
    ['+0', 0],
    ['-0.000', -0],
    ['-0e500', -0],
    ['.5', 0.5],
    ['-.5', -0.5],
    ['5.', 5],
    ['5.e3', 5000],
    ['007', 7],
    ['1E+2', 100],
    ['0.1', 0.1],
    ['9007199254740993', 9007199254740992],
    ['123456789012345678901234567890', 1.2345678901234568e29],
    ['1.7976931348623157e308', Number.MAX_VALUE],
    ['5e-324', Number.MIN_VALUE],
    ['2e-324', 0],
    ['1e-400', 0],
  ])('parses %s', (text, value) => {
    expect(Object.is(decimal(text), value)).toBe(true);
  });

  it.each([
    '',
    '-',
    '+',
    '.',
    '-.',
    '1e',
    '1e+',
    'e5',
    '.e5',
    '1.2.3',
    ' 1',
    '1 ',
    '0x10',
    '0b1',
    'Infinity',
    '-Infinity',
    'NaN',
    '1_000',
    '1,5',
    '--1',
    '+-1',
    '1e1.5',
  ])('rejects %j', (text) => {
    expect(decimal(text)).toBeNaN();
  });

  it.each(['1e309', '-1e309', '1.8e308', '9'.repeat(400)])('treats the overflowing %s as NaN', (text) => {
    expect(decimal(text)).toBeNaN();
  });

  it('does not let a huge exponent be cancelled by a very long run of fraction digits', () => {
    // 0.000…01 × 10^1000000000 overflows; a saturating exponent counter once made this 1.
    const tiny = `0.${'0'.repeat(99_999)}1`;
    for (const text of [`${tiny}e1000000000`, `${tiny}e100000`, `${tiny}e99999`, `${tiny}e100002`]) {
      expectSame(decimal(text), expectedDecimal(text), `${text.slice(0, 8)}…${text.slice(-14)}`);
    }
    expect(decimal(`${tiny}e100000`)).toBe(1);
  });

  it('rejects an empty range and respects the range bounds inside a larger buffer', () => {
    const bytes = Buffer.from('12.5,3e2', 'latin1');
    expect(parseDecimal(bytes, 0, 0)).toBeNaN();
    expect(parseDecimal(bytes, 0, 4)).toBe(12.5);
    expect(parseDecimal(bytes, 0, 2)).toBe(12);
    expect(parseDecimal(bytes, 5, 8)).toBe(300);
    expect(parseDecimal(bytes, 0, 8)).toBeNaN();
  });
});

describe('parseInteger', () => {
  it('equals Number() on integer literals and NaN on everything else', () => {
    fc.assert(
      fc.property(fc.oneof(grammarString, renderedDouble, nearMissString), (text) => {
        expectSame(integer(text), expectedInteger(text), text);
      }),
      { numRuns: 20000 },
    );
  });

  it.each([
    ['0', 0],
    ['-0', -0],
    ['+17', 17],
    ['000123', 123],
    ['-9007199254740993', -9007199254740992],
  ])('parses %s', (text, value) => {
    expect(Object.is(integer(text), value)).toBe(true);
  });

  it.each(['1.0', '1.', '.1', '1e3', '1E3', '', '-', '0x10', '1_000', ' 1', 'Infinity', '9'.repeat(400)])(
    'rejects %j',
    (text) => {
      expect(integer(text)).toBeNaN();
    },
  );
});
