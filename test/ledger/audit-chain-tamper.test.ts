/**
 * Property: every single tampering of an exported ledger is caught — field edits, deletions, reorders, forged entries
 * inserted or swapped in with recomputed hashes by verifyChain alone (at the exact seq where they happened); a truncated
 * tail, and a rewrite that recomputes every later hash, by the anchored chain-head digests — while untampered ledgers
 * always verify. The same mutations, and entries made malformed, go through `warden audit verify` itself (the command,
 * in process; a few through the built CLI), which must never exit 0 for a tampered file.
 *
 * Mutations: `WARDEN_TAMPER_RUNS` per property (`npm run verify` runs 3000 of each; by default 3000 through the
 * functions and 500 through the command).
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
import { parseJsonOutput, runWarden } from '../support/cli';
import { auditInProcess, scratchFiles } from './support/audit-cli';

/** Mutations per property (`npm run verify` sets 3000); through the CLI command 500 by default, to keep npm test fast. */
const RUNS = Number(process.env.WARDEN_TAMPER_RUNS ?? 3000);
const CLI_RUNS = Number(process.env.WARDEN_TAMPER_RUNS ?? 500);
const STREAMS = ['credit-risk', 'fraud', 'churn'];
const FIELDS = ['stream', 'seq', 'at', 'actor', 'action', 'subject', 'detail', 'prevHash', 'hash'] as const;
const KINDS = ['edit', 'delete', 'swap', 'insert', 'replace', 'truncate', 'rewrite'] as const;
type Kind = (typeof KINDS)[number];
/** What is left is an intact chain: only digests anchored outside the table reveal these. */
const ANCHOR_ONLY: ReadonlySet<Kind> = new Set(['truncate', 'rewrite']);

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
  /** The head of each stream only, or a digest per entry as anchor-audit writes them. */
  anchored: fc.constantFrom('heads' as const, 'every entry' as const),
});
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function digestsOf(entries: readonly AuditEntry[], anchored: Mutation['anchored']): ChainHeadDigest[] {
  const chosen = anchored === 'every entry' ? entries : heads(entries);
  return chosen.map(({ stream, seq, hash }) => ({ stream, seq, hash }));
}

function heads(entries: readonly AuditEntry[]): AuditEntry[] {
  const last = new Map<string, AuditEntry>();
  for (const entry of entries) last.set(entry.stream, entry);
  return [...last.values()];
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
  /**
   * Where verification must say it broke: verifyChain for most kinds, verifyAgainstDigests for the anchor-only ones;
   * undefined when the place is not unique (an entry moved to another stream).
   */
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
      // Not the last entry of the stream: that is a truncation.
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
    case 'rewrite': {
      // One entry's detail changed and every later entry re-linked and re-hashed: an intact chain, but not the one
      // that was anchored. With a digest per entry the first rewritten seq is caught, with heads only the head.
      const from = 1 + (m.target % positions.length);
      let head = from === 1 ? undefined : original[positions[from - 2]];
      for (let seq = from; seq <= positions.length; seq++) {
        const old = original[positions[seq - 1]];
        // A copy through JSON: the entry's own detail is a structured clone, whose prototype under Jest comes from
        // another realm than the one the chain checks against.
        const copy = JSON.parse(JSON.stringify(old.detail)) as JsonObject;
        const changed = seq === from ? { ...copy, rewritten: `#${m.count}` } : copy;
        const input = { stream, actor: old.actor, action: old.action, subject: old.subject, detail: changed };
        head = nextEntry(head, input, new Date(old.at));
        entries[positions[seq - 1]] = head;
      }
      return { entries, expected: { stream, seq: m.anchored === 'every entry' ? from : positions.length } };
    }
  }
}

describe('tampering with an exported ledger', () => {
  it(`is caught every time, at the seq where it happened (${RUNS} mutations)`, () => {
    const seen = Object.fromEntries(KINDS.map((kind) => [kind, 0])) as Record<Kind, number>;
    fc.assert(
      fc.property(ledger, mutation, (original, m) => {
        const { entries, expected } = tamper(original, m);
        seen[m.kind]++;
        const internal = verifyChain(entries);
        const anchored = verifyAgainstDigests(entries, digestsOf(original, m.anchored));
        expect(anchored.valid).toBe(false);
        if (ANCHOR_ONLY.has(m.kind)) {
          // Without an outside anchor the chain left behind is indistinguishable from a genuine one.
          expect(internal.valid).toBe(true);
          expect(anchored).toMatchObject({ firstBadStream: expected?.stream, firstBadSeq: expected?.seq });
          return;
        }
        expect(internal.valid).toBe(false);
        if (expected) expect(internal).toMatchObject({ firstBadStream: expected.stream, firstBadSeq: expected.seq });
      }),
      { numRuns: RUNS, seed: 20250131 },
    );
    for (const kind of KINDS) expect(seen[kind]).toBeGreaterThan(RUNS / KINDS.length / 2);
  });

  it('never flags an untampered ledger, also after a JSON round trip', () => {
    fc.assert(
      fc.property(ledger, fc.constantFrom('heads' as const, 'every entry' as const), (entries, anchored) => {
        const reread = parseAuditEntries(JSON.parse(JSON.stringify(entries)));
        expect(verifyChain(entries).valid).toBe(true);
        expect(verifyAgainstDigests(reread, digestsOf(entries, anchored))).toMatchObject({
          valid: true,
          entries: entries.length,
        });
      }),
      { numRuns: 300 },
    );
  });
});

