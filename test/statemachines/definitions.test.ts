/** Structural checks of the three ASL files: valid, fully substituted, JSONPath only, and no failure unrecorded. */
import aslValidator from 'asl-validator';
import {
  STATE_MACHINE_FILES,
  loadStateMachineDefinition,
  placeholders,
  readStateMachineFile,
  taskStates,
  type AslState,
  type StateMachineDefinition,
} from '../../lib/state-machine-file';
import { allStates, catchers, fieldNames, stringFields, successors, type ScopedState } from './support/asl-graph';
import { CONTRACT_ERRORS } from './support/contract-errors';
import { deploySubstitutions, remediateSubstitutions, trainingSubstitutions } from './support/substitutions';

/** The placeholders each file uses: the contract with lib/ (see the report in docs and the constructs). */
const EXPECTED_PLACEHOLDERS: Record<(typeof STATE_MACHINE_FILES)[number], string[]> = {
  'training.asl.json': [
    'AppendAuditFunctionArn',
    'ApprovalMode',
    'ArtifactsBucket',
    'CheckBiasFunctionArn',
    'DeployRegions',
    'DistributedThresholdBytes',
    'EvaluateModelFunctionArn',
    'EventBusName',
    'InferenceImage',
    'KmsKeyArn',
    'ModelName',
    'ModelPackageGroupName',
    'RecordLineageFunctionArn',
    'Region',
    'SageMakerRoleArn',
    'StartRegionalDeploymentFunctionArn',
    'TrainingHyperParameters',
    'TrainingImage',
    'TrainingInstanceTypes',
    'TrainingMaxRuntimeSeconds',
    'TrainingMaxWaitSeconds',
    'TrainingResources',
    'TransformResources',
    'ValidateDataFunctionArn',
  ],
  'deploy.asl.json': [
    'AppendAuditFunctionArn',
    'BakeSeconds',
    'CanaryPercent',
    'CaptureS3Uri',
    'EndpointName',
    'EventBusName',
    'InferenceImage',
    'KmsKeyArn',
    'ModelName',
    'RecordLineageFunctionArn',
    'Region',
    'ReportDeploymentFunctionArn',
    'RollbackAlarms',
    'SageMakerRoleArn',
    'ServingInstanceCount',
    'ServingInstanceTypes',
    'ServingStorageEncryptable',
    'VariantName',
  ],
  'remediate.asl.json': [
    'AppendAuditFunctionArn',
    'DecideRemediationFunctionArn',
    'EventBusName',
    'ModelName',
    'StartRegionalDeploymentFunctionArn',
  ],
};

const SUBSTITUTIONS: Record<(typeof STATE_MACHINE_FILES)[number], Record<string, unknown>> = {
  'training.asl.json': trainingSubstitutions(),
  'deploy.asl.json': deploySubstitutions(),
  'remediate.asl.json': remediateSubstitutions(),
};

const RECORDING_FUNCTIONS = ['${RecordLineageFunctionArn}', '${AppendAuditFunctionArn}'];

function isRecording(state: AslState): boolean {
  const parameters = state.Parameters as { FunctionName?: unknown } | undefined;
  return state.Type === 'Task' && RECORDING_FUNCTIONS.includes(String(parameters?.FunctionName));
}

function isSuccessfulEnd(state: AslState): boolean {
  return state.Type === 'Succeed' || (state.Type !== 'Fail' && state.End === true);
}

/** States of one scope from which an execution can still end successfully. */
function statesThatCanSucceed(scope: StateMachineDefinition): Set<string> {
  const canSucceed = new Set(
    Object.entries(scope.States)
      .filter(([, state]) => isSuccessfulEnd(state))
      .map(([name]) => name),
  );
  let grew = true;
  while (grew) {
    grew = false;
    for (const [name, state] of Object.entries(scope.States)) {
      if (!canSucceed.has(name) && successors(state).some((next) => canSucceed.has(next))) {
        canSucceed.add(name);
        grew = true;
      }
    }
  }
  return canSucceed;
}

/**
 * Every way into a failure path (a Catch or Choice that leaves the states that can still succeed) must pass a
 * record-lineage or append-audit step before it reaches a Fail state. Fail states inside a Parallel branch or Map
 * iteration are fine when the enclosing state catches States.ALL: the failure surfaces there.
 */
