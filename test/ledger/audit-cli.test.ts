/** `warden audit verify` and `warden audit export` through the built CLI, as users run them. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nextEntry, type AuditEntry } from '../../lambdas/ledger/audit-chain';
import { parseJsonOutput, runWarden } from '../support/cli';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-audit-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function chain(stream: string, length: number): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (let i = 0; i < length; i++) {
    const input = { stream, actor: 'training', action: 'Step', subject: `${stream}/v1`, detail: { step: i } };
    entries.push(nextEntry(entries.at(-1), input, new Date(Date.UTC(2025, 0, 1, 0, i))));
  }
  return entries;
}

// Streams interleaved and out of name order, as a file may hold them; export sorts them.
const churn = chain('churn', 2);
const credit = chain('credit-risk', 4);
const ledger = [credit[0], churn[0], credit[1], credit[2], churn[1], credit[3]];
const heads = [
  { stream: 'credit-risk', seq: 4, hash: credit[3].hash },
  { stream: 'churn', seq: 2, hash: churn[1].hash },
];

describe('warden audit verify', () => {
  it('exits 0 and prints the contract summary for an intact ledger', () => {
    const run = runWarden(['audit', 'verify', '--file', file('ok.json', ledger), '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(parseJsonOutput(run)).toEqual({
      streams: 2,
      entries: 6,
      valid: true,
      firstBadSeq: null,
      firstBadStream: null,
      reason: null,
    });
  });

  it('exits 1 at the first broken link', () => {
    const tampered = ledger.map((entry) => (entry === credit[2] ? { ...entry, detail: { step: 99 } } : entry));
    const run = runWarden(['audit', 'verify', '--file', file('edited.json', tampered), '--json']);
    expect(run.code).toBe(1);
    expect(parseJsonOutput(run)).toMatchObject({ valid: false, firstBadSeq: 3, firstBadStream: 'credit-risk' });

    const human = runWarden(['audit', 'verify', '--file', file('edited.json', tampered)]);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/^Audit ledger BROKEN: stream "credit-risk" at seq 3: .*altered/);
  });

  it('needs the anchored digests to catch a truncated tail', () => {
    const truncated = ledger.filter((entry) => entry !== credit[3]);
    const path = file('truncated.json', truncated);
    expect(runWarden(['audit', 'verify', '--file', path, '--json']).code).toBe(0);
    const run = runWarden(['audit', 'verify', '--file', path, '--digests', file('digests.json', heads), '--json']);
    expect(run.code).toBe(1);
    expect(parseJsonOutput(run)).toMatchObject({ valid: false, firstBadSeq: 4, firstBadStream: 'credit-risk' });
    const single = file('digest.json', heads[0]);
    expect(runWarden(['audit', 'verify', '--file', file('ok.json', ledger), '--digests', single]).code).toBe(0);
  });

  it.each([
    ['a missing file', () => [join(dir, 'absent.json')], /^warden: Cannot read .*absent\.json: no such file\.\n$/],
    ['text that is not JSON', () => [file('text.json', 'not json')], /is not valid JSON/],
    ['an entry without a hash', () => [file('nohash.json', [{ ...credit[0], hash: undefined }])], /0\.hash/],
    [
      'malformed digests',
      () => [file('ok.json', ledger), '--digests', file('bad-digests.json', [{ stream: 'x' }])],
      /digests file/,
    ],
  ])('exits 2 with one line on stderr for %s', (_what, args, message) => {
    const [path, ...rest] = args();
    const run = runWarden(['audit', 'verify', '--file', path, ...rest, '--json']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('exits 2 without --file', () => {
    const run = runWarden(['audit', 'verify']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--file/);
  });
});

describe('warden audit export', () => {
  it('prints every entry, streams by name and each in seq order, as one JSON array', () => {
    const run = runWarden(['audit', 'export', '--file', file('ok.json', ledger), '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(parseJsonOutput(run)).toEqual([...churn, ...credit]);
  });

  it('prints one stream with --stream, and nothing for an unknown one', () => {
    const path = file('ok.json', ledger);
    expect(parseJsonOutput(runWarden(['audit', 'export', '--file', path, '--stream', 'churn', '--json']))).toEqual(
      churn,
    );
    expect(parseJsonOutput(runWarden(['audit', 'export', '--file', path, '--stream', 'nope', '--json']))).toEqual([]);
  });

  it('prints a table without --json and exits 2 on a malformed file', () => {
    const table = runWarden(['audit', 'export', '--file', file('ok.json', ledger)]);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^stream\s+seq\s+at\s+actor\s+action\s+subject\s+hash$/);
    const bad = runWarden(['audit', 'export', '--file', file('object.json', { entries: [] }), '--json']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^warden: The audit file .* is not a JSON array of audit entries/);
  });
});
