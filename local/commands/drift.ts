/** `warden drift`: how far the current data has moved from the baseline, column by column. */
import type { Command } from 'commander';
import { InputError } from '../../lambdas/shared/errors';
import { driftBetweenCsv, type CsvSource } from '../../lambdas/stats/drift-csv';
import type { ColumnDrift, DriftReport } from '../../lambdas/stats/drift';
import {
  DEFAULT_DRIFT_THRESHOLDS,
  crossedCategorical,
  crossedNumeric,
  resolveDriftThresholds,
  type DriftMetricName,
  type DriftThresholds,
} from '../../lambdas/stats/drift-thresholds';
import { collect, parseThresholds, runCommand } from '../run-command';
import { NO_PROGRESS_HELP, PROGRESS_HELP, type ProgressReporter, withProgress } from './progress';

interface DriftCommandOptions {
  readonly columns?: string;
  readonly threshold?: string[];
  readonly json?: boolean;
  readonly progress?: boolean;
}

const HELP = `
A column is numeric when every non-empty value in both files is a finite number, else categorical; empty values
are ignored.
  numeric      ks.statistic      two-sample Kolmogorov-Smirnov D (scipy ks_2samp)
               ks.pValue         asymptotic p-value Q(sqrt(nm/(n+m))·D) (scipy kstwobign.sf)
               wasserstein       1-Wasserstein distance (scipy wasserstein_distance)
               wassersteinNorm   wasserstein / population standard deviation of the baseline
               psi               population stability index over 10 equal-width bins of both samples
  categorical  psi               population stability index over the union of categories
               jsDistance        Jensen-Shannon distance (natural log, scipy jensenshannon)

A column drifts when any of its metrics crosses its threshold (METRIC=VALUE for --threshold):
  psi ${DEFAULT_DRIFT_THRESHOLDS.psi}, ksStatistic ${DEFAULT_DRIFT_THRESHOLDS.ksStatistic}, wassersteinNorm ${DEFAULT_DRIFT_THRESHOLDS.wassersteinNorm}, jsDistance ${DEFAULT_DRIFT_THRESHOLDS.jsDistance}: drift above the value
  ksPValue (off unless given): drift when the p-value is below the value

Exit codes: 0 no column drifted, 1 some column drifted, 2 usage or input error.

Examples:
  $ warden drift train.csv captured.csv
  $ warden drift train.csv captured.csv --columns age,income --threshold psi=0.1 --json`;

export function registerDrift(program: Command): void {
  program
    .command('drift')
    .description('Measure data drift between a baseline CSV and a current CSV, per column.')
    .argument('<baseline.csv>', 'the reference data (e.g. the training set)')
    .argument('<current.csv>', 'the data to check (e.g. captured traffic)')
    .option('--columns <names>', 'comma-separated columns to compare (default: every baseline column)')
    .option('--threshold <METRIC=VALUE>', 'override a drift threshold (repeatable)', collect)
    .option('--json', 'print the report as one JSON document')
    .option('--progress', PROGRESS_HELP)
    .option('--no-progress', NO_PROGRESS_HELP)
    .addHelpText('after', HELP)
    .action(async (baselinePath: string, currentPath: string, options: DriftCommandOptions, command: Command) => {
      const { debug } = command.optsWithGlobals<{ debug?: boolean }>();
      await runCommand({ json: options.json, debug }, () =>
        withProgress(options.progress, async (progress) => {
          const thresholds = resolveDriftThresholds(parseThresholds(options.threshold));
          const report = await driftBetweenCsv(
            trackedSource(progress, baselinePath, 'baseline'),
            trackedSource(progress, currentPath, 'current'),
            { thresholds, columns: parseColumns(options.columns) },
          );
          return {
            json: report,
            human: formatReport(report, baselinePath, currentPath),
            exitCode: report.drifted.length > 0 ? 1 : 0,
          };
        }),
      );
    });
}

/** A file read through `progress`; a second read is the exact recount of categories (see drift-collector). */
function trackedSource(progress: ProgressReporter, path: string, role: 'baseline' | 'current'): CsvSource {
  let reads = 0;
  return {
    name: path,
    open: () =>
      progress.open(path, reads++ === 0 ? `reading ${role} ${path}` : `recounting categories of ${role} ${path}`),
  };
}

function parseColumns(list: string | undefined): string[] | undefined {
  if (list === undefined) return undefined;
  const names = list.split(',');
  if (names.some((name) => name === '')) {
    throw new InputError(`--columns expects comma-separated column names, got "${list}".`);
  }
  return [...new Set(names)];
}

const HEADINGS = [
  'column',
  'type',
  'baseline n',
  'current n',
  'psi',
  'ks',
  'ks p-value',
  'wasserstein',
  'w/std',
  'js',
  'drifted on',
];
/** Name, type and the drifted-on list read left to right; numbers are right-aligned. */
const isTextColumn = (index: number): boolean => index < 2 || index === HEADINGS.length - 1;

function formatReport(report: DriftReport, baselinePath: string, currentPath: string): string {
  const names = Object.keys(report.columns);
  const rows = names.map((name) => [name, ...formatColumn(report.columns[name], report.thresholds)]);
  const widths = HEADINGS.map((heading, i) => Math.max(heading.length, ...rows.map((row) => row[i].length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (isTextColumn(i) ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const verdict =
    report.drifted.length === 0
      ? `No drift: none of ${names.length} column${names.length === 1 ? '' : 's'} crossed a threshold.`
      : `Drift in ${report.drifted.length} of ${names.length} columns: ${report.drifted.join(', ')}.`;
  return [
    `Drift of ${currentPath} against ${baselinePath}`,
    '',
    line(HEADINGS),
    ...rows.map(line),
    '',
    verdict,
    `Thresholds: ${formatThresholds(report.thresholds)} (* marks a metric over its threshold).`,
  ].join('\n');
}

/** Table cells after the name; `*` marks a metric over its threshold, the last cell lists those metrics. */
function formatColumn(column: ColumnDrift, thresholds: DriftThresholds): string[] {
  const crossed =
    column.type === 'numeric' ? crossedNumeric(column, thresholds) : crossedCategorical(column, thresholds);
  const numeric = column.type === 'numeric' ? column : undefined;
  const cell = (value: number | undefined, metric?: DriftMetricName, digits = 4): string =>
    value === undefined ? '- ' : formatNumber(value, digits) + (metric && crossed.includes(metric) ? '*' : ' ');
  return [
    column.type,
    String(column.count.baseline),
    String(column.count.current),
    cell(column.psi, 'psi'),
    cell(numeric?.ks.statistic, 'ksStatistic'),
    cell(numeric?.ks.pValue, 'ksPValue', 3),
    cell(numeric?.wasserstein),
    cell(numeric?.wassersteinNorm, 'wassersteinNorm'),
    cell(column.type === 'categorical' ? column.jsDistance : undefined, 'jsDistance'),
    crossed.join(', '),
  ];
}

/** Fixed decimals for ordinary magnitudes, scientific notation for the tiny and the huge. */
function formatNumber(value: number, digits: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (value !== 0 && (magnitude < 10 ** -digits || magnitude >= 1e6)) return value.toExponential(digits - 1);
  return value.toFixed(digits);
}

function formatThresholds(thresholds: DriftThresholds): string {
  return Object.entries(thresholds)
    .map(([metric, value]) => (metric === 'ksPValue' ? `ksPValue < ${value}` : `${metric} > ${value}`))
    .join(', ');
}
