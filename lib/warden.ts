import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { BiasGate, DataQualityGate } from './gates';
import { grantKeyUse, grantObjectRead, grantPutEvents } from './grants';
import { LineageStore } from './lineage-store';
import { acknowledge } from './nag/acknowledge';
import { defaultBusArn, keyAliasArn, names, stateMachineArn } from './naming';
import { SageMakerExecutionRole } from './sagemaker-role';
import {
  type BiasGateSettings,
  type DataContractDefinition,
  DEFAULTS,
  type DeploymentSettings,
  type RemediationSettings,
  type TrainingSettings,
} from './settings';
import { WardenFunction, type WardenFunctionOptions, type WardenFunctionProps } from './warden-function';
import { WardenStateMachine } from './warden-state-machine';
import { trainingResourceConfig, transformResources } from './compute-resources';

/** Datasets larger than this are validated by a Distributed Map over byte ranges. */
export const DEFAULT_DISTRIBUTED_THRESHOLD_BYTES = 256 * 1024 * 1024;

/** One model family's control plane: its contract, gates and settings, and the region's buckets and key. */
export interface WardenProps {
  /** Model family name: lowercase letters, digits and dashes; part of every physical name. */
  readonly modelName: string;
  /** Regions serving the model, in rollout (wave) order. */
  readonly servingRegions: string[];
  /** The data contract of training datasets. */
  readonly contract: DataContractDefinition;
  /** Pre- and post-training bias gate. */
  readonly bias: BiasGateSettings;
  /** How the model is trained on SageMaker. */
  readonly training: TrainingSettings;
  /** How new versions reach traffic; the control plane checks it and registers versions per `autoApprove`. */
  readonly deployment: DeploymentSettings;
  /** Inference image URI (ECR) of the model versions this family registers and deploys. */
  readonly inferenceImage: string;
  /** Brakes on self-healing. @default one-hour cooldown, three per day, acting */
  readonly remediation?: RemediationSettings;
  /** Bucket datasets arrive in, under `incoming/<model>/`; must publish events to EventBridge. */
  readonly dataBucket: s3.IBucket;
  /** This region's artifacts bucket. */
  readonly artifactsBucket: s3.IBucket;
  /** This region's Warden key. */
  readonly encryptionKey: kms.IKey;
  /** Receives the access logs of the audit digest bucket. */
  readonly accessLogsBucket: s3.IBucket;
  /**
   * Datasets above this size (as S3 reports it when the run starts) are validated and checked for pre-training bias by
   * one Distributed Map over byte ranges of the object, then merged. @default 256 MiB
   */
  readonly distributedThresholdBytes?: number;
  /** Settings shared by Warden functions (VPC, log retention). @default none */
  readonly functionDefaults?: WardenFunctionOptions;
}

/**
 * The control plane of one model family, in the primary region: lineage and audit, the data-quality and bias gates,
 * the training state machine and its triggers (S3 `Object Created` under `incoming/<model>/`, `Warden Retrain
 * Requested`), and remediation started by alarm state changes from every serving region.
 */
export class Warden extends Construct {
  /** Lineage and audit of the family. */
  readonly lineage: LineageStore;
  /** Validates every dataset against the contract. */
  readonly dataQualityGate: DataQualityGate;
  /** Checks bias before and after training. */
  readonly biasGate: BiasGate;
  /** Validation, bias gates, training, evaluation, registration and the wave-by-wave rollout of one dataset. */
  readonly trainingStateMachine: sfn.StateMachine;
  /** Rollback or retrain after an alarm, within the remediation brakes. */
  readonly remediationStateMachine: sfn.StateMachine;
  /** The role SageMaker training and transform jobs run as. */
  readonly sageMakerRole: iam.IRole;

