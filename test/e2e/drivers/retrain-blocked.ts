/**
 * A run the six scenarios do not cover, driven on the local runtime from the sources (run with `node --import tsx`):
 * v1 is live, traffic drifts, and the fresh data staged for the retrain has biased labels. The drift remediation
 * retrains, the pre-training bias gate blocks the candidate, and v1 must stay live everywhere. Prints one JSON
 * document with what happened.
 */
import { LocalRuntime } from '../../../local/runtime/runtime';
import { dataset, DATASET_ROWS, Traffic } from '../../../local/runtime/scenarios';

const HOUR = 3_600_000;

async function main(): Promise<void> {
  const runtime = await LocalRuntime.start({ log: (line) => void process.stderr.write(`${line}\n`) });
  try {
    const traffic = new Traffic(runtime);
    await runtime.upload('incoming/credit-risk/2024-06-01.csv', dataset(DATASET_ROWS, 1));
    traffic.start();
    await runtime.advance(HOUR / 2);
    await runtime.upload(
      'incoming/credit-risk/fresh/2024-06-02.csv',
      dataset(DATASET_ROWS, 2, { drift: 0.5, labelBias: 1 }),
    );
    traffic.drift = 1;
    await runtime.advance(6 * HOUR);
    traffic.stop();
    await runtime.settle();
    const executions = runtime.executions().map((execution) => ({
      stateMachine: execution.stateMachineName,
      region: execution.region,
      status: execution.status,
      error: execution.error ?? null,
      states: execution.states,
    }));
    const endpoints = runtime.assembly.servingRegions.map((region) => ({
      region,
      endpoints: runtime.endpoints(region).endpointsSummary(),
    }));
    process.stdout.write(`${JSON.stringify({ executions, endpoints })}\n`);
  } finally {
    await runtime.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
