/** `warden bias <file.csv> --label <col> --facet <col> --facet-value <v> …` (CONTRACTS.md). */
import { type Command, Option } from 'commander';
import {
  analyzeBias,
  type BiasMetric,
  type BiasMode,
  type BiasReport,
  POSTTRAINING_METRICS,
  PRETRAINING_METRICS,
  resolveBiasThresholds,
} from '../../lambdas/stats/bias';
import { collect, parseThresholds, runCommand } from '../run-command';
import { formatNumber, formatTable } from '../table';
import { NO_PROGRESS_HELP, PROGRESS_HELP, withProgress } from './progress';

interface BiasOptions {
  readonly label: string;
  readonly facet: string;
  readonly facetValue: string;
  readonly prediction?: string;
  readonly positive: string;
  readonly group?: string;
  readonly threshold?: string[];
  readonly mode: BiasMode;
  readonly json?: boolean;
  readonly debug?: boolean;
  readonly progress?: boolean;
}

const METRIC_NAMES: Record<BiasMetric, string> = {
  CI: 'class imbalance',
  DPL: 'difference in positive proportions of labels',
  KL: 'Kullback-Leibler divergence of label distributions',
  JS: 'Jensen-Shannon divergence of label distributions',
  LP: 'L2 distance of label distributions',
  TVD: 'total variation distance of label distributions',
  KS: 'Kolmogorov-Smirnov distance of label distributions',
  CDDL: 'conditional demographic disparity of labels',
  DPPL: 'difference in positive proportions of predictions',
  DI: 'disparate impact (d over a)',
  DCA: 'difference in conditional acceptance',
  DCR: 'difference in conditional rejection',
  RD: 'recall difference',
  SD: 'specificity difference',
  DAR: 'difference in acceptance rates (precision)',
  DRR: 'difference in rejection rates',
  AD: 'accuracy difference',
  TE: 'treatment equality',
  CDDPL: 'conditional demographic disparity of predictions',
  GE: 'generalized entropy index (alpha 2)',
  AccuracyGap: 'largest accuracy gap between facet-column values',
};

export function registerBias(program: Command): void {
  program
    .command('bias')
    .description(
      'Measure bias of a labelled (and optionally predicted) CSV dataset between facet d (rows whose facet column ' +
        'equals --facet-value) and facet a (all other rows), with SageMaker Clarify definitions: pre-training metrics ' +
        'from labels, post-training metrics from predictions. Exit 1 when a metric crosses its threshold in fail mode.',
    )
    .argument('<file.csv>', 'RFC 4180 CSV with a header row (UTF-8, optional BOM)')
    .requiredOption('--label <column>', 'column holding the observed outcome (binary)')
    .requiredOption('--facet <column>', 'column holding the sensitive attribute')
    .requiredOption('--facet-value <value>', 'value of the facet column that marks the disadvantaged facet d')
    .option('--prediction <column>', "column holding the model's predicted outcome; adds the post-training metrics")
    .option('--positive <value>', 'label and prediction value that counts as the positive outcome', '1')
    .option('--group <column>', 'column to condition on; adds CDDL (and CDDPL with --prediction)')
    .option(
      '--threshold <metric=value>',
      'fail when |metric| > value (DI: outside [value, 1/value]); repeatable; defaults: DPL=0.2, DPPL=0.2, AccuracyGap=0.1',
      collect,
    )
    .addOption(
      new Option('--mode <mode>', 'fail: exit 1 when a threshold is crossed; warn: report it and exit 0')
        .choices(['fail', 'warn'])
        .default('fail'),
    )
    .option('--json', 'print the report as one JSON document on stdout')
    .option('--progress', PROGRESS_HELP)
    .option('--no-progress', NO_PROGRESS_HELP)
    .addHelpText(
      'after',
      [
        '',
        'Metrics:',
        ...[...PRETRAINING_METRICS, ...POSTTRAINING_METRICS].map((name) => `  ${name.padEnd(13)}${METRIC_NAMES[name]}`),
        '',
        'Rows with an empty label, facet, prediction or group value are skipped (counts.skippedRows).',
        'Metrics that are undefined for the data (for example KL when the facets share no label value) are NaN and',
        'never fail a threshold.',
      ].join('\n'),
    )
    .action(async (file: string, _options: BiasOptions, command: Command) => {
      const options = command.optsWithGlobals<BiasOptions>();
      await runCommand(options, () =>
        withProgress(options.progress, async (progress) => {
          const spec = {
            label: options.label,
            facet: options.facet,
            facetValue: options.facetValue,
            prediction: options.prediction,
            group: options.group,
            positive: options.positive,
          };
          const thresholds = resolveBiasThresholds(spec, parseThresholds(options.threshold));
          const stream = progress.open(file, `measuring bias in ${file}`);
          const report = await analyzeBias(stream, spec, { thresholds, mode: options.mode }, file);
          return { json: report, human: describe(report, file), exitCode: report.verdict === 'fail' ? 1 : 0 };
        }),
      );
    });
}

function describe(report: BiasReport, file: string): string {
  const { counts, thresholds, facet } = report;
  const failed = new Set<BiasMetric>(report.failed);
  const metricRows = (metrics: object) =>
    Object.entries(metrics).map(([name, value]: [string, number]) => {
      const metric = name as BiasMetric;
      const threshold = thresholds[metric];
      const status = threshold === undefined ? '' : failed.has(metric) ? 'OVER' : 'ok';
      return [
        metric,
        formatNumber(value),
        threshold === undefined ? '' : formatNumber(threshold),
        status,
        METRIC_NAMES[metric],
      ];
    });
  const header = ['metric', 'value', 'threshold', 'status', 'meaning'];
  const lines = [
    `${file}: facet d = ${facet.column} "${facet.value}" (${counts.facetD} rows), facet a = every other value ` +
      `(${counts.facetA} rows); ${counts.rows} rows read, ${counts.skippedRows} skipped`,
    '',
    'Pre-training (labels)',
    formatTable(header, metricRows(report.pretraining)),
  ];
  if (report.posttraining)
    lines.push('', 'Post-training (predictions)', formatTable(header, metricRows(report.posttraining)));
  const verdict = report.verdict.toUpperCase();
  lines.push(
    '',
    report.failed.length === 0
      ? `Verdict: ${verdict}`
      : `Verdict: ${verdict} (over threshold: ${report.failed.join(', ')})`,
  );
  return lines.join('\n');
}
