/** Runs the built `warden` CLI (`npm test` builds first) in a child process, as users do. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..');
export const SHARED_FIXTURES = join(REPO_ROOT, '..', 'shared', 'fixtures');
const CLI = join(REPO_ROOT, 'dist', 'local', 'cli.js');

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runWarden(
  args: readonly string[],
  options: { cwd?: string; input?: string; env?: Record<string, string> } = {},
): CliRun {
  if (!existsSync(CLI)) throw new Error('dist/local/cli.js is missing: run `npm run build` (npm test does) first.');
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    input: options.input,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Parses stdout of a `--json` run, reading the contract's non-finite strings back as numbers. */
export function parseJsonOutput(run: CliRun): unknown {
  return JSON.parse(run.stdout, (_key, value: unknown) =>
    value === 'Infinity' || value === '-Infinity' || value === 'NaN' ? Number(value) : value,
  );
}

/** A usage or input error as the CLI must give it: exit 2, nothing on stdout, one sentence on stderr, no stack trace. */
export function expectInputError(run: CliRun, message: RegExp): void {
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr).not.toContain('    at ');
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(message);
}
