/** `warden audit verify` and `warden audit export` (CONTRACTS.md "Audit ledger"), on an exported audit file. */
import { readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import {
  parseAuditEntries,
  parseChainDigests,
  sortForExport,
  verifyAgainstDigests,
  verifyChain,
  type AuditEntry,
  type ChainVerification,
} from '../../lambdas/ledger/audit-chain';
import { InputError } from '../../lambdas/shared/errors';
import { runCommand } from '../run-command';
import { formatTable } from '../table';

interface VerifyOptions {
  readonly file: string;
  readonly digests?: string;
  readonly json?: boolean;
  readonly debug?: boolean;
}

interface ExportOptions {
  readonly file: string;
  readonly stream?: string;
  readonly json?: boolean;
  readonly debug?: boolean;
}

const FILE_HELP = 'audit export: a JSON array of entries, as `warden local run --export` writes audit.json';

const VERIFY_HELP = `
Each stream is a hash chain: entry n carries the hash of entry n - 1 and its own hash is SHA-256 of
prevHash + "\\n" + the RFC 8785 canonical JSON of the entry without its hash. Any edited, deleted, reordered or
inserted entry breaks the chain at that seq. A tail cut off the end leaves a shorter intact chain: pass the
chain-head digests anchored outside the table (the audit digest bucket) with --digests to catch that too.

Exit codes: 0 every chain verifies, 1 a chain is broken (firstBadStream/firstBadSeq say where), 2 usage or input error.

Examples:
  $ warden audit verify --file out/audit.json
  $ warden audit verify --file out/audit.json --digests digests.json --json`;

export function registerAudit(program: Command): void {
  const audit = program
    .command('audit')
    .description('Verify or print the tamper-evident audit ledger (one hash chain per stream).');

  audit
    .command('verify')
    .description('Verify every hash chain of an audit export; exit 1 at the first broken link.')
    .requiredOption('--file <audit.json>', FILE_HELP)
    .option('--digests <digests.json>', 'anchored chain-head digests: one {stream, seq, hash} or an array of them')
    .option('--json', 'print { streams, entries, valid, firstBadSeq, firstBadStream, reason } as one JSON document')
    .addHelpText('after', VERIFY_HELP)
    .action(async (_options: VerifyOptions, command: Command) => {
      const options = command.optsWithGlobals<VerifyOptions>();
      await runCommand(options, async () => {
        const entries = parseAuditEntries(readJson(options.file), `The audit file ${options.file}`);
        const result =
          options.digests === undefined
            ? verifyChain(entries)
            : verifyAgainstDigests(
                entries,
                parseChainDigests(readJson(options.digests), `The digests file ${options.digests}`),
              );
        return { json: result, human: describeVerification(result), exitCode: result.valid ? 0 : 1 };
      });
    });

  audit
    .command('export')
    .description('Print the entries of an audit export in order: streams by name, each in seq order.')
    .requiredOption('--file <audit.json>', FILE_HELP)
    .option('--stream <name>', 'only this stream')
    .option('--json', 'print the entries as one JSON array')
    .action(async (_options: ExportOptions, command: Command) => {
      const options = command.optsWithGlobals<ExportOptions>();
      await runCommand(options, async () => {
        const entries = sortForExport(parseAuditEntries(readJson(options.file), `The audit file ${options.file}`));
        const selected =
          options.stream === undefined ? entries : entries.filter((entry) => entry.stream === options.stream);
        return { json: selected, human: describeEntries(selected), exitCode: 0 };
      });
    });
}

function readJson(path: string): unknown {
  let text: string;
  try {
    if (!statSync(path).isFile()) throw new InputError(`Cannot read ${path}: it is not a regular file.`);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`Cannot read ${path}: no such file.`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`${path} is not valid JSON (${(error as Error).message}).`);
  }
}

function describeVerification(result: ChainVerification): string {
  const counts = `${result.entries} entries in ${result.streams} stream${result.streams === 1 ? '' : 's'}`;
  if (result.valid) return `Audit ledger verified: ${counts}.`;
  return `Audit ledger BROKEN: stream "${result.firstBadStream}" at seq ${result.firstBadSeq}: ${result.reason} (${counts}).`;
}

function describeEntries(entries: readonly AuditEntry[]): string {
  if (entries.length === 0) return 'No audit entries.';
  return formatTable(
    ['stream', 'seq', 'at', 'actor', 'action', 'subject', 'hash'],
    entries.map((entry) => [
      entry.stream,
      String(entry.seq),
      entry.at,
      entry.actor,
      entry.action,
      entry.subject,
      entry.hash.slice(0, 12),
    ]),
  );
}
