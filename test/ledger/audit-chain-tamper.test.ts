/**
 * Property: every single tampering of an exported ledger is caught — field edits, deletions, reorders, forged entries
 * inserted or swapped in with recomputed hashes by verifyChain alone (at the exact seq where they happened), a truncated tail by the anchored digests —
 * while untampered ledgers always verify.
 */
import fc from 'fast-check';
import {
  canonicalJson,
  nextEntry,
  parseAuditEntries,
  verifyAgainstDigests,
  verifyChain,
  type AuditEntry,
  type AuditInput,
  type ChainHeadDigest,
  type JsonObject,
  type JsonValue,
} from '../../lambdas/ledger/audit-chain';

const STREAMS = ['credit-risk', 'fraud', 'churn'];
const FIELDS = ['stream', 'seq', 'at', 'actor', 'action', 'subject', 'detail', 'prevHash', 'hash'] as const;
const KINDS = ['edit', 'delete', 'swap', 'insert', 'replace', 'truncate'] as const;
type Kind = (typeof KINDS)[number];

const text = fc.string({ minLength: 1, maxLength: 8, unit: 'grapheme' });
const key = fc.string({ maxLength: 6, unit: 'grapheme' }).filter((name) => name !== '__proto__');
const { json } = fc.letrec<{ json: JsonValue }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string({ maxLength: 10, unit: 'grapheme' }),
    fc.array(tie('json'), { maxLength: 3 }),
    fc.dictionary(key, tie('json'), { maxKeys: 3 }),
  ),
}));
const detail = fc.dictionary(key, json, { maxKeys: 4 }) as fc.Arbitrary<JsonObject>;
const auditInput = fc.record({ actor: text, action: text, subject: text, detail });

/** An export: the first stream has at least 3 entries so every kind of tampering has a target; streams interleave. */
const ledger = fc
  .tuple(
    fc.array(auditInput, { minLength: 3, maxLength: 10 }),
    fc.array(fc.tuple(fc.constantFrom(...STREAMS.slice(1)), auditInput), { maxLength: 12 }),
    fc.array(fc.nat(), { minLength: 22, maxLength: 22 }),
  )
  .map(([first, others, shuffle]) => {
    const inputs: AuditInput[] = [
      ...first.map((fields) => ({ stream: STREAMS[0], ...fields })),
      ...others.map(([stream, fields]) => ({ stream, ...fields })),
    ];
    // Interleave the streams deterministically while keeping each stream's own order.
    const order = inputs.map((_, i) => i).sort((a, b) => (shuffle[a] ?? 0) - (shuffle[b] ?? 0) || a - b);
    const heads = new Map<string, AuditEntry>();
    return order.map((index, position) => {
      const entry = nextEntry(
        heads.get(inputs[index].stream),
        inputs[index],
        new Date(Date.UTC(2025, 0, 1) + position),
      );
      heads.set(entry.stream, entry);
      return entry;
    });
  });

const mutation = fc.record({
  kind: fc.constantFrom(...KINDS),
  field: fc.constantFrom(...FIELDS),
  target: fc.nat(),
  other: fc.nat(),
  count: fc.nat(),
  text,
  detail,
  forged: auditInput,
});
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function heads(entries: readonly AuditEntry[]): ChainHeadDigest[] {
  const last = new Map<string, AuditEntry>();
  for (const entry of entries) last.set(entry.stream, entry);
  return [...last.values()].map(({ stream, seq, hash }) => ({ stream, seq, hash }));
}

function positionsOf(entries: readonly AuditEntry[], stream: string): number[] {
  return entries.flatMap((entry, index) => (entry.stream === stream ? [index] : []));
}

/** A value of the same type as `entry[field]` that differs from it (canonically, for the detail). */
function editedValue(entry: AuditEntry, m: Mutation): AuditEntry[keyof AuditEntry] {
  const differs = (value: string, old: string) => (value === old ? `${value}x` : value);
  switch (m.field) {
    case 'seq':
      return entry.seq + 1 + (m.count % 5);
    case 'at':
      return new Date(Date.parse(entry.at) + 1 + (m.count % 100_000)).toISOString();
    case 'prevHash':
    case 'hash': {
      // One hex digit flipped: the smallest possible edit of a hash.
      const digit = m.count % 64;
      const old = entry[m.field];
      return `${old.slice(0, digit)}${old[digit] === '0' ? '1' : '0'}${old.slice(digit + 1)}`;
    }
    case 'detail':
      return canonicalJson(m.detail) === canonicalJson(entry.detail) ? { ...m.detail, tampered: true } : m.detail;
    case 'stream':
      return differs(STREAMS[m.count % STREAMS.length], entry.stream);
    default:
      return differs(m.text, entry[m.field]);
  }
}

