/**
 * canonicalJson is RFC 8785 and byte-for-byte the `canonicalize` package. That package is ESM-only, so it runs in a
 * child Node process and both serialize the same values: RFC 8785's own number examples, edge cases and random JSON.
 */
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { canonicalJson, type JsonValue } from '../../lambdas/ledger/audit-chain';
import { REPO_ROOT } from '../support/cli';

/** Serializes every value with `canonicalize`, resolved from the repository like any dependency. */
function canonicalizeInChild(values: readonly JsonValue[]): string[] {
  const script = `
    import canonicalize from 'canonicalize';
    let input = '';
    for await (const chunk of process.stdin) input += chunk;
    process.stdout.write(JSON.stringify(JSON.parse(input).map((value) => canonicalize(value))));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    input: JSON.stringify(values),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`canonicalize failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as string[];
}

/** RFC 8785 Appendix B: IEEE 754 bit patterns and their required JSON serialization. */
const RFC_8785_NUMBERS: readonly (readonly [string, string])[] = [
  ['0000000000000000', '0'],
  ['8000000000000000', '0'],
  ['0000000000000001', '5e-324'],
  ['8000000000000001', '-5e-324'],
  ['7fefffffffffffff', '1.7976931348623157e+308'],
  ['ffefffffffffffff', '-1.7976931348623157e+308'],
  ['4340000000000000', '9007199254740992'],
  ['c340000000000000', '-9007199254740992'],
  ['4430000000000000', '295147905179352830000'],
  ['44b52d02c7e14af5', '9.999999999999997e+22'],
  ['44b52d02c7e14af6', '1e+23'],
  ['44b52d02c7e14af7', '1.0000000000000001e+23'],
  ['444b1ae4d6e2ef4e', '999999999999999700000'],
  ['444b1ae4d6e2ef4f', '999999999999999900000'],
  ['444b1ae4d6e2ef50', '1e+21'],
  ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
  ['3eb0c6f7a0b5ed8d', '0.000001'],
  ['41b3de4355555553', '333333333.3333332'],
  ['41b3de4355555554', '333333333.33333325'],
  ['41b3de4355555555', '333333333.3333333'],
  ['41b3de4355555556', '333333333.3333334'],
  ['41b3de4355555557', '333333333.33333343'],
  ['becbf647612f3696', '-0.0000033333333333333333'],
  ['43143ff3c1cb0959', '1424953923781206.2'],
];
const NUMBERS = RFC_8785_NUMBERS.map(([bits]) => Buffer.from(bits, 'hex').readDoubleBE(0));

const EDGE_CASES: JsonValue[] = [
  NUMBERS,
  {
    '\u20ac': 'Euro Sign',
    '\r': 'Carriage Return',
    '\ufb33': 'Hebrew Letter Dalet With Dagesh',
    '1': 'One',
    '\ud83d\ude00': 'Emoji: Grinning Face',
    '\u0080': 'Control',
    '\u00f6': 'Latin Small Letter O With Diaeresis',
  },
  {
    literals: [null, true, false],
    string: '\u20ac$\u000f\nA\'B"\\\\"/',
    numbers: [333333333.3333333, 1e30, 4.5, 0.002, 1e-27],
  },
  { '': 'empty key', a: { b: { c: [[], {}, [{}]] } }, '\u2028\u2029': '\u2028\u2029\u007f' },
];

const { json } = fc.letrec<{ json: JsonValue }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string({ unit: 'grapheme', maxLength: 12 }),
    fc.string({ unit: 'binary-ascii', maxLength: 12 }),
    fc.array(tie('json'), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 6 }), tie('json'), { maxKeys: 4 }),
  ),
}));

describe('canonicalJson', () => {
  it('serializes the numbers of RFC 8785 Appendix B as the RFC requires', () => {
    expect(NUMBERS.map(canonicalJson)).toEqual(RFC_8785_NUMBERS.map(([, json]) => json));
  });

  it('matches canonicalize on those numbers and on edge cases of strings and structure', () => {
    expect(EDGE_CASES.map(canonicalJson)).toEqual(canonicalizeInChild(EDGE_CASES));
  });

  it('matches canonicalize on 3000 random JSON values', () => {
    // Values travel to the child as JSON, so both sides serialize what JSON.parse gives back.
    const values = (fc.sample(json, { numRuns: 3000, seed: 8785 }) as JsonValue[]).map(
      (value) => JSON.parse(JSON.stringify(value)) as JsonValue,
    );
    expect(values.map(canonicalJson)).toEqual(canonicalizeInChild(values));
  });
});
