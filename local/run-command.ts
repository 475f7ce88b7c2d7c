/**
 * How every `warden` command ends: `--json` prints exactly one JSON document on stdout; input problems print one
 * sentence on stderr and exit 2 (stack trace only with `--debug`); a check that ran and failed exits 1.
 */
import { createReadStream, statSync } from 'node:fs';
import { InputError } from '../lambdas/shared/errors';
import { toContractJson } from '../lambdas/stats/json';

export interface CommandResult {
  /** The contract document printed with `--json`. */
  readonly json: unknown;
  /** What a person reads without `--json`. */
  readonly human: string;
  /** 0 passed, 1 the check ran and failed. */
  readonly exitCode: 0 | 1;
}

export interface OutputOptions {
  readonly json?: boolean;
  readonly debug?: boolean;
}

export async function runCommand(options: OutputOptions, work: () => Promise<CommandResult>): Promise<void> {
  try {
    const result = await work();
    process.stdout.write(options.json ? `${toContractJson(result.json)}\n` : `${result.human}\n`);
    process.exitCode = result.exitCode;
  } catch (error) {
    process.exitCode = 2;
    if (options.debug && error instanceof Error) process.stderr.write(`${error.stack ?? error.message}\n`);
    else process.stderr.write(`warden: ${describeError(error)}\n`);
  }
}

function describeError(error: unknown): string {
  if (error instanceof InputError) return error.message;
  if (error instanceof Error) return `unexpected error: ${error.message} (run with --debug for details)`;
  return `unexpected error: ${String(error)}`;
}

/** A byte stream of a local file; a missing or unreadable file is an input error, not a crash. */
export function openFile(path: string): AsyncIterable<Uint8Array> {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new InputError(`Cannot read ${path}: no such file.`);
  }
  if (!isFile) throw new InputError(`Cannot read ${path}: it is not a regular file.`);
  return createReadStream(path, { highWaterMark: 1024 * 1024 });
}

/** Parses repeated `--threshold METRIC=VALUE` options into a map. */
export function parseThresholds(values: readonly string[] | undefined): Record<string, number> {
  const thresholds: Record<string, number> = {};
  for (const item of values ?? []) {
    const match = /^([A-Za-z][A-Za-z0-9.]*)=(.+)$/.exec(item);
    const value = match ? Number(match[2]) : NaN;
    if (!match || !Number.isFinite(value)) {
      throw new InputError(`--threshold expects METRIC=NUMBER (for example DPL=0.2), got "${item}".`);
    }
    thresholds[match[1]] = value;
  }
  return thresholds;
}

/** Collects a repeatable commander option into an array. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
