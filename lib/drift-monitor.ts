import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { grantKeyUse, grantObjectRead, grantObjectWrite, grantPutEvents } from './grants';
import { grantLedgerAccess } from './ledger-access';
import { lineageTableName } from './lineage-store';
import { DEFAULTS, type DriftSettings } from './settings';
import { WardenFunction, type WardenFunctionOptions } from './warden-function';

/** CloudWatch namespace of every metric Warden publishes. */
export const METRICS_NAMESPACE = 'Warden';

/** Which endpoint a {@link DriftMonitor} watches, on which features, and how often. */
export interface DriftMonitorProps {
  /** The model family; names the alarms and is a dimension of the drift metrics. */
  readonly modelName: string;
  /** Region of the control plane, whose lineage table says which version is live. */
  readonly primaryRegion: string;
  /** Endpoint whose captured traffic is checked. */
  readonly endpointName: string;
  /** Regional bucket holding the capture files and the baseline profiles. */
  readonly artifactsBucket: s3.IBucket;
  /** Prefix of the endpoint's data capture files in that bucket. */
  readonly capturePrefix: string;
  /** Features with a drift alarm. */
  readonly features: string[];
  /** This region's Warden key, for the function, its queue and the schedule. */
  readonly encryptionKey: kms.IKey;
  /** Schedule, thresholds and alarm shape. @default hourly, PSI 0.2, 2 of 3 datapoints */
  readonly settings?: DriftSettings;
  /** Settings shared by Warden functions (VPC, log retention). @default none */
  readonly functionDefaults?: WardenFunctionOptions;
}

/**
 * Scheduled drift detection for one endpoint: EventBridge Scheduler runs `detect-drift`, which compares the last
 * window of captured traffic with the training baseline and publishes KS, Wasserstein, PSI and JS per feature; an
 * M-of-N alarm per feature and one composite alarm over them (the one remediation listens to).
 */
export class DriftMonitor extends Construct {
  /** The `detect-drift` function. */
  readonly function: lambda.IFunction;
  /** Runs the drift check every `settings.schedule`, over the window that ends at the scheduled time. */
  readonly schedule: scheduler.Schedule;
  /** One alarm per feature, on its PSI. */
  readonly featureAlarms: cloudwatch.Alarm[];
  /** ALARM when any feature alarm is; named `warden-<model>-drift`. */
  readonly alarm: cloudwatch.CompositeAlarm;

  constructor(scope: Construct, id: string, props: DriftMonitorProps) {
    super(scope, id);
    if (props.features.length === 0) throw new Error(`DriftMonitor of ${props.modelName} needs at least one feature.`);
    const settings = props.settings ?? {};
    const period = settings.schedule ?? DEFAULTS.driftSchedule;
    const fn = new WardenFunction(this, 'Function', {
      ...props.functionDefaults,
      handler: 'detect-drift',
      encryptionKey: props.encryptionKey,
      memorySize: 2048,
      timeout: Duration.minutes(10),
      environment: {
        WARDEN_MODEL_NAME: props.modelName,
        WARDEN_ARTIFACTS_BUCKET: props.artifactsBucket.bucketName,
        WARDEN_METRICS_NAMESPACE: METRICS_NAMESPACE,
        WARDEN_ENDPOINT_NAME: props.endpointName,
        WARDEN_LINEAGE_TABLE: lineageTableName(props.modelName),
        WARDEN_LEDGER_REGION: props.primaryRegion,
        WARDEN_EVENT_BUS: 'default',
        WARDEN_DRIFT: JSON.stringify({
          columns: props.features,
          capturePrefix: props.capturePrefix,
          captureWindowMinutes: period.toMinutes(),
          thresholds: { psi: settings.psiThreshold ?? DEFAULTS.psiThreshold },
        }),
      },
    });
    grantObjectRead(props.artifactsBucket, fn.function);
    grantLedgerAccess(fn.function, {
      modelName: props.modelName,
      primaryRegion: props.primaryRegion,
      table: 'lineage',
      access: 'read',
    });
    grantObjectWrite(props.artifactsBucket, fn.function);
    fn.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': METRICS_NAMESPACE } },
      }),
    );
    grantPutEvents(fn.function);
    this.function = fn.function;

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      schedule: scheduler.ScheduleExpression.rate(period),
      description: `Warden drift check of ${props.endpointName}`,
      key: props.encryptionKey,
      target: new InvokeFunctionTarget(fn.function, {
        // The window ends at the scheduled time, not when the invocation happens to run (retries, delays).
        input: scheduler.ScheduleTargetInput.fromObject({
          endpointName: props.endpointName,
          at: scheduler.ContextAttribute.scheduledTime,
        }),
        deadLetterQueue: fn.deadLetterQueue,
        retryAttempts: 2,
        maxEventAge: period,
      }),
    });

    this.featureAlarms = props.features.map(
      (feature) =>
        new cloudwatch.Alarm(this, `Psi${feature.replace(/[^A-Za-z0-9]/g, '')}`, {
          alarmName: `warden-${props.modelName}-drift-${feature}`,
          alarmDescription: `PSI of ${feature} on ${props.endpointName} above its threshold`,
          metric: driftMetric(props.modelName, props.endpointName, feature, 'Psi', period),
          threshold: settings.psiThreshold ?? DEFAULTS.psiThreshold,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: settings.evaluationPeriods ?? DEFAULTS.evaluationPeriods,
          datapointsToAlarm: settings.datapointsToAlarm ?? DEFAULTS.datapointsToAlarm,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
    );
    this.alarm = new cloudwatch.CompositeAlarm(this, 'Drift', {
      compositeAlarmName: `warden-${props.modelName}-drift`,
      alarmDescription: `Feature drift on ${props.endpointName}: starts remediation (retrain)`,
      alarmRule: cloudwatch.AlarmRule.anyOf(...this.featureAlarms),
    });
  }
}

/**
 * Scheduler target that may invoke exactly one function: the stock target also grants every version and alias of it
 * (`<arn>:*`), which the schedule never uses.
 */
class InvokeFunctionTarget implements scheduler.IScheduleTarget {
  constructor(
    private readonly fn: lambda.IFunction,
    private readonly options: {
      readonly input: scheduler.ScheduleTargetInput;
      readonly deadLetterQueue: sqs.IQueue;
      readonly retryAttempts: number;
      readonly maxEventAge: Duration;
    },
  ) {}

  bind(schedule: scheduler.ISchedule): scheduler.ScheduleTargetConfig {
    const role = new iam.Role(schedule, 'TargetRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(schedule).account } },
      }),
      description: 'Warden: invoke the drift check',
    });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.fn.functionArn] }));
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.options.deadLetterQueue.queueArn] }),
    );
    if (this.options.deadLetterQueue.encryptionMasterKey)
      grantKeyUse(this.options.deadLetterQueue.encryptionMasterKey, role);
    return {
      arn: this.fn.functionArn,
      role,
      input: this.options.input,
      deadLetterConfig: { arn: this.options.deadLetterQueue.queueArn },
      retryPolicy: {
        maximumRetryAttempts: this.options.retryAttempts,
        maximumEventAgeInSeconds: this.options.maxEventAge.toSeconds(),
      },
    };
  }
}

/** A per-feature drift metric as `detect-drift` publishes it. */
export function driftMetric(
  modelName: string,
  endpointName: string,
  feature: string,
  metricName: 'Psi' | 'KsStatistic' | 'WassersteinNorm' | 'JsDistance',
  period: Duration,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { ModelName: modelName, EndpointName: endpointName, Feature: feature },
    statistic: cloudwatch.Stats.MAXIMUM,
    period,
  });
}
