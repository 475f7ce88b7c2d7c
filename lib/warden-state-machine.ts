import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { distributedMaps, loadStateMachineDefinition, taskStates } from './state-machine-file';
import { acknowledge, acknowledgeWildcardResource } from './nag/acknowledge';
import { type TaskGrantContext, taskPolicyStatements } from './task-grants';

/** Which ASL file a {@link WardenStateMachine} runs, with what values, and what its Task states may touch. */
export interface WardenStateMachineProps {
  /** File in `statemachines/`, e.g. `training.asl.json`. */
  readonly definitionFile: string;
  /** Values of the file's `${Placeholders}`; every placeholder needs one and every value must be used. */
  readonly substitutions: Record<string, unknown>;
  /** What the Task states may touch; the role gets exactly the statements the Task resources need. */
  readonly grants: TaskGrantContext;
  /** Physical name, so other regions can address it. */
  readonly stateMachineName: string;
  /** Key for the execution history, the logs and the state machine's data. */
  readonly encryptionKey: kms.IKey;
}

/**
 * A state machine from one of Warden's ASL files: placeholders substituted, a role derived from the Task resources,
 * logging of ALL events to a KMS-encrypted log group, X-Ray tracing, and encryption with the customer-managed key.
 */
export class WardenStateMachine extends Construct {
  /** The state machine, named `stateMachineName`. */
  readonly stateMachine: sfn.StateMachine;
  /** Its execution role: exactly what its Task states call, plus what logging, tracing and Distributed Maps need. */
  readonly role: iam.Role;
  /** The substituted definition (what runs, locally and in AWS). */
  readonly definition: Record<string, unknown>;

  constructor(scope: Construct, id: string, props: WardenStateMachineProps) {
    super(scope, id);
    this.definition = loadStateMachineDefinition(props.definitionFile, props.substitutions);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: `Warden ${props.stateMachineName}: exactly what its Task states call`,
    });
    const maps = distributedMaps(this.definition);
    const tasks = [
      ...taskStates(this.definition),
      ...maps.flatMap((map) => [map.itemReader, map.resultWriter].filter((io) => io !== undefined)),
    ];
    for (const statement of taskPolicyStatements(this, tasks, props.grants)) {
      this.role.addToPolicy(statement);
      for (const resource of statement.resources.filter((arn) => arn.includes('*'))) {
        acknowledgeWildcardResource(
          this.role,
          resource,
          "Names of jobs, models, endpoint configs and child executions carry a version and run id chosen at run time; the pattern is limited to this model family's prefix.",
        );
      }
    }
    acknowledge(
      this.role,
      ['AwsSolutions-IAM5[Resource::*]'],
      'X-Ray tracing of the state machine: trace segments cannot be scoped to a resource by IAM.',
    );
    const logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: props.encryptionKey,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    if (maps.length > 0) {
      // A Distributed Map starts child executions of its own state machine.
      const self = Stack.of(this).formatArn({
        service: 'states',
        resource: 'stateMachine',
        resourceName: props.stateMachineName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
      const children = Stack.of(this).formatArn({
        service: 'states',
        resource: 'execution',
        resourceName: `${props.stateMachineName}/*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
      this.role.addToPolicy(new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [self] }));
      this.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['states:DescribeExecution', 'states:StopExecution'],
          resources: [children],
        }),
      );
      acknowledgeWildcardResource(
        this.role,
        children,
        'Child executions of the Distributed Map get run-time names under this state machine.',
      );
    }
    this.stateMachine = new sfn.StateMachine(this, 'Resource', {
      stateMachineName: props.stateMachineName,
      definitionBody: new SubstitutedDefinition(this.definition),
      role: this.role,
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(props.encryptionKey),
    });
  }
}

/** The substituted definition, serialized by the stack so CDK tokens among the values resolve and stay valid JSON. */
class SubstitutedDefinition extends sfn.DefinitionBody {
  constructor(private readonly definition: Record<string, unknown>) {
    super();
  }

  bind(scope: Construct): sfn.DefinitionConfig {
    return { definitionString: Stack.of(scope).toJsonString(this.definition) };
  }
}
