/** `warden validate <file.csv> --contract <contract.json> [--json]` (CONTRACTS.md). */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../../lambdas/shared/errors';
import { parseContractText } from '../../lambdas/stats/contract';
import { readCsv } from '../../lambdas/stats/csv';
import { DatasetValidator, type ValidationReport } from '../../lambdas/stats/validate';
import { formatTable, formatNumber } from '../table';
import { runCommand } from '../run-command';
import { NO_PROGRESS_HELP, PROGRESS_HELP, withProgress } from './progress';

interface ValidateOptions {
  readonly contract: string;
  readonly json?: boolean;
  readonly debug?: boolean;
  readonly progress?: boolean;
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description(
      'Stream a CSV file once through a data contract: per-column profiles (count, missing, min, max, mean, std, ' +
        'quantiles, top values) and every rule violation with its first example. Exit 1 when a rule is violated.',
    )
    .argument('<file.csv>', 'RFC 4180 CSV with a header row (UTF-8, optional BOM)')
    .requiredOption('--contract <contract.json>', 'data contract: columns, types, ranges, allowed values, minRows')
    .option('--json', 'print the report as one JSON document on stdout')
    .option('--progress', PROGRESS_HELP)
    .option('--no-progress', NO_PROGRESS_HELP)
    .action(async (file: string, _options: ValidateOptions, command: Command) => {
      const options = command.optsWithGlobals<ValidateOptions>();
      await runCommand(options, () =>
        withProgress(options.progress, async (progress) => {
          const contract = parseContractText(readContract(options.contract), `Contract ${options.contract}`);
          const validator = new DatasetValidator(contract);
          await readCsv(progress.open(file, `validating ${file}`), validator, { source: file });
          const report = validator.report();
          return { json: report, human: describe(report), exitCode: report.passed ? 0 : 1 };
        }),
      );
    });
}

function readContract(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new InputError(`Cannot read contract ${path}: no such file.`);
  }
}

function describe(report: ValidationReport): string {
  const profileRows = Object.entries(report.columns).map(([name, profile]) => {
    const numeric = profile.type === 'integer' || profile.type === 'number' ? profile : undefined;
    return [
      name,
      profile.type,
      String(profile.count),
      String(profile.missing),
      numeric?.min === undefined ? '' : formatNumber(numeric.min),
      numeric?.mean === undefined ? '' : formatNumber(numeric.mean),
      numeric?.max === undefined ? '' : formatNumber(numeric.max),
      'distinct' in profile ? String(profile.distinct) : '',
    ];
  });
  const lines = [
    `${report.rows} rows — ${report.passed ? 'PASSED' : 'FAILED'}`,
    '',
    formatTable(['column', 'type', 'count', 'missing', 'min', 'mean', 'max', 'distinct'], profileRows),
  ];
  if (report.violations.length > 0) {
    const violationRows = report.violations.map((violation) => [
      violation.rule,
      violation.column ?? '',
      String(violation.count),
      violation.example
        ? `row ${violation.example.row}${violation.example.value === undefined ? '' : `: ${violation.example.value}`}`
        : '',
    ]);
    lines.push('', formatTable(['rule', 'column', 'rows', 'first example'], violationRows));
  }
  return lines.join('\n');
}
