import { App, Fn, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import {
  STATE_MACHINE_FILES,
  definitionBodyFor,
  distributedMaps,
  loadStateMachineDefinition,
  placeholders,
  substitutePlaceholders,
  taskResources,
  taskStates,
} from '../../lib/state-machine-file';
import { trainingSubstitutions } from './support/substitutions';

const TEMPLATE = JSON.stringify({
  StartAt: 'Work',
  States: {
    Work: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: {
        FunctionName: '${WorkFunctionArn}',
        Payload: { regions: '${Regions}', limit: '${Limit}', 'name.$': "States.Format('${Prefix}-{}', $.id)" },
      },
      End: true,
    },
  },
});

describe('placeholders', () => {
  it('lists each placeholder once, sorted, and ignores CDK token strings', () => {
    expect(placeholders(TEMPLATE)).toEqual(['Limit', 'Prefix', 'Regions', 'WorkFunctionArn']);
    expect(placeholders('${Token[TOKEN.123]} ${A} ${A}')).toEqual(['A']);
  });
});

describe('substitutePlaceholders', () => {
  it('replaces a whole-string placeholder by its JSON value and an inner one by its text', () => {
    const definition = substitutePlaceholders(TEMPLATE, {
      WorkFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:work',
      Regions: ['us-east-1', 'eu-west-1'],
      Limit: 3,
      Prefix: 'credit',
    });
    expect(definition.States.Work.Parameters).toEqual({
      FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:work',
      Payload: { regions: ['us-east-1', 'eu-west-1'], limit: 3, 'name.$': "States.Format('credit-{}', $.id)" },
    });
  });

  it('reports every missing, unused and mistyped substitution in one error', () => {
    expect(() => substitutePlaceholders(TEMPLATE, { Regions: [], Limit: 3, Prefix: 42, Extra: 'x', Spare: 1 })).toThrow(
      'Cannot substitute the state machine definition: no value for placeholder(s): WorkFunctionArn; ' +
        'substitution(s) not used by the definition: Extra, Spare; ' +
        'Prefix is used inside a longer string, so its value must be a string.',
    );
  });

  it('treats an undefined value as missing and refuses non-finite numbers', () => {
    expect(() =>
      substitutePlaceholders(TEMPLATE, { WorkFunctionArn: undefined, Regions: [], Limit: Number.NaN, Prefix: 'p' }),
    ).toThrow(/no value for placeholder\(s\): WorkFunctionArn; Limit must be a finite number, got NaN/);
  });

  it('refuses placeholders in field names', () => {
    expect(() => substitutePlaceholders('{"${Key}": 1}', { Key: 'a' })).toThrow(/not allowed in field names/);
  });
});

describe('loadStateMachineDefinition', () => {
  it('names the file in its errors and knows only the shipped files', () => {
    expect(() => loadStateMachineDefinition('training.asl.json', {})).toThrow(/^training\.asl\.json: .*no value for/);
    expect(() => loadStateMachineDefinition('../package.json', {})).toThrow(/Unknown state machine file/);
    expect(STATE_MACHINE_FILES).toEqual(['training.asl.json', 'deploy.asl.json', 'remediate.asl.json']);
  });
});

describe('taskStates and taskResources', () => {
  const training = loadStateMachineDefinition('training.asl.json', trainingSubstitutions());

  it('finds Tasks in Parallel branches and Map item processors, with their Parameters', () => {
    const tasks = taskStates(training);
    const byName = new Map(tasks.map((task) => [task.name, task]));
    expect(byName.get('EvaluateModel')?.path).toBe('/States/EvaluateCandidate/Branches/0/States/EvaluateModel');
    expect(byName.get('ValidatePart')?.path).toBe('/States/ValidateParts/ItemProcessor/States/ValidatePart');
    expect(byName.get('DeployToRegion')).toMatchObject({
      path: '/States/RolloutRegions/ItemProcessor/States/DeployToRegion',
      resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      parameters: expect.objectContaining({ FunctionName: trainingSubstitutions().StartRegionalDeploymentFunctionArn }),
      hasRetry: true,
      hasCatch: true,
    });
  });

  it('lists each Task resource once', () => {
    expect(taskResources(training).sort()).toEqual([
      'arn:aws:states:::aws-sdk:sagemaker:createModelPackage',
      'arn:aws:states:::aws-sdk:sagemaker:updateModelPackage',
      'arn:aws:states:::events:putEvents',
      'arn:aws:states:::events:putEvents.waitForTaskToken',
      'arn:aws:states:::lambda:invoke',
      'arn:aws:states:::lambda:invoke.waitForTaskToken',
      'arn:aws:states:::sagemaker:createModel',
      'arn:aws:states:::sagemaker:createTrainingJob.sync',
      'arn:aws:states:::sagemaker:createTransformJob.sync',
    ]);
  });

  it('describes the Distributed Map, whose S3 reads, writes and child executions need grants too', () => {
    expect(distributedMaps(training)).toEqual([
      {
        path: '/States/ValidateParts',
        name: 'ValidateParts',
        itemReader: {
          resource: 'arn:aws:states:::s3:getObject',
          parameters: { 'Bucket.$': '$.validationPlan.manifestBucket', 'Key.$': '$.validationPlan.manifestKey' },
        },
        resultWriter: {
          resource: 'arn:aws:states:::s3:putObject',
          parameters: {
            Bucket: 'warden-credit-artifacts',
            'Prefix.$': "States.Format('validation/{}/map-results', $.input.correlationId)",
          },
        },
      },
    ]);
  });
});

describe('definitionBodyFor', () => {
  it('serializes at synth time so that tokens among the substitutions resolve inside valid JSON', () => {
    const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'us-east-1' } });
    const functionArn = Fn.importValue('ValidateDataFunctionArn');
    new sfn.StateMachine(stack, 'Training', {
      definitionBody: definitionBodyFor('training.asl.json', {
        ...trainingSubstitutions(),
        ValidateDataFunctionArn: functionArn,
        ModelName: Fn.importValue('ModelName'),
      }),
    });
    const [resource] = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'));
    const join = (resource.Properties as { DefinitionString: { 'Fn::Join': [string, unknown[]] } }).DefinitionString;
    const parts = join['Fn::Join'][1];
    const imports = parts.filter((part) => typeof part !== 'string');
    expect(imports).toContainEqual({ 'Fn::ImportValue': 'ValidateDataFunctionArn' });
    expect(imports).toContainEqual({ 'Fn::ImportValue': 'ModelName' });
    const text = parts.map((part) => (typeof part === 'string' ? part : 'imported')).join('');
    const definition = JSON.parse(text) as { States: Record<string, { Parameters?: { FunctionName?: string } }> };
    expect(definition.States.ValidateData.Parameters?.FunctionName).toBe('imported');
    expect(placeholders(text)).toEqual([]);
  });
});
