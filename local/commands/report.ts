/** `warden report`: the HTML report of a run, rendered from what `warden local run --export <dir>` wrote. */
import type { Command } from 'commander';
import { loadChartLibrary } from '../report/assets';
import { readExport } from '../report/export-files';
import { writeReport } from '../report/render';
import { runCommand } from '../run-command';

interface ReportOptions {
  readonly from: string;
  readonly out: string;
  readonly json?: boolean;
  readonly debug?: boolean;
}

const HELP = `
The report is one self-contained HTML file (no network access: styles, the chart library and the data are inline)
showing the lineage graph, the bias gates against their thresholds, PSI per feature over time, the execution timeline
with the remediation decisions, and the audit chain verified again from the export.

Examples:
  $ warden local run --scenario drift-retrain --export out/
  $ warden report --from out/ --out run.html`;

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('Render the HTML report of an exported local run.')
    .requiredOption('--from <dir>', 'export directory written by `warden local run --export <dir>`')
    .requiredOption('--out <file.html>', 'where to write the report')
    .option('--json', 'print { "out", "bytes", "scenario", "ok" } as one JSON document')
    .addHelpText('after', HELP)
    .action(async (_options: ReportOptions, command: Command) => {
      const options = command.optsWithGlobals<ReportOptions>();
      await runCommand(options, async () => {
        const library = loadChartLibrary();
        const run = readExport(options.from);
        const bytes = writeReport(options.out, run, library);
        return {
          json: { out: options.out, bytes, scenario: run.summary.scenario, ok: run.summary.ok },
          human: `Wrote ${options.out} (${Math.round(bytes / 1024)} KiB): scenario ${run.summary.scenario}, ${
            run.summary.ok ? 'OK' : 'NOT OK'
          }.`,
          exitCode: 0,
        };
      });
    });
}
