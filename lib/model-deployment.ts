import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { grantLedgerAccess } from './ledger-access';
import { auditTableName, lineageTableName } from './lineage-store';
import { defaultBusArn, names } from './naming';
import { acknowledgeWildcardResource } from './nag/acknowledge';
import { hasInstanceStorage } from './nag/instance-storage';
import { SageMakerExecutionRole } from './sagemaker-role';
import { DEFAULTS, type DeploymentSettings } from './settings';
import { WardenFunction, type WardenFunctionOptions } from './warden-function';
import { WardenStateMachine } from './warden-state-machine';

/** What a {@link ModelDeployment} serves in its region, and how new versions are rolled out. */
export interface ModelDeploymentProps {
  /** The model family; names the endpoint, its alarms and the deploy state machine. */
  readonly modelName: string;
  /** Region of the control plane (ledger writes and deployment reports go there). */
  readonly primaryRegion: string;
  /** Instance types, canary share and bake time of deployments. */
  readonly settings: DeploymentSettings;
  /** Inference image URI (ECR) in this deployment's own region, which every model version it deploys runs. */
  readonly image: string;
  /** This region's artifacts bucket: model replicas in, data capture out. */
  readonly artifactsBucket: s3.IBucket;
  /** This region's Warden key. */
  readonly encryptionKey: kms.IKey;
  /** Settings shared by Warden functions (VPC, log retention). @default none */
  readonly functionDefaults?: WardenFunctionOptions;
}

/**
 * True when SageMaker would reject a `KmsKeyId` on the endpoint config of this instance type (NVMe instance storage);
 * the same list the `Warden-ML5` rule checks against.
 */
export function hasNvmeInstanceStorage(instanceType: string): boolean {
  return hasInstanceStorage(instanceType);
}

/**
 * Serving of one model family in one region: a stable endpoint name, a new EndpointConfig per version (same variant
 * name, GPU type with a fallback list, data capture on), blue/green canary deployments with automatic rollback on
 * the 5xx and latency alarms, and polling until the endpoint is `InService` — the `deploy` state machine, started
 * per wave by the control plane.
 */
export class ModelDeployment extends Construct {
  /** The family's stable endpoint name, `warden-<model>`. */
  readonly endpointName: string;
  /** The `deploy` state machine, started per wave by the control plane. */
  readonly stateMachine: sfn.StateMachine;
  /** Five or more 5xx errors a minute in 2 of 3 minutes: rolls a canary back and, once live, starts remediation. */
  readonly errorAlarm: cloudwatch.Alarm;
  /** p99 model latency above 1 s in 3 of 5 minutes: rolls a canary back and, once live, starts remediation. */
  readonly latencyAlarm: cloudwatch.Alarm;
  /** Answers the control plane's waiting task token with the outcome of a regional deployment. */
  readonly reportFunction: lambda.IFunction;

