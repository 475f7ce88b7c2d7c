/**
 * The scenarios of `warden local run` (CONTRACTS.md): each drives the local runtime the way users and the world would
 * (dataset uploads, inference traffic, faults, alarm storms) and then checks that exactly its expected outcome happened.
 */
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { parseAuditEntries, sortForExport, verifyChain, type AuditEntry } from '../../lambdas/ledger/audit-chain';
import { creditRows } from '../datasets/credit';
import {
  collectDriftMetrics,
  collectReports,
  executionDetail,
  type DriftMetricSeries,
  type ExecutionDetail,
} from '../report/run-artifacts';
import type { LocalRuntime } from './runtime';

export const SCENARIOS = [
  'happy',
  'bias-block',
  'canary-rollback',
  'drift-retrain',
  'alarm-storm',
  'region-wave',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

const MODEL = 'credit-risk';
const ENDPOINT = `warden-${MODEL}`;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Rows per uploaded dataset: enough that every facet value (X is 3 % of applicants) has a stable accuracy. */
export const DATASET_ROWS = 12_000;
const FEATURES = ['age', 'income', 'debt_ratio', 'sex', 'region'];

export interface ExecutionSummary {
  readonly stateMachine: string;
  readonly region: string;
  readonly name: string;
  readonly status: string;
  readonly error: string | null;
  readonly states: readonly string[];
}

export interface ScenarioSummary {
  readonly scenario: ScenarioName;
  readonly ok: boolean;
  readonly durationMs: number;
  readonly executions: ExecutionSummary[];
  readonly endpoints: Array<{
    region: string;
    name: string;
    status: string;
    variants: Array<{ variantName: string; modelVersion: number | null; weight: number }>;
  }>;
  readonly lineage: Array<{ modelVersion: number | null; datasetSha256: string | null; status: string | null }>;
  readonly events: Array<{ 'detail-type': string; region: string }>;
  readonly audit: { entries: number; valid: boolean };
  /** Why `ok` is false: each expectation that did not hold. */
  readonly failures: string[];
  /** Wall time per phase (synthesis, emulators, the scenario itself). */
  readonly phasesMs: Record<string, number>;
  /** Virtual time the scenario covered. */
  readonly virtualMs: number;
}

/** Everything a run leaves behind, for `--export` and `--report`. */
export interface ScenarioState {
  readonly audit: AuditEntry[];
  readonly lineage: Array<Record<string, unknown>>;
  readonly events: unknown[];
  /** Every execution with its virtual start and stop times and, for remediations, the decision. */
  readonly executions: ExecutionDetail[];
  /** The validation, bias and evaluation reports the handlers wrote, by artifacts-bucket key. */
  readonly reports: Record<string, unknown>;
  /** The drift metrics the drift check published, per region and feature. */
  readonly driftMetrics: DriftMetricSeries[];
}

/**
 * Inference traffic to every serving region's endpoint from the credit population: `requestsPerMinute` requests of
 * `rowsPerRequest` records each. Drift needs volume per hour (records); a canary's alarm needs requests per minute.
 */
export class Traffic {
  private cancel: (() => void) | undefined;
  drift = 0;
  requestsPerMinute = 6;
  rowsPerRequest = 10;
  private tick = 0;

  constructor(private readonly runtime: LocalRuntime) {}

  start(): void {
    this.cancel ??= this.runtime.clock.every(MINUTE, () => this.send());
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  private async send(): Promise<void> {
    this.tick++;
    const records = creditRows({
      rows: this.requestsPerMinute * this.rowsPerRequest,
      seed: 10_000 + this.tick,
      drift: this.drift,
      withoutLabel: true,
    });
    const lines = records.map((record) => FEATURES.map((name) => csvField(record[name] ?? '')).join(','));
    for (const region of this.runtime.assembly.servingRegions) {
      const live = this.runtime
        .endpoints(region)
        .endpointsSummary()
        .find((endpoint) => endpoint.name === ENDPOINT);
      if (live === undefined || live.status === 'Creating' || live.status === 'Failed') continue;
      for (let request = 0; request < this.requestsPerMinute; request++) {
        const body = lines.slice(request * this.rowsPerRequest, (request + 1) * this.rowsPerRequest).join('\n');
        try {
          await this.runtime.invokeEndpoint(region, ENDPOINT, body);
        } catch {
          // A failed invocation is what the 5xx metrics and alarms are for; the client just moves on.
        }
      }
    }
  }
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** A labelled credit dataset as CSV (header and rows), from the synthetic population. */
export function dataset(rows: number, seed: number, options: { labelBias?: number; drift?: number } = {}): string {
  const records = creditRows({ rows, seed, ...options });
  const columns = Object.keys(records[0] ?? {});
  return [columns.join(','), ...records.map((record) => columns.map((name) => csvField(record[name])).join(','))].join(
    '\n',
  );
}

/** Runs one scenario on a started runtime and checks its outcome. */
export async function runScenario(
  runtime: LocalRuntime,
  scenario: ScenarioName,
  log: (line: string) => void,
): Promise<{ summary: ScenarioSummary; state: ScenarioState }> {
  const started = Date.now();
  const virtualStart = runtime.clock.now();
  const failures: string[] = [];
  const expect = (condition: boolean, message: string): void => {
    if (!condition) failures.push(message);
  };
  const traffic = new Traffic(runtime);
  /** Busy enough that a 10 % canary sees several requests a minute. */
  const busy = (): void => {
    traffic.requestsPerMinute = 60;
    traffic.rowsPerRequest = 1;
  };
  const step = (line: string): void => log(`\n== ${line}`);

  const upload = async (name: string, csv: string): Promise<void> => {
    step(`upload incoming/${MODEL}/${name}`);
    await runtime.upload(`incoming/${MODEL}/${name}`, csv);
  };
  const firstVersion = async (): Promise<void> => {
    await upload('2024-06-01.csv', dataset(DATASET_ROWS, 1));
    traffic.start();
    await runtime.advance(30 * MINUTE);
  };

  switch (scenario) {
    case 'happy': {
      await firstVersion();
      break;
    }
    case 'bias-block': {
      await upload('2024-06-01.csv', dataset(DATASET_ROWS, 1, { labelBias: 1 }));
      break;
    }
    case 'drift-retrain': {
      await firstVersion();
      step('traffic drifts; fresh labelled data lands for the next retrain');
      await runtime.upload(`incoming/${MODEL}/fresh/2024-06-02.csv`, dataset(DATASET_ROWS, 2, { drift: 1 }));
      traffic.drift = 1;
      await runtime.advance(6 * HOUR);
      break;
    }
    case 'canary-rollback': {
      await firstVersion();
      step('v2 degrades: its containers answer 5xx during the canary');
      runtime.degradeModelVersion(2, { errorRate: 1 });
      busy();
      await upload('2024-06-02.csv', dataset(DATASET_ROWS, 2));
      await runtime.advance(30 * MINUTE);
      break;
    }
    case 'region-wave': {
      await firstVersion();
      const second = runtime.assembly.servingRegions.at(-1) as string;
      step(`v2 rolls out region by region; its canary fails in ${second}`);
      runtime.degradeModelVersion(2, { errorRate: 1, region: second });
      busy();
      await upload('2024-06-02.csv', dataset(DATASET_ROWS, 2));
      await runtime.advance(30 * MINUTE);
      break;
    }
    case 'alarm-storm': {
      await firstVersion();
      step('100 alarm state changes within one virtual minute, from two regions');
      traffic.stop();
      await runtime.alarmStorm(100, MINUTE);
      break;
    }
  }
  traffic.stop();
  await runtime.settle();

  const state = await collectState(runtime, virtualStart);
  const summary = summarize(runtime, scenario, state, started, virtualStart, failures);
  checkOutcome(runtime, scenario, summary, state, expect);
  return { summary: { ...summary, ok: failures.length === 0 }, state };
}

async function collectState(runtime: LocalRuntime, virtualStart: number): Promise<ScenarioState> {
  const tables = runtime.assembly.resources('AWS::DynamoDB::GlobalTable');
  const scan = async (suffix: string): Promise<Array<Record<string, unknown>>> => {
    const table = tables.find((resource) => String(resource.properties.TableName).endsWith(suffix));
    if (!table) return [];
    const items: Array<Record<string, unknown>> = [];
    let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await runtime.dynamo.client.send(
        new ScanCommand({ TableName: String(table.properties.TableName), ExclusiveStartKey, ConsistentRead: true }),
      );
      for (const item of page.Items ?? []) items.push(unmarshall(item));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  };
  const auditItems = await scan('-audit');
  const audit = sortForExport(parseAuditEntries(auditItems, 'The audit table'));
  const lineage = await scan('-lineage');
  return {
    audit,
    lineage,
    events: runtime.events.events().map((entry) => entry.event),
    executions: runtime
      .executions()
      .map((execution) => executionDetail(execution, stateMachineLabel(execution.stateMachineName))),
    reports: await collectReports(runtime),
    driftMetrics: await collectDriftMetrics(runtime, virtualStart),
  };
}

/** `training`, `deploy` or `remediation`: the state machine's name without the model family's prefix. */
function stateMachineLabel(name: string): string {
  return name.replace(`warden-${MODEL}-`, '').replace('remediate', 'remediation');
}

function versionOf(text: string | undefined): number | null {
  const match = /-v(\d+)-/.exec(`${text ?? ''}-`);
  return match ? Number(match[1]) : null;
}

function summarize(
  runtime: LocalRuntime,
  scenario: ScenarioName,
  state: ScenarioState,
  started: number,
  virtualStart: number,
  failures: string[],
): ScenarioSummary {
  const verification = verifyChainsByStream(state.audit);
  return {
    scenario,
    ok: false,
    durationMs: Date.now() - started,
    executions: runtime.executions().map((execution) => ({
      stateMachine: stateMachineLabel(execution.stateMachineName),
      region: execution.region,
      name: execution.name,
      status: execution.status,
      error: execution.error ?? null,
      states: execution.states,
    })),
    endpoints: runtime.assembly.servingRegions.flatMap((region) =>
      runtime
        .endpoints(region)
        .endpointsSummary()
        .map((endpoint) => ({
          region,
          name: endpoint.name,
          status: endpoint.status,
          variants: endpoint.variants.map((variant) => ({
            variantName: variant.variantName,
            modelVersion: versionOf(variant.modelName),
            weight: variant.weight,
          })),
        })),
    ),
    lineage: state.lineage
      .filter((item) => String(item.sk ?? '').startsWith('VERSION#'))
      .map((item) => ({
        modelVersion: typeof item.modelVersion === 'number' ? item.modelVersion : Number(String(item.sk).slice(8)),
        datasetSha256: (item.datasetSha256 as string | undefined) ?? null,
        status: (item.status as string | undefined) ?? null,
      })),
    events: runtime.events.events().map((entry) => ({
      'detail-type': String((entry.event as unknown as Record<string, unknown>)['detail-type']),
      region: entry.region,
    })),
    audit: { entries: state.audit.length, valid: verification },
    failures,
    phasesMs: { ...runtime.phaseTimes(), scenario: Date.now() - started },
    virtualMs: runtime.clock.now() - virtualStart,
  };
}

function verifyChainsByStream(entries: readonly AuditEntry[]): boolean {
  const streams = new Map<string, AuditEntry[]>();
  for (const entry of entries) streams.set(entry.stream, [...(streams.get(entry.stream) ?? []), entry]);
  return [...streams.values()].every((chain) => verifyChain(chain).valid);
}

function checkOutcome(
  runtime: LocalRuntime,
  scenario: ScenarioName,
  summary: ScenarioSummary,
  state: ScenarioState,
  expect: (condition: boolean, message: string) => void,
): void {
  const regions = runtime.assembly.servingRegions;
  const trainings = summary.executions.filter((execution) => execution.stateMachine === 'training');
  const remediations = summary.executions.filter((execution) => execution.stateMachine === 'remediation');
  const eventTypes = summary.events.map((event) => event['detail-type']);
  const liveVersion = (region: string): number | null | undefined => {
    const endpoint = summary.endpoints.find((candidate) => candidate.region === region && candidate.name === ENDPOINT);
    const serving = endpoint?.variants.filter((variant) => variant.weight > 0) ?? [];
    if (endpoint === undefined || endpoint.status !== 'InService' || serving.length !== 1) return undefined;
    return serving[0].modelVersion;
  };
  const lineageStatus = (version: number): string | null | undefined =>
    summary.lineage.find((item) => item.modelVersion === version)?.status;
  expect(summary.audit.valid, 'the audit chain verifies');
  expect(
    summary.executions.every((execution) => execution.status !== 'RUNNING'),
    'no execution is left running',
  );
  switch (scenario) {
    case 'happy':
      expect(trainings.length === 1 && trainings[0].status === 'SUCCEEDED', 'one training execution succeeded');
      for (const region of regions) expect(liveVersion(region) === 1, `${region} serves v1 at 100 %`);
      expect(eventTypes.includes('Warden Model Registered'), 'Warden Model Registered was emitted');
      break;
    case 'bias-block':
      expect(
        trainings.length === 1 && trainings[0].status === 'FAILED' && trainings[0].error === 'Warden.BiasGateFailed',
        'the training execution failed with Warden.BiasGateFailed',
      );
      expect(summary.endpoints.length === 0, 'no endpoint was created');
      expect(
        state.audit.some((entry) => entry.action === 'model.blocked'),
        'the block is in the audit ledger',
      );
      expect(
        state.lineage.some((item) => item.status === 'Blocked'),
        'the block is in lineage',
      );
      break;
    case 'canary-rollback':
      for (const region of regions) expect(liveVersion(region) === 1, `${region} is back on v1 at 100 %`);
      expect(lineageStatus(2) === 'RolledBack', 'v2 is RolledBack in lineage');
      expect(eventTypes.includes('Warden Deployment Rolled Back'), 'Warden Deployment Rolled Back was emitted');
      break;
    case 'drift-retrain': {
      const ran = remediations.filter((execution) => execution.states.includes('RequestRetrain'));
      expect(ran.length === 1, `exactly one remediation ran (ran: ${ran.length})`);
      expect(trainings.length === 2, `two training executions (v1, then the retrain) (saw ${trainings.length})`);
      expect(
        trainings.every((execution) => execution.status === 'SUCCEEDED'),
        'both trainings succeeded',
      );
      for (const region of regions) expect(liveVersion(region) === 2, `${region} serves v2 at 100 %`);
      expect(eventTypes.includes('Warden Retrain Requested'), 'Warden Retrain Requested was emitted');
      break;
    }
    case 'alarm-storm': {
      const acted = remediations.filter(
        (execution) => execution.states.includes('RequestRetrain') || execution.states.includes('RollBackRegion'),
      );
      const suppressed = remediations.filter((execution) => execution.states.includes('AuditSuppression'));
      expect(remediations.length === 100, `100 remediation executions started (saw ${remediations.length})`);
      expect(acted.length === 1, `exactly one remediation acted (acted: ${acted.length})`);
      expect(suppressed.length === remediations.length - 1, 'every other one was recorded as suppressed');
      break;
    }
    case 'region-wave': {
      const [first, second] = [regions[0], regions.at(-1) as string];
      expect(liveVersion(first) === 2, `${first} stays on v2`);
      expect(liveVersion(second) === 1, `${second} returned to v1`);
      break;
    }
  }
}
