import { ArnFormat, Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { driftMetric, METRICS_NAMESPACE } from './drift-monitor';
import { names } from './naming';
import { DEFAULTS } from './settings';

/** The `service` dimension Powertools adds to every metric the handlers publish (`POWERTOOLS_SERVICE_NAME`). */
const POWERTOOLS_SERVICE = 'warden';

/** Rows of the dashboard are 24 grid units wide. */
const FULL_WIDTH = 24;
const GRAPH_HEIGHT = 6;

/** What {@link WardenDashboard} charts: one model family's endpoint in the stack's region. */
export interface WardenDashboardProps {
  /** Model family name. */
  readonly modelName: string;
  /** Region of the control plane, where the bias gates and the remediation state machine run. */
  readonly primaryRegion: string;
  /** Endpoint whose traffic is charted. @default the family's stable endpoint name, `warden-<model>` */
  readonly endpointName?: string;
  /** Production variant of the endpoint (Warden keeps one, stable across versions). @default 'live' */
  readonly variantName?: string;
  /** Instances behind the endpoint, the provisioned capacity of the cost proxy. @default 2 */
  readonly instanceCount?: number;
  /** Features whose PSI is charted. @default none: the drift widget is left out */
  readonly driftFeatures?: string[];
  /** How often the drift monitor publishes (one datapoint per feature and check). @default Duration.hours(1) */
  readonly driftPeriod?: Duration;
  /** PSI above which a datapoint counts as drifted, drawn on the drift widget. @default 0.2 */
  readonly psiThreshold?: number;
  /** Alarms shown in the alarm status widget. @default none: the alarm status widget is left out */
  readonly alarms?: cloudwatch.IAlarm[];
  /**
   * Name of the dashboard. Dashboard names are unique per account across regions, hence the region in the default.
   * @default `warden-<model>-<region>`
   */
  readonly dashboardName?: string;
  /** Period of the endpoint widgets (traffic, latency, errors, cost). @default Duration.minutes(5) */
  readonly period?: Duration;
  /** Period of the bias and remediation widgets, whose events are hours or days apart. @default Duration.hours(1) */
  readonly pipelinePeriod?: Duration;
  /** Time range shown when the dashboard opens. @default Duration.days(1) */
  readonly defaultInterval?: Duration;
}

/**
 * The CloudWatch dashboard of one model family in one serving region: alarm status, invocations, latency and errors of
 * the endpoint, a cost proxy, PSI per feature, and — from the control-plane region, each widget pinned to the region
 * its metrics live in — the bias gates and the remediation runs. `WardenServing` adds one unless told not to.
 *
 * The cost proxy is provisioned instance-hours per 1 000 invocations (instances × period ÷ invocations): a real-time
 * endpoint is billed per instance-hour whatever its traffic, so this times the instance type's hourly price is the
 * serving cost per 1 000 requests. Next to it, the model's busy time (invocations × average model latency) as a share
 * of the provisioned instance time shows how much of that capacity the traffic uses; with several workers per
 * instance it can exceed 100 %. Both count the configured instance count, which a blue/green deployment briefly
 * doubles.
 */
export class WardenDashboard extends Construct {
  /** The dashboard. */
  readonly dashboard: cloudwatch.Dashboard;
  /** Endpoint charted. */
  readonly endpointName: string;
  /** Production variant charted. */
  readonly variantName: string;

  private readonly modelName: string;
  private readonly primaryRegion: string;
  private readonly instanceCount: number;
  private readonly period: Duration;
  private readonly pipelinePeriod: Duration;
  private readonly driftPeriod: Duration;

  constructor(scope: Construct, id: string, props: WardenDashboardProps) {
    super(scope, id);
    validateProps(props);
    const region = Stack.of(this).region;
    this.modelName = props.modelName;
    this.primaryRegion = props.primaryRegion;
    this.endpointName = props.endpointName ?? names.endpoint(props.modelName);
    this.variantName = props.variantName ?? DEFAULTS.variantName;
    this.instanceCount = props.instanceCount ?? DEFAULTS.servingInstanceCount;
    this.period = props.period ?? Duration.minutes(5);
    this.pipelinePeriod = props.pipelinePeriod ?? Duration.hours(1);
    this.driftPeriod = props.driftPeriod ?? DEFAULTS.driftSchedule;

    this.dashboard = new cloudwatch.Dashboard(this, 'Resource', {
      dashboardName: props.dashboardName ?? `${names.prefix(props.modelName)}-${region}`,
      defaultInterval: props.defaultInterval ?? Duration.days(1),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: [
          `# Warden ${props.modelName} · ${region}`,
          `Endpoint \`${this.endpointName}\`, variant \`${this.variantName}\`. Bias gates and remediation runs are ` +
            `charted from the control plane in ${props.primaryRegion}. Model latency is in microseconds.`,
        ].join('\n\n'),
        width: FULL_WIDTH,
        height: 2,
      }),
    );
    if (props.alarms !== undefined && props.alarms.length > 0) {
      this.dashboard.addWidgets(
        new cloudwatch.AlarmStatusWidget({
          title: 'Alarms',
          alarms: props.alarms,
          sortBy: cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
          width: FULL_WIDTH,
          height: Math.min(2 + Math.ceil(props.alarms.length / 4), 6),
        }),
      );
    }
    const third = FULL_WIDTH / 3;
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Invocations per variant',
        left: [this.metricInvocations({ label: `Invocations (${this.variantName})` })],
        leftYAxis: { min: 0, showUnits: false },
        width: third,
        height: GRAPH_HEIGHT,
      }),
      new cloudwatch.GraphWidget({
        title: 'Model latency',
        left: [
          this.metricModelLatency({ statistic: cloudwatch.Stats.p(50), label: 'p50' }),
          this.metricModelLatency({ statistic: cloudwatch.Stats.p(99), label: 'p99' }),
        ],
        leftYAxis: { min: 0, label: 'µs', showUnits: false },
        width: third,
        height: GRAPH_HEIGHT,
      }),
      new cloudwatch.GraphWidget({
        title: 'Errors',
        left: [
          this.metricInvocation5xxErrors({ label: '5XX (model or endpoint)' }),
          this.metricInvocation4xxErrors({ label: '4XX (request)' }),
        ],
        leftYAxis: { min: 0, showUnits: false },
        width: third,
        height: GRAPH_HEIGHT,
      }),
    );
    const features = props.driftFeatures ?? [];
    const half = FULL_WIDTH / 2;
    const driftAndCost: cloudwatch.IWidget[] = [];
    if (features.length > 0) {
      driftAndCost.push(
        new cloudwatch.GraphWidget({
          title: 'Drift: PSI per feature',
          left: features.map((feature) => this.metricPsi(feature)),
          leftAnnotations: [
            { value: props.psiThreshold ?? DEFAULTS.psiThreshold, label: 'PSI threshold', color: '#d62728' },
          ],
          right: [this.metricDriftedFeatures({ label: 'Drifted features' })],
          leftYAxis: { min: 0, label: 'PSI', showUnits: false },
          rightYAxis: { min: 0, showUnits: false },
          width: half,
          height: GRAPH_HEIGHT,
        }),
      );
    }
    driftAndCost.push(
      new cloudwatch.GraphWidget({
        title: 'Cost proxy',
        left: [this.metricInstanceHoursPerThousandInvocations()],
        right: [this.metricModelBusyPercent()],
        leftYAxis: { min: 0, label: 'instance-hours', showUnits: false },
        rightYAxis: { min: 0, label: '%', showUnits: false },
        width: features.length > 0 ? half : FULL_WIDTH,
        height: GRAPH_HEIGHT,
      }),
    );
    this.dashboard.addWidgets(...driftAndCost);
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `Bias gates (${props.primaryRegion})`,
        region: props.primaryRegion,
        left: [
          this.metricPreTrainingBiasFailures({ label: 'Pre-training: metrics over threshold' }),
          this.metricPostTrainingBiasFailures({ label: 'Post-training: metrics over threshold' }),
        ],
        right: [
          this.metricPreTrainingBiasFailures({
            statistic: cloudwatch.Stats.SAMPLE_COUNT,
            label: 'Pre-training checks',
          }),
          this.metricPostTrainingBiasFailures({
            statistic: cloudwatch.Stats.SAMPLE_COUNT,
            label: 'Post-training checks',
          }),
        ],
        leftYAxis: { min: 0, showUnits: false },
        rightYAxis: { min: 0, showUnits: false },
        width: half,
        height: GRAPH_HEIGHT,
      }),
      new cloudwatch.GraphWidget({
        title: `Remediation runs (${props.primaryRegion})`,
        region: props.primaryRegion,
        left: [
          this.metricRemediationsStarted({ label: 'Started' }),
          this.metricRemediationsSucceeded({ label: 'Succeeded' }),
          this.metricRemediationsFailed({ label: 'Failed' }),
        ],
        leftYAxis: { min: 0, showUnits: false },
        width: half,
        height: GRAPH_HEIGHT,
      }),
    );
  }

  /** Requests to the endpoint's variant (`AWS/SageMaker` `Invocations`). @default sum over the dashboard's period */
  metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.endpointMetric('Invocations', cloudwatch.Stats.SUM, props);
  }

  /** Time the model container takes per request, in microseconds (`ModelLatency`). @default p99 */
  metricModelLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.endpointMetric('ModelLatency', cloudwatch.Stats.p(99), props);
  }

  /** Requests the model or the endpoint failed (`Invocation5XXErrors`), what rolls a canary back. @default sum */
  metricInvocation5xxErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.endpointMetric('Invocation5XXErrors', cloudwatch.Stats.SUM, props);
  }

  /** Requests the endpoint rejected as invalid (`Invocation4XXErrors`). @default sum */
  metricInvocation4xxErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.endpointMetric('Invocation4XXErrors', cloudwatch.Stats.SUM, props);
  }

  /**
   * PSI of one feature as `detect-drift` publishes it, the metric its drift alarm watches.
   * @default maximum over the drift period, labelled with the feature
   */
  metricPsi(feature: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return driftMetric(this.modelName, this.endpointName, feature, 'Psi', this.driftPeriod).with({
      label: feature,
      ...props,
    });
  }

  /** Features over their threshold in one drift check (`Warden` `DriftedFeatures`). @default maximum over the drift period */
  metricDriftedFeatures(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: 'DriftedFeatures',
      dimensionsMap: this.handlerDimensions(),
      statistic: cloudwatch.Stats.MAXIMUM,
      period: this.driftPeriod,
      ...props,
    });
  }

  /**
   * Bias metrics over their threshold in each pre-training check, in the control-plane region (`Warden`
   * `PreTrainingBiasFailures`, one datapoint per check: the sample count is the number of checks).
   * @default sum over the pipeline period
   */
  metricPreTrainingBiasFailures(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.biasMetric('PreTrainingBiasFailures', props);
  }

  /** As {@link metricPreTrainingBiasFailures}, for the post-training check (`PostTrainingBiasFailures`). @default sum */
  metricPostTrainingBiasFailures(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.biasMetric('PostTrainingBiasFailures', props);
  }

  /** Executions of the family's remediation state machine started (`AWS/States` `ExecutionsStarted`). @default sum */
  metricRemediationsStarted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.remediationMetric('ExecutionsStarted', props);
  }

  /** Remediation executions that succeeded (`ExecutionsSucceeded`). @default sum over the pipeline period */
  metricRemediationsSucceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.remediationMetric('ExecutionsSucceeded', props);
  }

  /** Remediation executions that failed (`ExecutionsFailed`). @default sum over the pipeline period */
  metricRemediationsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.remediationMetric('ExecutionsFailed', props);
  }

  /**
   * Provisioned instance-hours per 1 000 invocations: instances × period ÷ invocations. Times the instance type's
   * hourly price, the serving cost of 1 000 requests. No datapoint in a period without traffic.
   */
  metricInstanceHoursPerThousandInvocations(): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: `1000 * ${this.instanceCount} * PERIOD(invocations) / 3600 / invocations`,
      usingMetrics: { invocations: this.metricInvocations() },
      label: 'Instance-hours per 1 000 invocations',
      period: this.period,
    });
  }

  /**
   * Model busy time (invocations × average model latency) as a percentage of the provisioned instance time
   * (instances × period): how much of the paid capacity the traffic uses.
   */
  metricModelBusyPercent(): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: `100 * invocations * latency / 1000000 / (${this.instanceCount} * PERIOD(invocations))`,
      usingMetrics: {
        invocations: this.metricInvocations(),
        latency: this.metricModelLatency({ statistic: cloudwatch.Stats.AVERAGE }),
      },
      label: 'Model busy time, % of provisioned instance time',
      period: this.period,
    });
  }

  private endpointMetric(metricName: string, statistic: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/SageMaker',
      metricName,
      dimensionsMap: { EndpointName: this.endpointName, VariantName: this.variantName },
      statistic,
      period: this.period,
      ...props,
    });
  }

  private biasMetric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: this.handlerDimensions(),
      statistic: cloudwatch.Stats.SUM,
      period: this.pipelinePeriod,
      region: this.primaryRegion,
      ...props,
    });
  }

  private remediationMetric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/States',
      metricName,
      dimensionsMap: {
        StateMachineArn: Stack.of(this).formatArn({
          service: 'states',
          region: this.primaryRegion,
          resource: 'stateMachine',
          resourceName: names.remediationStateMachine(this.modelName),
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
      statistic: cloudwatch.Stats.SUM,
      period: this.pipelinePeriod,
      region: this.primaryRegion,
      ...props,
    });
  }

  /** Dimensions of the metrics the handlers publish through Powertools (embedded metric format). */
  private handlerDimensions(): cloudwatch.DimensionsMap {
    return { service: POWERTOOLS_SERVICE, ModelName: this.modelName };
  }
}

function validateProps(props: WardenDashboardProps): void {
  const problems: string[] = [];
  const count = props.instanceCount;
  if (count !== undefined && (!Number.isInteger(count) || count < 1)) {
    problems.push('instanceCount must be a positive integer');
  }
  const name = props.dashboardName;
  if (name !== undefined && !Token.isUnresolved(name) && !/^[A-Za-z0-9_-]{1,255}$/.test(name)) {
    problems.push('dashboardName must be 1-255 letters, digits, dashes or underscores');
  }
  if (props.psiThreshold !== undefined && !(props.psiThreshold > 0)) problems.push('psiThreshold must be positive');
  if (problems.length > 0) {
    throw new Error(`Invalid WardenDashboard props for ${props.modelName}: ${problems.join('; ')}.`);
  }
}
