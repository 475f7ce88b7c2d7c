/**
 * The fault-free worlds each state machine is faulted in. A world fixes what the Choice states branch on (dataset
 * size, approval mode, whether the endpoint exists, what SageMaker does with the canary, the remediation decision);
 * which Task a fault lands on is decided elsewhere, from the ASL.
 */
import { STATE_MACHINE_FILES } from '../../../lib/state-machine-file';
import type { FakeAws } from '../../statemachines/support/fake-aws';
import type { FakeEndpoint } from '../../statemachines/support/fake-endpoint';
import type { ExecutionHooks, LocalExecution } from '../../statemachines/support/local-execution';
import {
  DISTRIBUTED_THRESHOLD_BYTES,
  ENDPOINT_NAME,
  trainingSubstitutions,
} from '../../statemachines/support/substitutions';
import {
  alarmEvent,
  deployInput,
  runDeploy,
  runRemediation,
  runTraining,
  SCALED_OUT,
  trainingInput,
  type DeployWorldOptions,
  type TrainingWorldOptions,
} from '../../statemachines/support/worlds';

export type MachineFile = (typeof STATE_MACHINE_FILES)[number];

/** The endpoint config in service before a deployment, and the last good one a rollback returns to. */
export const LIVE_CONFIG = `${ENDPOINT_NAME}-v7-9f8e7d6c-0`;
export const LAST_GOOD_CONFIG = `${ENDPOINT_NAME}-v6-0a1b2c3d-0`;

/** One regional deploy execution and the endpoint it worked on. */
export interface DeployExecution {
  readonly region: string;
  readonly request: Record<string, unknown>;
  readonly execution: LocalExecution;
  readonly aws: FakeAws;
  readonly endpoint: FakeEndpoint;
}

export interface ScenarioRun {
  readonly file: MachineFile;
  readonly execution: LocalExecution;
  readonly aws: FakeAws;
  /** Every deploy execution of the run: the run itself for deploy.asl.json, the regional waves for training. */
  readonly deployments: readonly DeployExecution[];
}

export interface Scenario {
  readonly name: string;
  readonly file: MachineFile;
  /** How the world's execution ends without faults. */
  readonly outcome: { readonly status: 'SUCCEEDED' | 'FAILED'; readonly error?: string };
  run(hooks: ExecutionHooks): Promise<ScenarioRun>;
}

const SUCCEEDED = { status: 'SUCCEEDED' } as const;

async function training(
  hooks: ExecutionHooks,
  options: Omit<TrainingWorldOptions, 'execution'> = {},
  input = trainingInput(),
): Promise<ScenarioRun> {
  const run = await runTraining(input, { ...options, execution: hooks });
  return {
    file: 'training.asl.json',
    execution: run.execution,
    aws: run.aws,
    deployments: run.deployments.map((deployment) => ({
      ...deployment,
      request: deploymentRequest(deployment.region, run.aws),
    })),
  };
}

/** The payload the training run gave start-regional-deployment for one region. */
function deploymentRequest(region: string, aws: FakeAws): Record<string, unknown> {
  return aws.lambdaPayloads('start-regional-deployment').find((payload) => payload.region === region) ?? {};
}

async function deploy(
  hooks: ExecutionHooks,
  request: Record<string, unknown>,
  options: Omit<DeployWorldOptions, 'execution'> = {},
): Promise<ScenarioRun> {
  const run = await runDeploy(request, { ...options, execution: hooks });
  return {
    file: 'deploy.asl.json',
    execution: run.execution,
    aws: run.aws,
    deployments: [{ region: 'us-east-1', request, ...run }],
  };
}

async function remediation(hooks: ExecutionHooks, decision: Record<string, unknown>): Promise<ScenarioRun> {
  const run = await runRemediation(
    alarmEvent(),
    {
      'decide-remediation': () => decision,
      'start-regional-deployment': (payload) => ({ region: payload.region, outcome: 'Succeeded' }),
    },
    hooks,
  );
  return { file: 'remediate.asl.json', execution: run.execution, aws: run.aws, deployments: [] };
}

