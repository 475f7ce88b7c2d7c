import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { WardenDashboard } from './dashboard';
import { DriftMonitor } from './drift-monitor';
import { ModelDeployment } from './model-deployment';
import { acknowledge } from './nag/acknowledge';
import { defaultBusArn, names } from './naming';
import type { DataContractDefinition, DeploymentSettings, DriftSettings } from './settings';
import type { WardenFunctionOptions } from './warden-function';

/** One model family's serving in one region: what it serves, how it deploys, and what drift it watches for. */
export interface WardenServingProps {
  /** The model family. */
  readonly modelName: string;
  /** Region of the control plane. */
  readonly primaryRegion: string;
  /** Instance types, canary share and bake time of this region's deployments. */
  readonly deployment: DeploymentSettings;
  /** Inference image URI (ECR) in this serving region (SageMaker pulls only from the model's own region). */
  readonly image: string;
  /** The data contract: its non-PII columns are the drift features unless `drift.features` names them. */
  readonly contract: DataContractDefinition;
  /** Label column, left out of the drift features. */
  readonly labelColumn: string;
  /** @default hourly, PSI 0.2, 2 of 3 datapoints */
  readonly drift?: DriftSettings;
  /** This region's artifacts bucket. */
  readonly artifactsBucket: s3.IBucket;
  /** This region's Warden key. */
  readonly encryptionKey: kms.IKey;
  /** Settings shared by Warden functions (VPC, log retention). @default none */
  readonly functionDefaults?: WardenFunctionOptions;
  /**
   * Add the family's CloudWatch dashboard for this region ({@link WardenDashboard}). Without this prop, the context
   * key `warden:dashboard` set to `false` turns dashboards off app-wide (e.g. `cdk synth -c warden:dashboard=false`).
   * @default true
   */
  readonly dashboard?: boolean;
}

/** Context key that turns the serving dashboards off where the `dashboard` prop is not given. */
export const DASHBOARD_CONTEXT_KEY = 'warden:dashboard';

/**
 * One model family in one serving region: the endpoint and its deploy state machine, the serving alarms, the drift
 * monitor, and — outside the control-plane region — forwarding of Warden's alarm state changes and events to the
 * control plane's bus, where remediation and lineage live.
 */
export class WardenServing extends Construct {
  /** The endpoint, its deploy state machine and its serving alarms. */
  readonly deployment: ModelDeployment;
  /** Scheduled drift checks of the endpoint's captured traffic. */
  readonly driftMonitor: DriftMonitor;
  /** Notified of every alarm and recovery, for people; remediation itself listens on EventBridge. */
  readonly alarmTopic: sns.Topic;
  /** The family's dashboard in this region, unless turned off. */
  readonly dashboard?: WardenDashboard;

  constructor(scope: Construct, id: string, props: WardenServingProps) {
    super(scope, id);
    const model = props.modelName;
    acknowledge(
      this,
      ['HIPAA.Security-IAMNoInlinePolicy', 'NIST.800.53.R5-IAMNoInlinePolicy', 'PCI.DSS.321-IAMNoInlinePolicy'],
      'Each role gets its own policy generated from the exact resources it touches; a shared managed policy would widen, not narrow, what a role may do.',
    );
    const shared = { encryptionKey: props.encryptionKey, functionDefaults: props.functionDefaults };
    this.deployment = new ModelDeployment(this, 'Deployment', {
      ...shared,
      modelName: model,
      primaryRegion: props.primaryRegion,
      settings: props.deployment,
      image: props.image,
      artifactsBucket: props.artifactsBucket,
    });
    const features =
      props.drift?.features ??
      props.contract.columns
        .filter((column) => column.pii !== true && column.name !== props.labelColumn)
        .map((column) => column.name);
    this.driftMonitor = new DriftMonitor(this, 'Drift', {
      ...shared,
      modelName: model,
      primaryRegion: props.primaryRegion,
      endpointName: this.deployment.endpointName,
      artifactsBucket: props.artifactsBucket,
      capturePrefix: `capture/${model}/`,
      features,
      settings: props.drift,
    });
    this.alarmTopic = new sns.Topic(this, 'Alarms', {
      displayName: `Warden ${model} alarms (${Stack.of(this).region})`,
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    const notify = new cloudwatchActions.SnsAction(this.alarmTopic);
    for (const alarm of [
      this.deployment.errorAlarm,
      this.deployment.latencyAlarm,
      ...this.driftMonitor.featureAlarms,
    ]) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }
    this.driftMonitor.alarm.addAlarmAction(notify);
    this.driftMonitor.alarm.addOkAction(notify);
    if (dashboardWanted(this, props.dashboard)) {
      this.dashboard = new WardenDashboard(this, 'Dashboard', {
        modelName: model,
        primaryRegion: props.primaryRegion,
        endpointName: this.deployment.endpointName,
        variantName: props.deployment.variantName,
        instanceCount: props.deployment.instanceCount,
        driftFeatures: features,
        driftPeriod: props.drift?.schedule,
        psiThreshold: props.drift?.psiThreshold,
        alarms: [
          this.deployment.errorAlarm,
          this.deployment.latencyAlarm,
          this.driftMonitor.alarm,
          ...this.driftMonitor.featureAlarms,
        ],
      });
    }
    if (Stack.of(this).region !== props.primaryRegion) {
      const controlPlaneBus = events.EventBus.fromEventBusArn(
        this,
        'ControlPlaneBus',
        defaultBusArn(this, props.primaryRegion),
      );
      const undelivered = new sqs.Queue(this, 'UndeliveredForwards', {
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: props.encryptionKey,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      acknowledge(
        undelivered,
        ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy'],
        'This queue is the dead-letter queue of the cross-region forwarding target; it has no consumer to redrive from.',
      );
      const forward = new eventTargets.EventBus(controlPlaneBus, { deadLetterQueue: undelivered });
      new events.Rule(this, 'ForwardAlarms', {
        description: `Warden ${model}: alarm state changes → ${props.primaryRegion}`,
        eventPattern: {
          source: ['aws.cloudwatch'],
          detailType: ['CloudWatch Alarm State Change'],
          detail: { alarmName: events.Match.prefix(names.remediationAlarmPrefix(model)) },
        },
        targets: [forward],
      });
      new events.Rule(this, 'ForwardWardenEvents', {
        description: `Warden ${model}: warden events → ${props.primaryRegion}`,
        eventPattern: { source: ['warden'], detail: { modelName: [model] } },
        targets: [forward],
      });
    }
  }
}

function dashboardWanted(scope: Construct, prop: boolean | undefined): boolean {
  if (prop !== undefined) return prop;
  const context: unknown = scope.node.tryGetContext(DASHBOARD_CONTEXT_KEY);
  return context !== false && context !== 'false';
}
