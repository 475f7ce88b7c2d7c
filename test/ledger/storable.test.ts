/**
 * What goes into a DynamoDB item as given (lambdas/ledger/storable.ts): every kind of value the marshaller or DynamoDB
 * would refuse, drop or alter is named, and the size is DynamoDB's, not JSON's. That the sizes hold against DynamoDB
 * itself is checked against DynamoDB Local in lineage-repository.test.ts.
 */
import { ATTRIBUTES_BYTES, storageProblem } from '../../lambdas/ledger/storable';

describe('storageProblem', () => {
  it.each([
    ['zero, negative zero and the smallest numbers', { a: 0, b: -0, c: 1e-130, d: -1e-130 }],
    ['the largest integers read back exactly', { a: Number.MAX_SAFE_INTEGER, b: -Number.MAX_SAFE_INTEGER }],
    ['strings of every width, empty ones included', { a: '', b: 'é€🦊', c: '\u0000"\\' }],
    ['prototype member names other than __proto__ and constructor', { toString: 1, hasOwnProperty: 'no' }],
    ['nesting 32 levels deep', JSON.parse(`${'{"a":'.repeat(32)}1${'}'.repeat(32)}`) as unknown],
    ['a key of 65 535 bytes', { ['k'.repeat(65_535)]: true }],
    ['null-prototype objects and arrays', Object.assign(Object.create(null) as object, { list: [null, [], {}] })],
  ])('accepts %s', (_what, value) => {
    expect(storageProblem(value, 'attributes')).toBeUndefined();
  });

  it.each([
    ['2^53, which the marshaller refuses', { n: 2 ** 53 }, /attributes\.n \(9007199254740992\) is outside the numbers/],
    ['1e-131, which DynamoDB refuses', { list: [1, 1e-131] }, /attributes\.list\[1\] \(1e-131\) is outside/],
    ['a non-finite number', { n: Infinity }, /attributes\.n is not a finite number/],
    [
      'an own constructor key',
      JSON.parse('{"a": {"constructor": {"name": "String"}}}'),
      /attributes\.a has a "constructor" key/,
    ],
    ['an own __proto__ key', JSON.parse('{"a": {"__proto__": {"x": 1}}}'), /attributes\.a has a "__proto__" key/],
    ['an empty key', { a: { '': 1 } }, /attributes\.a has an empty key/],
    ['a key over 65 535 bytes', { ['é'.repeat(32_768)]: 1 }, /has a key of 65536 bytes/],
    ['a lone surrogate in a key', { '\udc00': 1 }, /has a key with a lone surrogate/],
    ['a lone surrogate in a value', { a: ['\ud800'] }, /attributes\.a\[0\] has a lone surrogate/],
    ['nesting 33 levels deep', JSON.parse(`${'{"a":'.repeat(33)}1${'}'.repeat(33)}`), /nested deeper than 32 levels/],
    ['a value that is not JSON', { when: new Date(0) }, /attributes\.when is not a JSON value/],
    // eslint-disable-next-line no-sparse-arrays
    ['a hole in an array', { list: [1, , 3] }, /attributes\.list\[1\] is not a JSON value/],
  ])('refuses %s, naming where', (_what, value, message) => {
    expect(storageProblem(value, 'attributes')).toMatch(message);
  });

  it('measures strings as UTF-8 bytes, however many bytes their JSON escapes take', () => {
    const budget = 1000;
    expect(storageProblem({ s: '\u0000'.repeat(budget - 10) }, 'attributes', budget)).toBeUndefined();
    expect(storageProblem({ s: 'é'.repeat(budget / 2) }, 'attributes', budget)).toMatch(/more than 1000 bytes/);
  });

  it('measures lists by their elements, not by JSON: a list of small numbers takes three bytes an element', () => {
    const ones = (count: number) => ({ list: new Array<number>(count).fill(1) });
    // 3 (the attribute map) + 1 + 4 ("list") + 3 (the list) + 3 per element.
    expect(storageProblem(ones(329), 'attributes', 1000)).toBeUndefined();
    expect(storageProblem(ones(330), 'attributes', 1000)).toMatch(/takes more than 1000 bytes/);
    // Its JSON has two bytes an element: a list under the budget as JSON can be over it as an item.
    expect(JSON.stringify(ones(Math.floor(ATTRIBUTES_BYTES / 2.5))).length).toBeLessThan(ATTRIBUTES_BYTES);
    expect(storageProblem(ones(Math.floor(ATTRIBUTES_BYTES / 2.5)), 'attributes')).toMatch(/more than/);
  });

  it.each([
    [7, 2],
    [12_345, 4],
    [1e-130, 2],
    [0.1 + 0.2, 10],
    [Number.MAX_SAFE_INTEGER, 9],
  ])('counts the number %d as %d bytes: one per two significant digits, plus one', (value, bytes) => {
    // The map of one attribute takes 3 bytes, its element 1 and its key ("n") 1 besides the number.
    expect(storageProblem({ n: value }, 'attributes', 5 + bytes)).toBeUndefined();
    expect(storageProblem({ n: value }, 'attributes', 4 + bytes)).toMatch(/more than/);
  });
});
