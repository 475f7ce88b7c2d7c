/** Template assertions on the synthesized reference layout: encryption, least privilege, logging, wiring. */
import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { creditRiskFamily } from '../../examples/credit-risk/family';
import * as iam from 'aws-cdk-lib/aws-iam';
import { WardenStateMachine, hasNvmeInstanceStorage, names, repositoryArn } from '../../lib';
import { taskStates } from '../../lib/state-machine-file';
import { PRIMARY, SECONDARY, synthesizeReferenceApp } from '../support/reference-app';

const reference = synthesizeReferenceApp();
const controlPlane = reference.stacks.controlPlaneStacks[0];
const servingStacks = reference.stacks.servingStacks;
const allStacks = reference.stacks.stacks;
const model = creditRiskFamily().modelName;

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

function policyStatements(stack: Stack): { policy: string; statement: Statement }[] {
  const policies = reference.template(stack).findResources('AWS::IAM::Policy');
  return Object.entries(policies).flatMap(([policy, resource]) =>
    (resource.Properties.PolicyDocument.Statement as Statement[]).map((statement) => ({ policy, statement })),
  );
}

const actionsOf = (statement: Statement) => ([] as string[]).concat(statement.Action);

describe('least privilege', () => {
  it('never grants a wildcard action', () => {
    for (const stack of allStacks) {
      for (const { policy, statement } of policyStatements(stack)) {
        for (const action of actionsOf(statement)) {
          expect({ policy, action, wildcard: action === '*' || action.endsWith(':*') }).toEqual({
            policy,
            action,
            wildcard: false,
          });
        }
      }
    }
  });

  it('never lets anything update or delete audit entries', () => {
    const auditTable = Object.keys(reference.template(controlPlane).findResources('AWS::DynamoDB::GlobalTable')).find(
      (id) => id.includes('Audit'),
    );
    expect(auditTable).toBeDefined();
    const forbidden =
      /^dynamodb:(UpdateItem|DeleteItem|BatchWriteItem|PartiQLUpdate|PartiQLDelete|DeleteTable|UpdateTable)$/;
    for (const stack of allStacks) {
      for (const { statement } of policyStatements(stack)) {
        const onAudit =
          JSON.stringify(statement.Resource).includes(auditTable as string) ||
          JSON.stringify(statement.Resource).includes(`${model}-audit`);
        if (!onAudit) continue;
        expect(actionsOf(statement).filter((action) => forbidden.test(action))).toEqual([]);
      }
    }
  });
});

describe('lineage and audit tables', () => {
  const template = reference.template(controlPlane);

  it('are global tables with PITR, deletion protection and the customer-managed key in every region', () => {
    const tables = template.findResources('AWS::DynamoDB::GlobalTable');
    expect(Object.keys(tables)).toHaveLength(2);
    for (const table of Object.values(tables)) {
      expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
      const replicas = table.Properties.Replicas as {
        Region: string;
        DeletionProtectionEnabled: boolean;
        PointInTimeRecoverySpecification: unknown;
        SSESpecification: { KMSMasterKeyId: unknown };
      }[];
      expect(replicas.map((replica) => replica.Region).sort()).toEqual([PRIMARY, SECONDARY].sort());
      for (const replica of replicas) {
        expect(replica.DeletionProtectionEnabled).toBe(true);
        expect(replica.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
        expect(replica.SSESpecification.KMSMasterKeyId).toBeDefined();
      }
    }
  });

  it('streams audit entries to the anchor function, which writes to an Object Lock bucket', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE' } } },
    });
  });
});

describe('state machines', () => {
  const machines = [controlPlane, ...servingStacks].flatMap((stack) =>
    Object.values(reference.template(stack).findResources('AWS::StepFunctions::StateMachine')),
  );

  it('log ALL events, trace with X-Ray and encrypt with the customer-managed key', () => {
    expect(machines.length).toBe(2 + servingStacks.length);
    for (const machine of machines) {
      expect(machine.Properties.LoggingConfiguration.Level).toBe('ALL');
      expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
      expect(machine.Properties.EncryptionConfiguration.Type).toBe('CUSTOMER_MANAGED_KMS_KEY');
    }
  });

  it('have every placeholder substituted', () => {
    for (const machine of machines) {
      const definition = JSON.stringify(machine.Properties.DefinitionString);
      expect(definition).not.toMatch(/\$\{[A-Za-z]+\}/);
    }
  });
});

