/** The audit hash chain of CONTRACTS.md: hashing, appending and the verifier's verdicts on hand-made cases. */
import { createHash } from 'node:crypto';
import {
  GENESIS_HASH,
  hashEntry,
  nextEntry,
  parseAuditEntries,
  parseChainDigests,
  verifyAgainstDigests,
  verifyChain,
  type AuditEntry,
  type AuditInput,
  type UnhashedAuditEntry,
} from '../../lambdas/ledger/audit-chain';
import { InputError } from '../../lambdas/shared/errors';

const FIXED: UnhashedAuditEntry = {
  stream: 'credit-risk',
  seq: 1,
  at: '2025-01-31T12:00:00.000Z',
  actor: 'training',
  action: 'ModelRegistered',
  subject: 'credit-risk/v1',
  // Keys deliberately out of order; the values exercise escaping, non-ASCII text and exponent number forms.
  detail: {
    tags: ['a', 'b'],
    small: 1e-7,
    reviewer: null,
    passed: true,
    note: 'say "hi"\n\u0001café €',
    modelVersion: 1,
    metrics: { auc: 0.91 },
    big: 1e21,
    Zeta: -1.5,
  },
  prevHash: GENESIS_HASH,
};

/** RFC 8785 form of FIXED written out by hand: members sorted by code unit ("Z" < "a"), ES number forms. */
const FIXED_CANONICAL = String.raw`{"action":"ModelRegistered","actor":"training","at":"2025-01-31T12:00:00.000Z","detail":{"Zeta":-1.5,"big":1e+21,"metrics":{"auc":0.91},"modelVersion":1,"note":"say \"hi\"\n\u0001café €","passed":true,"reviewer":null,"small":1e-7,"tags":["a","b"]},"prevHash":"${'0'.repeat(64)}","seq":1,"stream":"credit-risk","subject":"credit-risk/v1"}`;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

function input(overrides: Partial<AuditInput> = {}): AuditInput {
  return { stream: 'm', actor: 'tester', action: 'Did', subject: 'thing', detail: {}, ...overrides };
}

/** A chain of `length` entries on `stream`, one second apart. */
function chain(length: number, stream = 'm'): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (let i = 0; i < length; i++) {
    const at = new Date(Date.UTC(2025, 0, 1, 0, 0, i));
    entries.push(nextEntry(entries.at(-1), input({ stream, detail: { i } }), at));
  }
  return entries;
}

describe('hashEntry', () => {
  it('is SHA-256 of prevHash, a newline and the hand-written canonical JSON', () => {
    const expected = sha256(`${'0'.repeat(64)}\n${FIXED_CANONICAL}`);
    expect(hashEntry(FIXED)).toBe(expected);
    // Pinned, so that a change to the hashing and to this test at once cannot go unnoticed.
    expect(expected).toBe('d096c13f7953ea13efc74a51717d695ab05c27d76e3878236acfbfeb7eb55f59');
  });

  it('ignores a hash already present and key order of the entry object', () => {
    const shuffled = Object.fromEntries(Object.entries(FIXED).reverse()) as unknown as UnhashedAuditEntry;
    expect(hashEntry({ ...shuffled, hash: 'f'.repeat(64) } as AuditEntry)).toBe(hashEntry(FIXED));
  });

  it('chains seq 2 on the hash of seq 1', () => {
    const first = { ...FIXED, hash: hashEntry(FIXED) };
    const second = nextEntry(first, input({ stream: 'credit-risk', detail: { x: 1 } }), new Date(FIXED.at));
    const canonical = String.raw`{"action":"Did","actor":"tester","at":"2025-01-31T12:00:00.000Z","detail":{"x":1},"prevHash":"${first.hash}","seq":2,"stream":"credit-risk","subject":"thing"}`;
    expect(second.prevHash).toBe(first.hash);
    expect(second.hash).toBe(sha256(`${first.hash}\n${canonical}`));
  });
});

