/**
 * `warden audit …` run in this process: the very command the CLI registers (local/commands/audit.ts — file reading,
 * parsing, verification, output and exit code), without starting Node each time, so that thousands of runs stay fast.
 * test/ledger/audit-cli.test.ts and a few runs of the tamper suite check that the built CLI answers the same.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerAudit } from '../../../local/commands/audit';
import type { CliRun } from '../../support/cli';

export async function auditInProcess(args: readonly string[]): Promise<CliRun> {
  const program = new Command('warden').option('--debug').exitOverride();
  registerAudit(program);
  const stdout: string[] = [];
  const stderr: string[] = [];
  const capture = (into: string[]) => (chunk: string | Uint8Array) => {
    into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture(stdout));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture(stderr));
  process.exitCode = undefined;
  try {
    await program.parseAsync(['audit', ...args], { from: 'user' });
    return { code: Number(process.exitCode ?? 0), stdout: stdout.join(''), stderr: stderr.join('') };
  } finally {
    process.exitCode = undefined;
    out.mockRestore();
    err.mockRestore();
  }
}

/** A scratch directory for export and digest files, removed by `remove`. */
export function scratchFiles(): { write(name: string, content: unknown): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'warden-audit-'));
  return {
    write(name, content) {
      const path = join(dir, name);
      writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
      return path;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