describe('wiring', () => {
  it('starts remediation on ALARM of any alarm whose name carries the model prefix', () => {
    reference.template(controlPlane).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: { alarmName: [{ prefix: names.remediationAlarmPrefix(model) }], state: { value: ['ALARM'] } },
      },
    });
    for (const stack of servingStacks) {
      const alarms = {
        ...reference.template(stack).findResources('AWS::CloudWatch::Alarm'),
        ...reference.template(stack).findResources('AWS::CloudWatch::CompositeAlarm'),
      };
      for (const alarm of Object.values(alarms)) {
        expect(String(alarm.Properties.AlarmName)).toMatch(new RegExp(`^${names.remediationAlarmPrefix(model)}`));
      }
    }
  });

  it('forwards alarm state changes from the secondary region to the control plane bus', () => {
    const secondary = servingStacks.find((stack) => stack.region === SECONDARY) as Stack;
    reference.template(secondary).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ source: ['aws.cloudwatch'] }),
      Targets: Match.arrayWith([Match.objectLike({ Arn: Match.objectLike({ 'Fn::Join': Match.anyValue() }) })]),
    });
  });

  it('triggers training on uploads under incoming/<model>/ and on retrain requests', () => {
    const template = reference.template(controlPlane);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: Match.objectLike({ object: { key: [{ prefix: `incoming/${model}/` }] } }),
      },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['warden'], 'detail-type': ['Warden Retrain Requested'], detail: { modelName: [model] } },
    });
  });

  it('runs every function on Node.js 22 with tracing, bounded concurrency and a dead-letter queue', () => {
    for (const stack of allStacks) {
      const functions = reference.template(stack).findResources('AWS::Lambda::Function');
      for (const fn of Object.values(functions)) {
        if (!String(fn.Properties.Handler).startsWith('index.')) continue;
        expect(fn.Properties.Runtime).toBe('nodejs22.x');
        expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
        expect(fn.Properties.ReservedConcurrentExecutions).toBeGreaterThan(0);
        expect(fn.Properties.DeadLetterConfig).toBeDefined();
      }
    }
  });

  it('tags every stack for cost allocation', () => {
    for (const stack of allStacks) {
      expect(stack.tags.tagValues()['warden:project']).toBe('warden');
    }
  });
});

describe('helpers', () => {
  it('knows which instance types take no volume KMS key', () => {
    expect(hasNvmeInstanceStorage('ml.g5.xlarge')).toBe(true);
    expect(hasNvmeInstanceStorage('ml.g4dn.xlarge')).toBe(true);
    expect(hasNvmeInstanceStorage('ml.c5.2xlarge')).toBe(false);
    expect(hasNvmeInstanceStorage('ml.m5.xlarge')).toBe(false);
  });

  it('derives ECR repository ARNs from image URIs', () => {
    expect(repositoryArn('123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/model:3', 'aws')).toBe(
      'arn:aws:ecr:eu-west-1:123456789012:repository/team/model',
    );
    expect(repositoryArn('docker.io/library/python:3', 'aws')).toBeUndefined();
  });
});

describe('state machine roles', () => {
  it('allow every action a Task state calls, and invoke exactly the functions the definition names', () => {
    const machines = allStacks.flatMap((stack) =>
      stack.node.findAll().filter((node): node is WardenStateMachine => node instanceof WardenStateMachine),
    );
    expect(machines).toHaveLength(2 + servingStacks.length);
    for (const machine of machines) {
      const stack = Stack.of(machine);
      const statements = (
        stack.resolve((machine.role.node.findChild('DefaultPolicy') as iam.Policy).document.toJSON()) as {
          Statement: Statement[];
        }
      ).Statement;
      const allowed = (action: string) => statements.filter((statement) => actionsOf(statement).includes(action));
      for (const task of taskStates(machine.definition)) {
        const integration = /^arn:aws:states:::(aws-sdk:)?([a-z0-9-]+):([A-Za-z0-9]+)/.exec(
          task.resource,
        ) as RegExpExecArray;
        expect(integration).not.toBeNull();
        const [, , service, action] = integration;
        if (service === 'lambda') {
          const target = JSON.stringify(stack.resolve(task.parameters?.FunctionName));
          const granted = allowed('lambda:InvokeFunction').some((statement) =>
            JSON.stringify(statement.Resource).includes(target),
          );
          expect({ task: task.path, granted }).toEqual({ task: task.path, granted: true });
        } else {
          const iamAction = `${service}:${action.charAt(0).toUpperCase()}${action.slice(1)}`;
          expect({ task: task.path, iamAction, granted: allowed(iamAction).length > 0 }).toEqual({
            task: task.path,
            iamAction,
            granted: true,
          });
        }
      }
    }
  });
});
