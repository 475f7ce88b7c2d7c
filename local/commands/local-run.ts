/** `warden local run` (CONTRACTS.md): one scenario of the self-healing loop on the embedded local runtime, offline. */
import type { Command } from 'commander';
import { InputError } from '../../lambdas/shared/errors';
import { loadChartLibrary } from '../report/assets';
import { writeExport, type RunExport } from '../report/export-files';
import { checkReportPath, writeReport } from '../report/render';
import { runCommand } from '../run-command';

interface LocalRunOptions {
  readonly scenario: string;
  readonly json?: boolean;
  readonly debug?: boolean;
  readonly report?: string;
  readonly export?: string;
  readonly regions?: string;
}

const SCENARIO_NAMES = ['happy', 'bias-block', 'canary-rollback', 'drift-retrain', 'alarm-storm', 'region-wave'];

const HELP = `
Scenarios and the outcome each must show (exit 1 when it does not):
  happy            v1 passes every gate, is trained, registered and deployed at 100 % in every region
  bias-block       biased labels: training fails with Warden.BiasGateFailed, no endpoint is touched
  canary-rollback  v2 degrades during its canary: the alarm trips, the endpoint returns to 100 % v1
  drift-retrain    traffic drifts: drift alarm → remediation → retrain → canary → 100 % v2 (the default)
  alarm-storm      100 alarm state changes in one virtual minute from two regions: exactly one remediation acts
  region-wave      v2 rolls out region by region; the second region's canary fails and only it returns to v1

Everything runs in this process on emulators built from the synthesized templates: Step Functions (the real ASL
files), the real Lambda bundles, DynamoDB Local (needs Java >= 11), a local S3, SageMaker (a real small learner and
local model servers), EventBridge and CloudWatch, on a virtual clock. Progress goes to stderr.

Examples:
  $ warden local run
  $ warden local run --scenario canary-rollback --json
  $ warden local run --scenario happy --export out/
  $ warden local run --scenario alarm-storm --report run.html`;

export function registerLocal(program: Command): void {
  const local = program.command('local').description('Run Warden on the embedded local runtime, offline.');
  local
    .command('run')
    .description('Run one scenario of the self-healing loop end to end and check its outcome.')
    .option('--scenario <name>', `one of ${SCENARIO_NAMES.join(', ')}`, 'drift-retrain')
    .option('--json', 'print only the JSON summary of CONTRACTS.md on stdout')
    .option(
      '--export <dir>',
      'write what the run left behind into <dir>: summary, audit, lineage, events, executions, reports and metrics ' +
        '(JSON; `warden report --from <dir>` renders it)',
    )
    .option('--report <file.html>', 'write a self-contained HTML report of the run (lineage, bias, drift, timeline)')
    .addHelpText('after', HELP)
    .action(async (_options: LocalRunOptions, command: Command) => {
      const options = command.optsWithGlobals<LocalRunOptions>();
      await runCommand(options, () => localRun(options));
    });
}

async function localRun(options: LocalRunOptions) {
  if (!SCENARIO_NAMES.includes(options.scenario)) {
    throw new InputError(`Unknown scenario "${options.scenario}": choose one of ${SCENARIO_NAMES.join(', ')}.`);
  }
  // Before the run, so that a missing chart library or a wrong path does not cost a whole run.
  if (options.report !== undefined) checkReportPath(options.report);
  const report = options.report === undefined ? undefined : { path: options.report, library: loadChartLibrary() };
  // Lambda runs Node.js 22; the SDK's notice about older local Node.js versions would only be noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { LocalRuntime } = await loadRuntime();
  const { runScenario } = await import('../runtime/scenarios');
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  // Handlers and libraries may print to stdout; the contract keeps stdout for the one result document.
  const stdoutWrite = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) =>
    process.stderr.write(chunk, ...rest)) as typeof process.stdout.write;
  let runtime: Awaited<ReturnType<typeof LocalRuntime.start>> | undefined;
  const interrupted = (): void => {
    void (runtime?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  try {
    try {
      runtime = await LocalRuntime.start({ log, debug: options.debug });
    } catch (error) {
      if (error instanceof Error && /Java runtime/.test(error.message)) throw new InputError(error.message);
      throw error;
    }
    const { summary, state } = await runScenario(runtime, options.scenario as never, log);
    const run: RunExport = { ...state, summary, events: state.events as RunExport['events'] };
    if (options.export !== undefined) writeExport(options.export, run);
    if (report !== undefined) {
      const bytes = writeReport(report.path, run, report.library);
      log(`report: ${report.path} (${Math.round(bytes / 1024)} KiB)`);
    }
    return {
      json: summary,
      human: humanSummary(summary),
      exitCode: summary.ok ? (0 as const) : (1 as const),
    };
  } finally {
    process.removeListener('SIGINT', interrupted);
    await runtime?.stop();
    process.stdout.write = stdoutWrite;
  }
}

async function loadRuntime(): Promise<typeof import('../runtime/runtime')> {
  try {
    return await import('../runtime/runtime');
  } catch (error) {
    const missing = /Cannot find module '([^']+)'/.exec(error instanceof Error ? error.message : '')?.[1];
    if (missing !== undefined && !missing.startsWith('.')) {
      throw new InputError(
        `The local runtime needs ${missing}, one of this package's development dependencies: run \`npm ci\` in a ` +
          'clone of the repository (or install the dev dependencies) and try again.',
      );
    }
    throw error;
  }
}

function humanSummary(summary: import('../runtime/scenarios').ScenarioSummary): string {
  const lines = [
    '',
    `scenario ${summary.scenario}: ${summary.ok ? 'OK' : 'NOT OK'} in ${(summary.durationMs / 1000).toFixed(1)} s ` +
      `(${(summary.virtualMs / 3_600_000).toFixed(1)} virtual hours)`,
    '',
    'executions:',
    ...collapse(
      summary.executions.map(
        (execution) =>
          `  ${execution.region.padEnd(10)} ${execution.stateMachine.padEnd(12)} ${execution.status.padEnd(9)} ` +
          `${execution.error ?? ''} ${execution.states.at(-1) ?? ''}`,
      ),
    ),
    'endpoints:',
    ...summary.endpoints.map(
      (endpoint) =>
        `  ${endpoint.region.padEnd(10)} ${endpoint.name} ${endpoint.status}: ` +
        endpoint.variants.map((variant) => `v${variant.modelVersion ?? '?'} × ${variant.weight}`).join(', '),
    ),
    `lineage: ${summary.lineage.map((item) => `v${item.modelVersion} ${item.status}`).join(', ') || 'none'}`,
    `events: ${summary.events.length} (${[...new Set(summary.events.map((event) => event['detail-type']))].join(', ')})`,
    `audit: ${summary.audit.entries} entries, chain ${summary.audit.valid ? 'valid' : 'BROKEN'}`,
    `time: ${Object.entries(summary.phasesMs)
      .map(([phase, ms]) => `${phase} ${(ms / 1000).toFixed(1)} s`)
      .join(', ')}`,
  ];
  if (summary.failures.length > 0)
    lines.push('', 'expected but did not happen:', ...summary.failures.map((f) => `  - ${f}`));
  return lines.join('\n');
}

/** Runs of identical lines as one line with a count. */
function collapse(lines: readonly string[]): string[] {
  const collapsed: string[] = [];
  let previous: string | undefined;
  let count = 0;
  for (const line of [...lines, undefined]) {
    if (line === previous) {
      count++;
      continue;
    }
    if (previous !== undefined) collapsed.push(count > 1 ? `${previous} (× ${count})` : previous);
    previous = line;
    count = 1;
  }
  return collapsed;
}