  constructor(scope: Construct, id: string, props: WardenProps) {
    super(scope, id);
    validateProps(props);
    const stack = Stack.of(this);
    acknowledge(
      this,
      ['HIPAA.Security-IAMNoInlinePolicy', 'NIST.800.53.R5-IAMNoInlinePolicy', 'PCI.DSS.321-IAMNoInlinePolicy'],
      'Each role gets its own policy generated from the exact resources it touches; a shared managed policy would widen, not narrow, what a role may do.',
    );

    const model = props.modelName;
    const shared = { modelName: model, encryptionKey: props.encryptionKey, functionDefaults: props.functionDefaults };
    const replicaKeyArns = Object.fromEntries(
      props.servingRegions
        .filter((region) => region !== stack.region)
        .map((region) => [region, keyAliasArn(this, region)]),
    );

    this.lineage = new LineageStore(this, 'Lineage', {
      modelName: model,
      encryptionKey: props.encryptionKey,
      replicaKeyArns,
      accessLogsBucket: props.accessLogsBucket,
      functionDefaults: props.functionDefaults,
    });
    const gateProps = { ...shared, dataBucket: props.dataBucket, artifactsBucket: props.artifactsBucket };
    this.dataQualityGate = new DataQualityGate(this, 'DataQuality', {
      ...gateProps,
      contract: props.contract,
      labelColumn: props.bias.label,
    });
    this.biasGate = new BiasGate(this, 'Bias', { ...gateProps, settings: props.bias });

    const ledgerEnvironment = {
      WARDEN_MODEL_NAME: model,
      WARDEN_LINEAGE_TABLE: this.lineage.lineageTable.tableName,
      WARDEN_AUDIT_TABLE: this.lineage.auditTable.tableName,
      WARDEN_LEDGER_REGION: stack.region,
      WARDEN_ARTIFACTS_BUCKET: props.artifactsBucket.bucketName,
      WARDEN_EVENT_BUS: 'default',
    };
    const evaluate = this.ledgerFunction('EvaluateModel', 'evaluate-model', shared, ledgerEnvironment, {
      WARDEN_EVALUATION: JSON.stringify({ label: props.bias.label, prediction: props.bias.prediction ?? 'prediction' }),
    });
    grantObjectRead(props.artifactsBucket, evaluate.function);
    const recordLineage = this.ledgerFunction('RecordLineage', 'record-lineage', shared, ledgerEnvironment);
    const appendAudit = this.ledgerFunction('AppendAudit', 'append-audit', shared, ledgerEnvironment);
    const deployStateMachines = Object.fromEntries(
      props.servingRegions.map((region) => [region, stateMachineArn(this, region, names.deployStateMachine(model))]),
    );
    const startDeployment = this.ledgerFunction(
      'StartRegionalDeployment',
      'start-regional-deployment',
      shared,
      ledgerEnvironment,
      {
        WARDEN_DEPLOY_STATE_MACHINE_ARNS: JSON.stringify(deployStateMachines),
      },
    );
    startDeployment.function.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: Object.values(deployStateMachines) }),
    );
    const servingEndpoints = props.servingRegions.map((region) =>
      stack.formatArn({ service: 'sagemaker', region, resource: 'endpoint', resourceName: names.endpoint(model) }),
    );
    // The request names the config the endpoint serves, which a deployment that cannot be confirmed returns to.
    startDeployment.function.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['sagemaker:DescribeEndpoint'], resources: servingEndpoints }),
    );
    const brakes = props.remediation ?? {};
    const decide = this.ledgerFunction('DecideRemediation', 'decide-remediation', shared, ledgerEnvironment, {
      WARDEN_BRAKES: JSON.stringify({
        cooldownMinutes: (brakes.cooldown ?? DEFAULTS.cooldown).toMinutes(),
        dailyCap: brakes.dailyCap ?? DEFAULTS.dailyCap,
        suggestOnly: brakes.suggestOnly ?? false,
        lockSeconds: 900,
      }),
    });

    // Rollback compares the endpoint's current config with the last known good one.
    decide.function.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['sagemaker:DescribeEndpoint'], resources: servingEndpoints }),
    );
    const sageMakerRole = new SageMakerExecutionRole(this, 'SageMakerRole', {
      modelName: model,
      readBuckets: [{ bucket: props.dataBucket, prefix: `incoming/${model}/*` }, { bucket: props.artifactsBucket }],
      writeBucket: props.artifactsBucket,
      encryptionKey: props.encryptionKey,
      images: [props.training.image, props.inferenceImage],
    });
    this.sageMakerRole = sageMakerRole.role;
    const packageGroup = new sagemaker.CfnModelPackageGroup(this, 'ModelPackageGroup', {
      modelPackageGroupName: names.modelPackageGroup(model),
      modelPackageGroupDescription: `Warden model versions of ${model}`,
    });

    const maxRuntime = props.training.maxRuntime ?? DEFAULTS.trainingMaxRuntime;
    const training = new WardenStateMachine(this, 'Training', {
      definitionFile: 'training.asl.json',
      stateMachineName: names.trainingStateMachine(model),
      encryptionKey: props.encryptionKey,
      substitutions: {
        ValidateDataFunctionArn: this.dataQualityGate.function.functionArn,
        CheckBiasFunctionArn: this.biasGate.function.functionArn,
        EvaluateModelFunctionArn: evaluate.function.functionArn,
        RecordLineageFunctionArn: recordLineage.function.functionArn,
        AppendAuditFunctionArn: appendAudit.function.functionArn,
        StartRegionalDeploymentFunctionArn: startDeployment.function.functionArn,
        SageMakerRoleArn: sageMakerRole.role.roleArn,
        ArtifactsBucket: props.artifactsBucket.bucketName,
        KmsKeyArn: props.encryptionKey.keyArn,
        TrainingImage: props.training.image,
        InferenceImage: props.inferenceImage,
        Region: stack.region,
        TrainingInstanceTypes: props.training.instanceTypes,
        TrainingResources: props.training.instanceTypes.map((type) =>
          trainingResourceConfig(type, props.encryptionKey.keyArn),
        ),
        TrainingHyperParameters: props.training.hyperParameters ?? {},
        TrainingMaxRuntimeSeconds: maxRuntime.toSeconds(),
        TrainingMaxWaitSeconds: (props.training.maxWait ?? Duration.seconds(2 * maxRuntime.toSeconds())).toSeconds(),
        TransformResources: transformResources(
          props.training.transformInstanceType ?? DEFAULTS.transformInstanceType,
          props.encryptionKey.keyArn,
        ),
        ModelName: model,
        ModelPackageGroupName: packageGroup.modelPackageGroupName,
        ApprovalMode: props.deployment.autoApprove === false ? 'Manual' : 'Auto',
        DeployRegions: props.servingRegions,
        EventBusName: 'default',
        DistributedThresholdBytes: props.distributedThresholdBytes ?? DEFAULT_DISTRIBUTED_THRESHOLD_BYTES,
      },
      grants: {
        sageMakerNamePrefix: names.prefix(model),
        sageMakerRole: sageMakerRole.role,
        eventBusArn: defaultBusArn(this, stack.region),
        artifactsBucketArn: props.artifactsBucket.bucketArn,
      },
    });
    grantKeyUse(props.encryptionKey, training.role);
    this.trainingStateMachine = training.stateMachine;

    const remediation = new WardenStateMachine(this, 'Remediation', {
      definitionFile: 'remediate.asl.json',
      stateMachineName: names.remediationStateMachine(model),
      encryptionKey: props.encryptionKey,
      substitutions: {
        DecideRemediationFunctionArn: decide.function.functionArn,
        AppendAuditFunctionArn: appendAudit.function.functionArn,
        StartRegionalDeploymentFunctionArn: startDeployment.function.functionArn,
        EventBusName: 'default',
        ModelName: model,
      },
      grants: {
        sageMakerNamePrefix: names.prefix(model),
        eventBusArn: defaultBusArn(this, stack.region),
      },
    });
    this.remediationStateMachine = remediation.stateMachine;

    this.addTriggers(props, shared);
    new events.Rule(this, 'RemediateOnAlarm', {
      description: `Warden ${model}: serving or drift alarm → remediation`,
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        detail: {
          alarmName: events.Match.prefix(names.remediationAlarmPrefix(model)),
          state: { value: ['ALARM'] },
        },
      },
      targets: [
        new eventTargets.SfnStateMachine(this.remediationStateMachine, {
          retryAttempts: 4,
          maxEventAge: Duration.hours(1),
          deadLetterQueue: decide.deadLetterQueue,
        }),
      ],
    });
  }

  /** Lets `grantee` start retraining by putting a `Warden Retrain Requested` event. */
  grantRetrain(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['events:PutEvents'],
      resourceArns: [defaultBusArn(this, Stack.of(this).region)],
    });
  }

  private addTriggers(
    props: WardenProps,
    shared: Pick<WardenFunctionProps, 'encryptionKey'> & { functionDefaults?: WardenFunctionOptions },
  ): void {
    const model = props.modelName;
    const start = new WardenFunction(this, 'StartTraining', {
      ...shared.functionDefaults,
      handler: 'start-training',
      encryptionKey: shared.encryptionKey,
      environment: {
        WARDEN_MODEL_NAME: model,
        WARDEN_TRAINING_STATE_MACHINE_ARN: this.trainingStateMachine.stateMachineArn,
        WARDEN_DATA_BUCKET: props.dataBucket.bucketName,
      },
    });
    this.trainingStateMachine.grantStartExecution(start.function);
    grantObjectRead(props.dataBucket, start.function, `incoming/${model}/*`);
    // A retrain request names no dataset: start-training lists incoming/<model>/ for the newest one.
    const target = new eventTargets.LambdaFunction(start.function, {
      deadLetterQueue: start.deadLetterQueue,
      retryAttempts: 4,
      maxEventAge: Duration.hours(2),
    });
    new events.Rule(this, 'TrainOnUpload', {
      description: `Warden ${model}: dataset uploaded → training (idempotent per object version)`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [props.dataBucket.bucketName] },
          object: { key: events.Match.prefix(`incoming/${model}/`) },
        },
      },
      targets: [target],
    });
    new events.Rule(this, 'TrainOnRequest', {
      description: `Warden ${model}: Warden Retrain Requested → training`,
      eventPattern: { source: ['warden'], detailType: ['Warden Retrain Requested'], detail: { modelName: [model] } },
      targets: [target],
    });
  }

  private ledgerFunction(
    id: string,
    handler: 'evaluate-model' | 'record-lineage' | 'append-audit' | 'start-regional-deployment' | 'decide-remediation',
    shared: { encryptionKey: kms.IKey; functionDefaults?: WardenFunctionOptions },
    ledgerEnvironment: Record<string, string>,
    extra: Record<string, string> = {},
  ): WardenFunction {
    const wardenFunction = new WardenFunction(this, id, {
      ...shared.functionDefaults,
      handler,
      encryptionKey: shared.encryptionKey,
      environment: { ...ledgerEnvironment, ...extra },
    });
    const fn = wardenFunction.function;
    this.lineage.grantLineageReadWrite(fn);
    this.lineage.grantAuditAppend(fn);
    grantPutEvents(fn);
    return wardenFunction;
  }
}