function unrecordedFailures(definition: StateMachineDefinition): string[] {
  const problems: string[] = [];
  const scopes = new Set(allStates(definition).map((scoped) => scoped.scope));
  const enclosingOf = new Map(allStates(definition).map((scoped) => [scoped.scope, scoped.enclosing]));
  for (const scope of scopes) {
    const canSucceed = statesThatCanSucceed(scope);
    const enclosing = enclosingOf.get(scope);
    const nestedFailIsCaught =
      enclosing !== undefined && catchers(enclosing.state).some((rule) => rule.ErrorEquals.includes('States.ALL'));
    for (const [name, state] of Object.entries(scope.States)) {
      if (!canSucceed.has(name)) continue;
      for (const entry of successors(state).filter((next) => !canSucceed.has(next))) {
        const seen = new Set<string>();
        const walk = (current: string, recorded: boolean, path: string[]): void => {
          const key = `${current}:${recorded}`;
          if (seen.has(key)) return;
          seen.add(key);
          const currentState = scope.States[current];
          const nowRecorded = recorded || isRecording(currentState);
          if (currentState.Type === 'Fail' && !nowRecorded && !nestedFailIsCaught) {
            problems.push(`${[name, ...path, current].join(' → ')} fails without recording`);
          }
          for (const next of successors(currentState)) walk(next, nowRecorded, [...path, current]);
        };
        walk(entry, false, []);
      }
    }
  }
  return problems;
}

describe.each(STATE_MACHINE_FILES)('%s', (fileName) => {
  const text = readStateMachineFile(fileName);
  const definition = loadStateMachineDefinition(fileName, SUBSTITUTIONS[fileName]);
  const raw = JSON.parse(text) as StateMachineDefinition;
  const states = allStates(raw);

  it('is valid JSON before substitution and uses exactly the documented placeholders', () => {
    expect(placeholders(text)).toEqual(EXPECTED_PLACEHOLDERS[fileName]);
  });

  it('leaves no placeholder after substitution and validates with asl-validator', () => {
    expect(placeholders(JSON.stringify(definition))).toEqual([]);
    const { isValid, errorsText } = aslValidator(JSON.parse(JSON.stringify(definition)) as object, {
      checkArn: true,
      checkPaths: true,
    });
    expect(errorsText('\n')).toBe('');
    expect(isValid).toBe(true);
  });

  it('is written in JSONPath only (no JSONata, Arguments, Output or Assign)', () => {
    const fields = fieldNames(raw);
    expect(fields).not.toContain('QueryLanguage');
    expect(fields).not.toContain('Arguments');
    expect(fields).not.toContain('Output');
    expect(fields).not.toContain('Assign');
    expect(stringFields(raw).filter(({ value }) => value.trim().startsWith('{%'))).toEqual([]);
  });

  it('names states after what happens, once each', () => {
    const names = states.map((scoped) => scoped.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^(?:[A-Z][a-z]+)+$/);
  });

  it('gives every Task a Retry with backoff and jitter and a Catch that ends with States.ALL', () => {
    const tasks = taskStates(raw);
    expect(tasks.length).toBeGreaterThan(0);
    for (const task of tasks) {
      expect({ task: task.path, hasRetry: task.hasRetry, hasCatch: task.hasCatch }).toEqual({
        task: task.path,
        hasRetry: true,
        hasCatch: true,
      });
    }
    for (const { name, state } of states.filter((scoped) => scoped.state.Type === 'Task')) {
      for (const retrier of state.Retry as Array<Record<string, unknown>>) {
        expect({ name, retrier }).toEqual({
          name,
          retrier: expect.objectContaining({ BackoffRate: 2, JitterStrategy: 'FULL' }),
        });
        expect(retrier.ErrorEquals).not.toContain('States.ALL');
      }
      const rules = catchers(state);
      expect({ name, last: rules[rules.length - 1].ErrorEquals }).toEqual({ name, last: ['States.ALL'] });
    }
  });

  it('records lineage or audit on every way into a failure before it fails', () => {
    expect(unrecordedFailures(raw)).toEqual([]);
  });

  it('fails only with Warden error names and a cause', () => {
    const fails = states.filter((scoped): scoped is ScopedState => scoped.state.Type === 'Fail');
    expect(fails.length).toBeGreaterThan(0);
    for (const { name, state } of fails) {
      expect({ name, known: CONTRACT_ERRORS.includes(String(state.Error)) }).toEqual({ name, known: true });
      expect({ name, cause: state.Cause !== undefined || state.CausePath !== undefined }).toEqual({
        name,
        cause: true,
      });
    }
  });
});