/** Entries made malformed: a field of the wrong type or shape, missing, or one field too many. */
const malformation = fc.record({
  target: fc.nat(),
  change: fc.constantFrom<[string, unknown][]>(
    [['seq', '1']],
    [['seq', 0]],
    [['seq', 1.5]],
    [['seq', null]],
    [['hash', 'A'.repeat(64)]],
    [['hash', 'a'.repeat(63)]],
    [['prevHash', '']],
    [['at', 'yesterday']],
    [['at', '2025-01-01T00:00:00+01:00']],
    [['detail', []]],
    [['detail', null]],
    [['detail', 'x']],
    [['stream', '']],
    [['actor', 5]],
    [['extra', true]],
    [['hash', undefined]],
    [['detail', undefined]],
  ),
});

describe('warden audit verify on a tampered export', () => {
  const files = scratchFiles();
  afterAll(() => files.remove());

  function write(entries: readonly unknown[], digests: readonly ChainHeadDigest[]) {
    return { file: files.write('audit.json', entries), digests: files.write('digests.json', digests) };
  }

  it(`exits 1 and names the broken link for every mutation, with the anchored digests (${CLI_RUNS} mutations, in process)`, async () => {
    const seen = Object.fromEntries(KINDS.map((kind) => [kind, 0])) as Record<Kind, number>;
    await fc.assert(
      fc.asyncProperty(ledger, mutation, async (original, m) => {
        const { entries, expected } = tamper(original, m);
        seen[m.kind]++;
        const paths = write(entries, digestsOf(original, m.anchored));
        const anchored = await auditInProcess(['verify', '--file', paths.file, '--digests', paths.digests, '--json']);
        expect(anchored).toMatchObject({ code: 1, stderr: '' });
        const report = parseJsonOutput(anchored);
        expect(report).toMatchObject({ valid: false, entries: entries.length });
        if (expected) expect(report).toMatchObject({ firstBadStream: expected.stream, firstBadSeq: expected.seq });
        // Without digests everything but a cut-off tail or a full rewrite is caught all the same.
        const alone = await auditInProcess(['verify', '--file', paths.file, '--json']);
        expect(alone.code).toBe(ANCHOR_ONLY.has(m.kind) ? 0 : 1);
      }),
      { numRuns: CLI_RUNS, seed: 20250201 },
    );
    for (const kind of KINDS) expect(seen[kind]).toBeGreaterThan(CLI_RUNS / KINDS.length / 2);
  });

  it('refuses a malformed entry with exit 2 and one line on stderr (500 files, in process)', async () => {
    await fc.assert(
      fc.asyncProperty(ledger, malformation, async (original, { target, change }) => {
        const index = target % original.length;
        const entries: unknown[] = original.map((entry, i) =>
          i === index ? { ...entry, ...Object.fromEntries(change) } : entry,
        );
        const paths = write(entries, digestsOf(original, 'heads'));
        const run = await auditInProcess(['verify', '--file', paths.file, '--digests', paths.digests, '--json']);
        expect(run).toMatchObject({ code: 2, stdout: '' });
        expect(run.stderr).toMatch(
          new RegExp(`^warden: The audit file .* is not a JSON array of audit entries \\(${index}[.:]`),
        );
      }),
      { numRuns: 500, seed: 20250202 },
    );
  });

  it('gets the same answers from the built CLI (two mutations of each kind)', async () => {
    const samples = fc.sample(fc.tuple(ledger, mutation), { numRuns: 200, seed: 20250203 });
    const cases = KINDS.flatMap((kind) => samples.filter(([, m]) => m.kind === kind).slice(0, 2));
    expect(cases).toHaveLength(2 * KINDS.length);
    for (const [original, m] of cases) {
      const paths = write(tamper(original, m).entries, digestsOf(original, m.anchored));
      const args = ['verify', '--file', paths.file, '--digests', paths.digests, '--json'];
      const cli = runWarden(['audit', ...args]);
      expect(cli.code).toBe(1);
      expect(parseJsonOutput(cli)).toEqual(parseJsonOutput(await auditInProcess(args)));
    }
  });
});