interface Tampered {
  readonly entries: AuditEntry[];
  /** Where verifyChain must say it broke; undefined when the place is not unique (an entry moved to another stream). */
  readonly expected?: { stream: string; seq: number };
}

function tamper(original: readonly AuditEntry[], m: Mutation): Tampered {
  const entries = [...original];
  const stream = m.kind === 'edit' ? original[m.target % original.length].stream : STREAMS[0];
  const positions = positionsOf(original, stream);
  switch (m.kind) {
    case 'edit': {
      const index = m.target % entries.length;
      const entry = entries[index];
      entries[index] = { ...entry, [m.field]: editedValue(entry, m) };
      return { entries, expected: m.field === 'stream' ? undefined : { stream, seq: entry.seq } };
    }
    case 'delete': {
      // Not the last entry of the stream: that is a truncation, tested below.
      const index = positions[m.target % (positions.length - 1)];
      entries.splice(index, 1);
      return { entries, expected: { stream, seq: original[index].seq } };
    }
    case 'swap': {
      const i = m.target % positions.length;
      const j = (i + 1 + (m.other % (positions.length - 1))) % positions.length;
      [entries[positions[i]], entries[positions[j]]] = [entries[positions[j]], entries[positions[i]]];
      return { entries, expected: { stream, seq: Math.min(i, j) + 1 } };
    }
    case 'insert': {
      // A well-formed forgery linked to its predecessor with a recomputed hash, placed before seq `before`.
      const before = 1 + (m.target % positions.length);
      const predecessor = before === 1 ? undefined : original[positions[before - 2]];
      const forged = nextEntry(predecessor, { stream, ...m.forged }, new Date(Date.UTC(2025, 0, 2)));
      entries.splice(positions[before - 1], 0, forged);
      return { entries, expected: { stream, seq: before + 1 } };
    }
    case 'replace': {
      // A forgery that links to its predecessor and hashes correctly, in place of a non-last entry.
      const seq = 1 + (m.target % (positions.length - 1));
      const predecessor = seq === 1 ? undefined : original[positions[seq - 2]];
      entries[positions[seq - 1]] = nextEntry(predecessor, { stream, ...m.forged }, new Date(Date.UTC(2025, 0, 2)));
      return { entries, expected: { stream, seq: seq + 1 } };
    }
    case 'truncate': {
      const keep = m.count % positions.length;
      const removed = new Set(positions.slice(keep));
      return { entries: entries.filter((_, index) => !removed.has(index)), expected: { stream, seq: keep + 1 } };
    }
  }
}

describe('tampering with an exported ledger', () => {
  it('is caught every time, at the seq where it happened (3000 mutations)', () => {
    const seen: Record<Kind, number> = { edit: 0, delete: 0, swap: 0, insert: 0, replace: 0, truncate: 0 };
    fc.assert(
      fc.property(ledger, mutation, (original, m) => {
        const { entries, expected } = tamper(original, m);
        const digests = heads(original);
        seen[m.kind]++;
        const internal = verifyChain(entries);
        const anchored = verifyAgainstDigests(entries, digests);
        expect(anchored.valid).toBe(false);
        if (m.kind === 'truncate') {
          // Without an outside anchor a cut-off tail is indistinguishable from a shorter ledger.
          expect(internal.valid).toBe(true);
          expect(anchored).toMatchObject({ firstBadStream: expected?.stream, firstBadSeq: expected?.seq });
          return;
        }
        expect(internal.valid).toBe(false);
        if (expected) expect(internal).toMatchObject({ firstBadStream: expected.stream, firstBadSeq: expected.seq });
      }),
      { numRuns: 3000, seed: 20250131 },
    );
    for (const kind of KINDS) expect(seen[kind]).toBeGreaterThan(300);
  });

  it('never flags an untampered ledger, also after a JSON round trip', () => {
    fc.assert(
      fc.property(ledger, (entries) => {
        const digests = heads(entries);
        const reread = parseAuditEntries(JSON.parse(JSON.stringify(entries)));
        expect(verifyChain(entries).valid).toBe(true);
        expect(verifyAgainstDigests(reread, digests)).toMatchObject({ valid: true, entries: entries.length });
      }),
      { numRuns: 300 },
    );
  });
});