describe('nextEntry', () => {
  it('starts a stream at seq 1 on the genesis hash, in UTC', () => {
    const entry = nextEntry(undefined, input(), new Date(Date.UTC(2025, 5, 1, 8, 30)));
    expect(entry).toMatchObject({ seq: 1, prevHash: GENESIS_HASH, at: '2025-06-01T08:30:00.000Z' });
    expect(entry.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('copies the detail, so later changes to the caller object do not alter the entry', () => {
    const detail = { nested: { n: 1 } };
    const entry = nextEntry(undefined, input({ detail }), new Date(0));
    detail.nested.n = 2;
    expect(verifyChain([entry]).valid).toBe(true);
  });

  it.each([
    ['an empty actor', input({ actor: '' })],
    ['a non-object detail', input({ detail: [] as never })],
    ['a non-finite number', input({ detail: { x: Infinity } })],
    ['a lone surrogate', input({ detail: { x: '\ud800' } })],
    ['a __proto__ key', input({ detail: JSON.parse('{"__proto__": {"polluted": true}}') as never })],
    ['an unknown field', { ...input(), seq: 3 } as AuditInput],
    ['a stream over 256 bytes, which digests name in S3 keys', input({ stream: 'é'.repeat(129) })],
    ['an action over 1 KiB', input({ action: 'x'.repeat(1025) })],
    ['a lone surrogate in the subject', input({ subject: 'a\udc00' })],
  ])('rejects %s with an InputError', (_what, bad) => {
    expect(() => nextEntry(undefined, bad, new Date(0))).toThrow(InputError);
  });

  it('refuses a head of another stream and an invalid date', () => {
    const [head] = chain(1, 'a');
    expect(() => nextEntry(head, input({ stream: 'b' }), new Date(0))).toThrow(InputError);
    expect(() => nextEntry(undefined, input(), new Date(Number.NaN))).toThrow(InputError);
  });
});

describe('verifyChain', () => {
  it('accepts intact interleaved streams and an empty ledger', () => {
    const a = chain(4, 'a');
    const b = chain(3, 'b');
    expect(verifyChain([a[0], b[0], a[1], a[2], b[1], b[2], a[3]])).toEqual({
      streams: 2,
      entries: 7,
      valid: true,
      firstBadSeq: null,
      firstBadStream: null,
      reason: null,
    });
    expect(verifyChain([])).toMatchObject({ streams: 0, entries: 0, valid: true });
  });

  it('names the first seq that fails and why', () => {
    const entries = chain(6);
    const edited = entries.map((entry) => (entry.seq === 3 ? { ...entry, actor: 'mallory' } : entry));
    expect(verifyChain(edited)).toMatchObject({ valid: false, firstBadSeq: 3, firstBadStream: 'm' });
    expect(verifyChain(edited).reason).toMatch(/does not match its hash/);

    const gap = entries.filter((entry) => entry.seq !== 4);
    expect(verifyChain(gap)).toMatchObject({ valid: false, firstBadSeq: 4 });
    expect(verifyChain(gap).reason).toMatch(/missing/);

    const fork = [...entries.slice(0, 3), nextEntry(entries[1], input({ actor: 'other' }), new Date(0))];
    expect(verifyChain(fork)).toMatchObject({ valid: false, firstBadSeq: 4 });
    expect(verifyChain(fork).reason).toMatch(/duplicate, forked or reordered/);

    const relinked = entries.map((entry) => (entry.seq === 2 ? { ...entry, prevHash: 'a'.repeat(64) } : entry));
    expect(verifyChain(relinked).reason).toMatch(/prevHash of seq 2/);
  });

  it('refuses a self-consistent chain that does not start at seq 1', () => {
    const unhashed = { ...chain(1)[0], seq: 2 };
    const rerooted = { ...unhashed, hash: hashEntry(unhashed) };
    expect(verifyChain([rerooted])).toMatchObject({ valid: false, firstBadSeq: 1 });
  });

  it('reports the first bad stream in order of appearance', () => {
    const a = chain(2, 'a');
    const b = chain(2, 'b');
    const entries = [b[0], { ...a[0], subject: 'x' }, { ...b[1], subject: 'y' }, a[1]];
    expect(verifyChain(entries)).toMatchObject({ streams: 2, valid: false, firstBadStream: 'b', firstBadSeq: 2 });
  });
});

describe('verifyAgainstDigests', () => {
  const entries = [...chain(5, 'a'), ...chain(3, 'b')];
  const heads = [
    { stream: 'a', seq: 5, hash: entries[4].hash },
    { stream: 'b', seq: 3, hash: entries[7].hash },
  ];

  it('accepts a chain that contains every anchored head, and later entries', () => {
    expect(verifyAgainstDigests(entries, heads).valid).toBe(true);
    expect(verifyAgainstDigests(entries, [{ stream: 'a', seq: 2, hash: entries[1].hash }]).valid).toBe(true);
  });

  it('catches a truncated tail that verifyChain alone cannot see', () => {
    const truncated = entries.filter((entry) => !(entry.stream === 'a' && entry.seq > 3));
    expect(verifyChain(truncated).valid).toBe(true);
    expect(verifyAgainstDigests(truncated, heads)).toMatchObject({ valid: false, firstBadStream: 'a', firstBadSeq: 4 });
  });

  it('catches a stream removed entirely and a rewritten chain', () => {
    const withoutB = entries.filter((entry) => entry.stream !== 'b');
    expect(verifyAgainstDigests(withoutB, heads)).toMatchObject({ valid: false, firstBadStream: 'b', firstBadSeq: 1 });

    // Whoever rewrites the table can recompute every hash; only the anchored head tells.
    const forged = [nextEntry(undefined, input({ stream: 'a', actor: 'mallory' }), new Date(0))];
    for (let i = 1; i < 5; i++) forged.push(nextEntry(forged[i - 1], input({ stream: 'a' }), new Date(0)));
    forged.push(...entries.slice(5));
    expect(verifyChain(forged).valid).toBe(true);
    expect(verifyAgainstDigests(forged, heads)).toMatchObject({ valid: false, firstBadStream: 'a', firstBadSeq: 5 });
  });

  it('reports an internal break before looking at digests', () => {
    const edited = entries.map((entry, i) => (i === 1 ? { ...entry, action: 'Other' } : entry));
    expect(verifyAgainstDigests(edited, heads)).toMatchObject({ valid: false, firstBadStream: 'a', firstBadSeq: 2 });
  });
});

describe('parsing files', () => {
  it('round-trips an export through JSON', () => {
    const entries = chain(3);
    expect(parseAuditEntries(JSON.parse(JSON.stringify(entries)))).toEqual(entries);
  });

  it.each([
    ['not an array', { entries: [] }, /not a JSON array of audit entries \(top level/],
    ['a bad hash', [{ ...chain(1)[0], hash: 'XYZ' }], /0\.hash: must be 64 lowercase hex digits/],
    ['a local time', [{ ...chain(1)[0], at: '2025-01-01T00:00:00+02:00' }], /0\.at: must be an ISO 8601 UTC/],
    ['a seq of 0', [{ ...chain(1)[0], seq: 0 }], /0\.seq/],
    ['an unknown field', [{ ...chain(1)[0], extra: 1 }], /extra/],
  ])('rejects %s with one InputError sentence', (_what, document, message) => {
    expect(() => parseAuditEntries(document)).toThrow(InputError);
    expect(() => parseAuditEntries(document)).toThrow(message);
  });

  it('lists at most three problems', () => {
    const document = Array.from({ length: 10 }, () => ({}));
    expect(() => parseAuditEntries(document)).toThrow(/more\)\.$/);
  });

  it('reads one digest or an array of digests and keeps only their three fields', () => {
    const digest = { stream: 'a', seq: 1, hash: 'a'.repeat(64), anchoredAt: 'x' };
    expect(parseChainDigests(digest)).toEqual([{ stream: 'a', seq: 1, hash: 'a'.repeat(64) }]);
    expect(parseChainDigests([digest, digest])).toHaveLength(2);
    expect(() => parseChainDigests({ stream: 'a', seq: 1 })).toThrow(InputError);
  });
});