  constructor(scope: Construct, id: string, props: ModelDeploymentProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const model = props.modelName;
    const region = stack.region;
    const variantName = props.settings.variantName ?? DEFAULTS.variantName;
    this.endpointName = names.endpoint(model);

    const variantDimensions = { EndpointName: this.endpointName, VariantName: variantName };
    this.errorAlarm = new cloudwatch.Alarm(this, 'Errors', {
      alarmName: names.servingAlarm(model, region, '5xx'),
      alarmDescription: `5xx errors of ${this.endpointName}: rolls a canary back, starts remediation when live`,
      metric: new cloudwatch.Metric({
        namespace: 'AWS/SageMaker',
        metricName: 'Invocation5XXErrors',
        dimensionsMap: variantDimensions,
        statistic: cloudwatch.Stats.SUM,
        period: Duration.minutes(1),
      }),
      threshold: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.latencyAlarm = new cloudwatch.Alarm(this, 'Latency', {
      alarmName: names.servingAlarm(model, region, 'latency'),
      alarmDescription: `p99 model latency of ${this.endpointName} above 1 s`,
      metric: new cloudwatch.Metric({
        namespace: 'AWS/SageMaker',
        metricName: 'ModelLatency',
        dimensionsMap: variantDimensions,
        statistic: cloudwatch.Stats.p(99),
        period: Duration.minutes(1),
      }),
      threshold: 1_000_000,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const servingRole = new SageMakerExecutionRole(this, 'SageMakerRole', {
      modelName: model,
      readBuckets: [{ bucket: props.artifactsBucket }],
      writeBucket: props.artifactsBucket,
      encryptionKey: props.encryptionKey,
      images: [props.image],
    });
    const ledgerEnvironment = {
      WARDEN_MODEL_NAME: model,
      WARDEN_LINEAGE_TABLE: lineageTableName(model),
      WARDEN_AUDIT_TABLE: auditTableName(model),
      WARDEN_LEDGER_REGION: props.primaryRegion,
      WARDEN_EVENT_BUS: 'default',
      WARDEN_PRIMARY_REGION: props.primaryRegion,
    };
    const makeFunction = (functionId: string, handler: 'record-lineage' | 'append-audit' | 'report-deployment') => {
      const fn = new WardenFunction(this, functionId, {
        ...props.functionDefaults,
        handler,
        encryptionKey: props.encryptionKey,
        environment: ledgerEnvironment,
      }).function;
      grantLedgerAccess(fn, {
        modelName: model,
        primaryRegion: props.primaryRegion,
        table: handler === 'append-audit' ? 'audit' : 'lineage',
        access: handler === 'append-audit' ? 'append' : 'write',
      });
      return fn;
    };
    const recordLineage = makeFunction('RecordLineage', 'record-lineage');
    const appendAudit = makeFunction('AppendAudit', 'append-audit');
    this.reportFunction = makeFunction('ReportDeployment', 'report-deployment');
    const reportTargets = stack.formatArn({
      service: 'states',
      region: props.primaryRegion,
      resource: 'stateMachine',
      resourceName: `${names.prefix(model)}-*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.reportFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
        resources: [reportTargets],
      }),
    );
    if (this.reportFunction.role) {
      acknowledgeWildcardResource(
        this.reportFunction.role,
        reportTargets,
        "Task tokens come from this family's control-plane state machines, addressed by name prefix across regions.",
      );
    }

    const instanceTypes = props.settings.instanceTypes;
    const deploy = new WardenStateMachine(this, 'Deploy', {
      definitionFile: 'deploy.asl.json',
      stateMachineName: names.deployStateMachine(model),
      encryptionKey: props.encryptionKey,
      substitutions: {
        RecordLineageFunctionArn: recordLineage.functionArn,
        AppendAuditFunctionArn: appendAudit.functionArn,
        ReportDeploymentFunctionArn: this.reportFunction.functionArn,
        SageMakerRoleArn: servingRole.role.roleArn,
        InferenceImage: props.image,
        EndpointName: this.endpointName,
        ServingInstanceTypes: instanceTypes,
        ServingStorageEncryptable: instanceTypes.map((type) => !hasNvmeInstanceStorage(type)),
        ServingInstanceCount: props.settings.instanceCount ?? DEFAULTS.servingInstanceCount,
        Region: region,
        VariantName: variantName,
        CanaryPercent: props.settings.canaryPercent ?? DEFAULTS.canaryPercent,
        BakeSeconds: (props.settings.bakeTime ?? DEFAULTS.bakeTime).toSeconds(),
        RollbackAlarms: [this.errorAlarm.alarmName, this.latencyAlarm.alarmName].map((AlarmName) => ({ AlarmName })),
        CaptureS3Uri: props.artifactsBucket.s3UrlForObject(`capture/${model}`),
        KmsKeyArn: props.encryptionKey.keyArn,
        EventBusName: 'default',
        ModelName: model,
      },
      grants: {
        sageMakerNamePrefix: names.prefix(model),
        sageMakerRole: servingRole.role,
        eventBusArn: defaultBusArn(this, region),
      },
    });
    this.stateMachine = deploy.stateMachine;
  }
}