function validateProps(props: WardenProps): void {
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9-]{0,30}$/.test(props.modelName)) {
    problems.push('modelName must be 1-31 lowercase letters, digits or dashes, starting with a letter');
  }
  if (props.servingRegions.length === 0) problems.push('servingRegions must name at least one region');
  if (new Set(props.servingRegions).size !== props.servingRegions.length)
    problems.push('servingRegions has duplicates');
  if (props.training.instanceTypes.length === 0) problems.push('training.instanceTypes must not be empty');
  problems.push(...hyperParameterProblems(props.training.hyperParameters ?? {}));
  if (props.deployment.instanceTypes.length === 0) problems.push('deployment.instanceTypes must not be empty');
  if ((props.deployment.instanceCount ?? DEFAULTS.servingInstanceCount) < 2) {
    problems.push('deployment.instanceCount must be at least 2 (a canary is at most half of the new fleet)');
  }
  const canary = props.deployment.canaryPercent ?? DEFAULTS.canaryPercent;
  if (canary <= 0 || canary > 50) problems.push('deployment.canaryPercent must be in (0, 50] (deployment guardrails)');
  const maxRuntime = props.training.maxRuntime ?? DEFAULTS.trainingMaxRuntime;
  if (props.training.maxWait && props.training.maxWait.toSeconds() < maxRuntime.toSeconds()) {
    problems.push('training.maxWait must be at least training.maxRuntime (managed spot training)');
  }
  if (problems.length > 0) throw new Error(`Invalid Warden props for ${props.modelName}: ${problems.join('; ')}.`);
}

/** SageMaker's limits on CreateTrainingJob hyperparameters. */
function hyperParameterProblems(hyperParameters: { readonly [name: string]: string }): string[] {
  const entries = Object.entries(hyperParameters);
  const problems = entries.length > 100 ? ['training.hyperParameters may have at most 100 entries'] : [];
  for (const [name, value] of entries) {
    if (name.length === 0 || name.length > 256) {
      problems.push(`training.hyperParameters name "${name.slice(0, 40)}" must have 1-256 characters`);
    }
    if (value.length > 2500)
      problems.push(`training.hyperParameters.${name.slice(0, 40)} must be at most 2500 characters`);
  }
  return problems;
}
