/** `warden events test-pattern` through the built CLI, as users run it. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matchesEventPattern } from '../../local/emulators/event-pattern';
import { parseJsonOutput, runWarden } from '../support/cli';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-events-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    typeof content === 'string' || Buffer.isBuffer(content) ? content : JSON.stringify(content, null, 2),
  );
  return path;
}

const DRIFT_EVENT = {
  version: '0',
  id: '0c6a2f4e-1f5b-4a43-9a52-7d3c1f1e9b10',
  'detail-type': 'Warden Drift Detected',
  source: 'warden',
  account: '123456789012',
  time: '2024-06-01T10:00:00Z',
  region: 'eu-west-1',
  resources: ['arn:aws:sagemaker:eu-west-1:123456789012:endpoint/credit'],
  detail: {
    modelName: 'credit',
    modelVersion: 3,
    region: 'eu-west-1',
    correlationId: 'c-42',
    drifted: [
      { column: 'income', psi: 0.31 },
      { column: 'age', psi: 0.12 },
    ],
  },
};

const DRIFT_RULE = {
  source: ['warden'],
  'detail-type': ['Warden Drift Detected'],
  detail: { modelName: [{ prefix: 'cred' }], drifted: { psi: [{ numeric: ['>', 0.25] }] } },
};

function testPattern(pattern: unknown, event: unknown, json = true) {
  const args = [
    'events',
    'test-pattern',
    '--pattern',
    file('pattern.json', pattern),
    '--event',
    file('event.json', event),
  ];
  return runWarden(json ? [...args, '--json'] : args);
}

describe('warden events test-pattern', () => {
  it('exits 0 with {"match": true} when the event matches', () => {
    const run = testPattern(DRIFT_RULE, DRIFT_EVENT);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(parseJsonOutput(run)).toEqual({ match: true });
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('exits 1 with {"match": false} when it does not', () => {
    const rule = { ...DRIFT_RULE, detail: { ...DRIFT_RULE.detail, drifted: { psi: [{ numeric: ['>', 0.5] }] } } };
    const run = testPattern(rule, DRIFT_EVENT);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect(parseJsonOutput(run)).toEqual({ match: false });
  });

  it('prints one sentence for people without --json', () => {
    const matched = testPattern(DRIFT_RULE, DRIFT_EVENT, false);
    expect(matched.code).toBe(0);
    expect(matched.stdout).toMatch(/^The event in .*event\.json matches the pattern in .*pattern\.json\.\n$/);
    const missed = testPattern({ source: ['aws.s3'] }, DRIFT_EVENT, false);
    expect(missed.code).toBe(1);
    expect(missed.stdout).toMatch(/does not match the pattern/);
  });

  it('decides exactly as the local EventBridge matcher does', () => {
    const patterns: unknown[] = [
      { region: [{ 'anything-but': { prefix: 'us-' } }] },
      { detail: { drifted: { column: ['age'], psi: [{ numeric: ['>', 0.25] }] } } },
      { detail: { drifted: { column: ['income'], psi: [{ numeric: ['>', 0.25] }] } } },
      { $or: [{ detail: { modelVersion: [{ numeric: ['>=', 4] }] } }, { time: [{ wildcard: '2024-06-*T10:*' }] }] },
      { detail: { rollback: [{ exists: false }], correlationId: [{ 'equals-ignore-case': 'C-42' }] } },
      { resources: [{ suffix: 'endpoint/credit' }], account: [{ 'anything-but': ['111111111111'] }] },
    ];
    const outcomes = patterns.map((pattern) => testPattern(pattern, DRIFT_EVENT));
    outcomes.forEach((run, i) => {
      const expected = matchesEventPattern(patterns[i], DRIFT_EVENT);
      expect(run.code).toBe(expected ? 0 : 1);
      expect(parseJsonOutput(run)).toEqual({ match: expected });
    });
    // The table exercises both outcomes.
    expect(new Set(outcomes.map((run) => run.code))).toEqual(new Set([0, 1]));
  });

  it('documents the operators, the required event fields and the exit codes in --help', () => {
    const run = runWarden(['events', 'test-pattern', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--pattern <pattern.json>');
    expect(run.stdout).toContain('id, account, source, time, region, resources, detail-type');
    expect(run.stdout).toContain('Exit codes: 0 the event matches, 1 it does not, 2');
    expect(runWarden(['events', '--help']).stdout).toContain('test-pattern');
  });
});

describe('warden events test-pattern input errors', () => {
  const eventFile = () => file('ok-event.json', DRIFT_EVENT);
  const patternFile = () => file('ok-pattern.json', DRIFT_RULE);
  const cases: [string, () => string[], RegExp][] = [
    [
      'an empty value list in the pattern',
      () => ['--pattern', file('empty.json', { source: [] }), '--event', eventFile()],
      /empty\.json: Event pattern is not valid\. Reason: Empty arrays are not allowed at source\.$/,
    ],
    [
      'a leaf that is not an array',
      () => ['--pattern', file('leaf.json', { source: 'warden' }), '--event', eventFile()],
      /Reason: "source" must be an object or an array/,
    ],
    [
      'an unknown operator',
      () => ['--pattern', file('op.json', { source: [{ contains: 'war' }] }), '--event', eventFile()],
      /Reason: Unrecognized match type contains/,
    ],
    [
      'a bad numeric range',
      () => ['--pattern', file('num.json', { n: [{ numeric: ['>', 5, '<', 1] }] }), '--event', eventFile()],
      /Reason: Bottom must be less than top at n\./,
    ],
    [
      'consecutive wildcards',
      () => ['--pattern', file('wild.json', { source: [{ wildcard: 'w**' }] }), '--event', eventFile()],
      /Reason: Consecutive wildcard characters at pos 2/,
    ],
    [
      'a pattern that is not an object',
      () => ['--pattern', file('array.json', ['warden']), '--event', eventFile()],
      /Reason: Filter is not an object\.$/,
    ],
    [
      'a pattern longer than EventBridge accepts',
      () => ['--pattern', file('long.json', { source: ['x'.repeat(5000)] }), '--event', eventFile()],
      /long\.json is 50\d\d characters long; EventBridge accepts at most 4096\./,
    ],
    [
      'a pattern file that is not JSON',
      () => ['--pattern', file('broken.json', '{"source": ['), '--event', eventFile()],
      /broken\.json is not valid JSON/,
    ],
    [
      'an event file that is not JSON',
      () => ['--pattern', patternFile(), '--event', file('broken-event.json', 'id: 1')],
      /broken-event\.json is not valid JSON/,
    ],
    [
      'a file that is not UTF-8',
      () => [
        '--pattern',
        file('latin1.json', Buffer.from('{"source": ["caf\xe9"]}', 'latin1')),
        '--event',
        eventFile(),
      ],
      /latin1\.json is not valid UTF-8\./,
    ],
    [
      'a missing pattern file',
      () => ['--pattern', join(dir, 'absent.json'), '--event', eventFile()],
      /Cannot read .*absent\.json: no such file\./,
    ],
    [
      'an event without the required envelope fields',
      () => ['--pattern', patternFile(), '--event', file('bare.json', { source: 'warden', detail: {} })],
      /The event in .*bare\.json lacks id, account, time, region, resources, detail-type: TestEventPattern requires/,
    ],
    [
      'an event that is not an object',
      () => ['--pattern', patternFile(), '--event', file('list.json', [DRIFT_EVENT])],
      /The event in .*list\.json is not a JSON object\./,
    ],
    [
      'a missing --event option',
      () => ['--pattern', patternFile()],
      /required option '--event <event\.json>'.*\(see --help\)/,
    ],
  ];

  it.each(cases)('%s: exit 2, one sentence on stderr, no stack trace', (_what, args, message) => {
    const run = runWarden(['events', 'test-pattern', ...args(), '--json']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^warden: /);
    expect(run.stderr.trimEnd()).toMatch(message);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toContain('    at ');
  });
});