/** Per state machine, the worlds in the order they are tried when looking for one that reaches a Task. */
export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'training: auto approval, two regions',
    file: 'training.asl.json',
    outcome: SUCCEEDED,
    run: (hooks) => training(hooks),
  },
  {
    name: 'training: dataset above the size threshold, validated in parts',
    file: 'training.asl.json',
    outcome: SUCCEEDED,
    run: (hooks) =>
      training(
        hooks,
        { objects: SCALED_OUT.objects, lambda: SCALED_OUT.lambda },
        trainingInput({ sizeBytes: 2 * DISTRIBUTED_THRESHOLD_BYTES }),
      ),
  },
  {
    name: 'training: manual approval, approved',
    file: 'training.asl.json',
    outcome: SUCCEEDED,
    run: (hooks) =>
      training(hooks, {
        substitutions: trainingSubstitutions({ ApprovalMode: 'Manual', DeployRegions: ['us-east-1'] }),
        eventWaiters: { 'Warden Approval Requested': () => ({ approvedBy: 'risk-officer', comment: 'ok' }) },
      }),
  },
  {
    name: 'deploy: canary update of the live endpoint',
    file: 'deploy.asl.json',
    outcome: SUCCEEDED,
    run: (hooks) => deploy(hooks, deployInput(), { existingConfigName: LIVE_CONFIG, pollsUntilSettled: 1 }),
  },
  {
    name: 'deploy: first deployment in the region',
    file: 'deploy.asl.json',
    outcome: SUCCEEDED,
    run: (hooks) => deploy(hooks, deployInput()),
  },
  {
    name: 'deploy: no GPU capacity, in service on the CPU fallback',
    file: 'deploy.asl.json',
    outcome: SUCCEEDED,
    run: (hooks) =>
      deploy(hooks, deployInput(), {
        existingConfigName: LIVE_CONFIG,
        outcomes: ['resource-limit', 'capacity-rollback', 'in-service'],
      }),
  },
  {
    name: 'deploy: first deployment, no GPU capacity: the Failed endpoint is deleted and created on the CPU fallback',
    file: 'deploy.asl.json',
    outcome: SUCCEEDED,
    run: (hooks) => deploy(hooks, deployInput(), { outcomes: ['capacity-failed', 'in-service'] }),
  },
  {
    name: 'deploy: the canary trips an alarm and SageMaker rolls back',
    file: 'deploy.asl.json',
    outcome: { status: 'FAILED', error: 'Warden.DeploymentRolledBack' },
    run: (hooks) => deploy(hooks, deployInput(), { existingConfigName: LIVE_CONFIG, outcomes: ['alarm-rollback'] }),
  },
  {
    name: 'deploy: rollback to the last good config',
    file: 'deploy.asl.json',
    outcome: SUCCEEDED,
    run: (hooks) =>
      deploy(
        hooks,
        {
          mode: 'rollback',
          modelVersion: 6,
          endpointConfigName: LAST_GOOD_CONFIG,
          correlationId: 'alarm-event-1',
          taskToken: 'remediation-token',
        },
        { existingConfigName: LIVE_CONFIG, pollsUntilSettled: 1 },
      ),
  },
  {
    name: 'remediation: roll back to the last good config',
    file: 'remediate.asl.json',
    outcome: SUCCEEDED,
    run: (hooks) =>
      remediation(hooks, {
        action: 'rollback',
        reason: 'drift on income',
        lastGood: { modelVersion: 6, endpointConfigName: LAST_GOOD_CONFIG },
      }),
  },
  {
    name: 'remediation: retrain',
    file: 'remediate.asl.json',
    outcome: SUCCEEDED,
    run: (hooks) => remediation(hooks, { action: 'retrain', reason: 'drift persists after rollback' }),
  },
  {
    name: 'remediation: suppressed by a brake',
    file: 'remediate.asl.json',
    outcome: SUCCEEDED,
    run: (hooks) => remediation(hooks, { action: 'suppressed', reason: 'cooldown: last remediation 4 minutes ago' }),
  },
];