describe('the failure-path check', () => {
  const task = (functionName: string, rest: Record<string, unknown>) => ({
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: functionName },
    ...rest,
  });
  const definition = (states: Record<string, unknown>) =>
    ({ StartAt: 'Work', States: states }) as StateMachineDefinition;

  it('flags a Catch that fails without recording', () => {
    const unrecorded = definition({
      Work: task('${WorkFunctionArn}', { Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Failed' }], End: true }),
      Failed: { Type: 'Fail', Error: 'Warden.EvaluationFailed', Cause: 'x' },
    });
    expect(unrecordedFailures(unrecorded)).toEqual(['Work → Failed fails without recording']);
  });

  it('accepts a Catch that records first, and a failing branch that its Parallel catches', () => {
    const recorded = definition({
      Work: {
        Type: 'Parallel',
        Branches: [
          {
            StartAt: 'Inner',
            States: {
              Inner: task('${WorkFunctionArn}', {
                Catch: [{ ErrorEquals: ['States.ALL'], Next: 'InnerFailed' }],
                End: true,
              }),
              InnerFailed: { Type: 'Fail', Error: 'Warden.EvaluationFailed', Cause: 'x' },
            },
          },
        ],
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Record' }],
        End: true,
      },
      Record: task('${AppendAuditFunctionArn}', { Next: 'Failed' }),
      Failed: { Type: 'Fail', Error: 'Warden.EvaluationFailed', Cause: 'x' },
    });
    expect(unrecordedFailures(recorded)).toEqual([]);
  });
});

describe('design invariants', () => {
  const training = JSON.parse(readStateMachineFile('training.asl.json')) as StateMachineDefinition;
  const deploy = JSON.parse(readStateMachineFile('deploy.asl.json')) as StateMachineDefinition;
  const state = (definition: StateMachineDefinition, name: string) =>
    allStates(definition).find((scoped) => scoped.name === name)?.state as AslState & Record<string, never>;

  it('trains on managed spot with checkpoints, KMS output, network isolation and encrypted inter-container traffic', () => {
    const parameters = state(training, 'Train').Parameters as Record<string, Record<string, unknown>>;
    expect(state(training, 'Train').Resource).toBe('arn:aws:states:::sagemaker:createTrainingJob.sync');
    expect(parameters.EnableManagedSpotTraining).toBe(true);
    expect(parameters.StoppingCondition).toEqual({
      MaxRuntimeInSeconds: '${TrainingMaxRuntimeSeconds}',
      MaxWaitTimeInSeconds: '${TrainingMaxWaitSeconds}',
    });
    expect(parameters.CheckpointConfig['S3Uri.$']).toContain('s3://${ArtifactsBucket}/checkpoints/');
    expect(parameters.OutputDataConfig.KmsKeyId).toBe('${KmsKeyArn}');
    expect(parameters.EnableNetworkIsolation).toBe(true);
    expect(parameters.EnableInterContainerTrafficEncryption).toBe(true);
  });

  it('validates large datasets with a Distributed Map over the plan written to S3', () => {
    const map = state(training, 'ValidateParts');
    expect(map.ItemReader).toMatchObject({
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSON' },
    });
    expect((map.ItemProcessor as Record<string, unknown>).ProcessorConfig).toEqual({
      Mode: 'DISTRIBUTED',
      ExecutionType: 'STANDARD',
    });
  });

  it('rolls out one region at a time', () => {
    expect(state(training, 'RolloutRegions').MaxConcurrency).toBe(1);
  });

  it('polls the endpoint within a budget that matches its backoff ladder', () => {
    const ladder = (state(deploy, 'InitializeDeployment').Parameters as { config: { pollWaitSeconds: number[] } })
      .config.pollWaitSeconds;
    const budgets = ['CheckEndpointStatus', 'CheckRollbackStatus'].map(
      (name) =>
        (state(deploy, name).Choices as Array<{ Variable?: string; NumericGreaterThanEquals?: number }>).find(
          (rule) => rule.Variable === '$.poll.attempt',
        )?.NumericGreaterThanEquals,
    );
    expect(budgets).toEqual([ladder.length - 1, ladder.length - 1]);
    // The first entry is the first wait after CreateEndpoint or a rollback; the backoff starts after it.
    for (let index = 2; index < ladder.length; index++) expect(ladder[index]).toBeGreaterThanOrEqual(ladder[index - 1]);
    const totalSeconds = ladder.reduce((sum, seconds) => sum + seconds, 0);
    const update = state(deploy, 'UpdateEndpointWithCanary').Parameters as {
      DeploymentConfig: { BlueGreenUpdatePolicy: { MaximumExecutionTimeoutInSeconds: number } };
    };
    expect(totalSeconds).toBeGreaterThan(
      update.DeploymentConfig.BlueGreenUpdatePolicy.MaximumExecutionTimeoutInSeconds,
    );
  });

  it('keeps the production variant name stable in every endpoint config', () => {
    for (const name of ['CreateEndpointConfig', 'CreateEndpointConfigOnInstanceStorage']) {
      const parameters = state(deploy, name).Parameters as { ProductionVariants: Array<{ VariantName: string }> };
      expect(parameters.ProductionVariants.map((variant) => variant.VariantName)).toEqual(['${VariantName}']);
    }
  });
});
