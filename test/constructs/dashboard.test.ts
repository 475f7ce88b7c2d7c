/**
 * Real synthesis of the serving dashboards: one per model family and serving region, every widget on the metrics
 * SageMaker, Step Functions and the handlers actually publish, with the dimensions the alarms watch.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { creditRiskFamily } from '../../examples/credit-risk/family';
import { WardenDashboard, WardenServing, names, type WardenServingProps } from '../../lib';
import { PRIMARY, SECONDARY, synthesizeReferenceApp } from '../support/reference-app';

const ACCOUNT = '123456789012';
const family = creditRiskFamily();
const model = family.modelName;
const endpointDimensions = { EndpointName: names.endpoint(model), VariantName: 'live' };

interface ChartedMetric {
  readonly namespace?: string;
  readonly metricName?: string;
  readonly dimensions: Record<string, string>;
  readonly options: {
    readonly stat?: string;
    readonly label?: string;
    readonly period?: number;
    readonly id?: string;
    readonly visible?: boolean;
    readonly region?: string;
    readonly expression?: string;
  };
}

interface Widget {
  readonly type: string;
  readonly properties: {
    readonly title?: string;
    readonly region?: string;
    readonly markdown?: string;
    readonly alarms?: string[];
    readonly metrics?: unknown[][];
    readonly annotations?: { horizontal?: { value: number; label?: string }[] };
  };
}

interface Dashboard {
  readonly name: string;
  readonly widgets: Widget[];
}

/** A `DashboardBody` as deployed: `Fn::Join` parts concatenated, pseudo parameters filled in, `Fn::GetAtt` as `<Id.Attr>`. */
function renderBody(node: unknown, region: string): string {
  if (typeof node === 'string') return node;
  const value = node as { 'Fn::Join'?: [string, unknown[]]; Ref?: string; 'Fn::GetAtt'?: [string, string] };
  if (value['Fn::Join'] !== undefined) {
    const [delimiter, parts] = value['Fn::Join'];
    return parts.map((part) => renderBody(part, region)).join(delimiter);
  }
  if (value.Ref === 'AWS::Region') return region;
  if (value.Ref === 'AWS::Partition') return 'aws';
  if (value.Ref === 'AWS::AccountId') return ACCOUNT;
  if (value['Fn::GetAtt'] !== undefined) return `<${value['Fn::GetAtt'].join('.')}>`;
  throw new Error(`Unexpected intrinsic in a dashboard body: ${JSON.stringify(node)}`);
}

function dashboardsOf(template: Template, region: string): Dashboard[] {
  return Object.values(template.findResources('AWS::CloudWatch::Dashboard')).map((resource) => ({
    name: resource.Properties.DashboardName as string,
    widgets: (JSON.parse(renderBody(resource.Properties.DashboardBody, region)) as { widgets: Widget[] }).widgets,
  }));
}

/** `[namespace, name, dim, value, …, options?]` or `[{ expression, … }]` as one record. */
function chartedMetrics(widget: Widget): ChartedMetric[] {
  return (widget.properties.metrics ?? []).map((row) => {
    const last = row[row.length - 1];
    const options = (typeof last === 'object' && last !== null ? last : {}) as ChartedMetric['options'];
    const plain = row.filter((item): item is string => typeof item === 'string');
    if (plain.length === 0) return { dimensions: {}, options };
    const [namespace, metricName, ...pairs] = plain;
    const dimensions: Record<string, string> = {};
    for (let i = 0; i < pairs.length; i += 2) dimensions[pairs[i]] = pairs[i + 1];
    return { namespace, metricName, dimensions, options };
  });
}

function widgetTitled(dashboard: Dashboard, prefix: string): Widget {
  const widget = dashboard.widgets.find((candidate) => candidate.properties.title?.startsWith(prefix));
  if (widget === undefined) throw new Error(`No widget titled "${prefix}…" in ${dashboard.name}`);
  return widget;
}

function metricNamed(widget: Widget, metricName: string, stat?: string): ChartedMetric[] {
  return chartedMetrics(widget).filter(
    (metric) => metric.metricName === metricName && (stat === undefined || metric.options.stat === stat),
  );
}

describe('dashboards of the reference app', () => {
  const reference = synthesizeReferenceApp();
  const servingStacks = reference.stacks.servingStacks;
  const controlPlane = reference.template(reference.stacks.controlPlaneStacks[0]);
  const dashboardOf = (stack: Stack): Dashboard => {
    const [dashboard] = dashboardsOf(reference.template(stack), stack.region);
    return dashboard;
  };

  it('has exactly one dashboard per serving stack, named after the family and region, and none elsewhere', () => {
    expect(servingStacks.map((stack) => stack.region).sort()).toEqual([PRIMARY, SECONDARY].sort());
    for (const stack of servingStacks) {
      reference.template(stack).resourceCountIs('AWS::CloudWatch::Dashboard', 1);
      expect(dashboardOf(stack).name).toBe(`warden-${model}-${stack.region}`);
    }
    for (const stack of [...Object.values(reference.stacks.foundations), ...reference.stacks.controlPlaneStacks]) {
      reference.template(stack).resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    }
  });

  describe.each(servingStacks.map((stack) => [stack.region, stack] as const))('in %s', (region, stack) => {
    const template = reference.template(stack);
    const dashboard = dashboardOf(stack);

    it('charts invocations, p50 and p99 model latency, 5XX and 4XX errors of the endpoint variant here', () => {
      const expected: [string, string, string][] = [
        ['Invocations', 'Invocations', 'Sum'],
        ['Model latency', 'ModelLatency', 'p50'],
        ['Model latency', 'ModelLatency', 'p99'],
        ['Errors', 'Invocation5XXErrors', 'Sum'],
        ['Errors', 'Invocation4XXErrors', 'Sum'],
      ];
      for (const [title, metricName, stat] of expected) {
        const widget = widgetTitled(dashboard, title);
        expect(widget.properties.region).toBe(region);
        const [metric] = metricNamed(widget, metricName, stat);
        expect({ metricName, stat, namespace: metric?.namespace, dimensions: metric?.dimensions }).toEqual({
          metricName,
          stat,
          namespace: 'AWS/SageMaker',
          dimensions: endpointDimensions,
        });
      }
    });

    it('charts the metric each serving alarm watches', () => {
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter(
        (alarm) => alarm.Properties.Namespace === 'AWS/SageMaker',
      );
      expect(alarms.map((alarm) => alarm.Properties.MetricName).sort()).toEqual([
        'Invocation5XXErrors',
        'ModelLatency',
      ]);
      const charted = dashboard.widgets.flatMap(chartedMetrics);
      for (const alarm of alarms) {
        const dimensions = Object.fromEntries(
          (alarm.Properties.Dimensions as { Name: string; Value: string }[]).map((d) => [d.Name, d.Value]),
        );
        expect(charted).toContainEqual(
          expect.objectContaining({ namespace: 'AWS/SageMaker', metricName: alarm.Properties.MetricName, dimensions }),
        );
      }
    });

    it('charts the PSI of every drift feature with the namespace, dimensions and period its alarm watches', () => {
      const psiAlarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter(
        (alarm) => alarm.Properties.MetricName === 'Psi',
      );
      expect(psiAlarms).toHaveLength(5);
      const widget = widgetTitled(dashboard, 'Drift');
      const charted = metricNamed(widget, 'Psi');
      const fromAlarms = psiAlarms.map((alarm) => ({
        namespace: alarm.Properties.Namespace as string,
        dimensions: Object.fromEntries(
          (alarm.Properties.Dimensions as { Name: string; Value: string }[]).map((d) => [d.Name, d.Value]),
        ),
        stat: alarm.Properties.Statistic as string,
        period: alarm.Properties.Period as number,
      }));
      const fromDashboard = charted.map((metric) => ({
        namespace: metric.namespace,
        dimensions: metric.dimensions,
        stat: metric.options.stat,
        period: metric.options.period,
      }));
      const byFeature = (a: { dimensions: Record<string, string> }, b: { dimensions: Record<string, string> }) =>
        a.dimensions.Feature.localeCompare(b.dimensions.Feature);
      expect(fromDashboard.sort(byFeature)).toEqual(fromAlarms.sort(byFeature));
      expect(fromDashboard.map((metric) => metric.dimensions.Feature).sort()).toEqual(
        ['age', 'debt_ratio', 'income', 'region', 'sex'].sort(),
      );
      expect(fromDashboard[0]).toMatchObject({
        namespace: 'Warden',
        dimensions: { ModelName: model, EndpointName: names.endpoint(model) },
      });
      expect(widget.properties.annotations?.horizontal).toEqual([expect.objectContaining({ value: 0.2 })]);
    });

    it('charts the bias gate metrics check-bias publishes, in the namespace and service of its function, from the primary region', () => {
      const checkBias = Object.values(controlPlane.findResources('AWS::Lambda::Function')).find((fn) =>
        String(fn.Properties.Description).startsWith('Warden check-bias'),
      );
      const environment = checkBias?.Properties.Environment.Variables as Record<string, string>;
      const widget = widgetTitled(dashboard, 'Bias gates');
      expect(widget.properties.region).toBe(PRIMARY);
      for (const metricName of ['PreTrainingBiasFailures', 'PostTrainingBiasFailures']) {
        const charted = metricNamed(widget, metricName);
        expect(charted.map((metric) => metric.options.stat).sort()).toEqual(['SampleCount', 'Sum']);
        for (const metric of charted) {
          expect(metric).toMatchObject({
            namespace: environment.POWERTOOLS_METRICS_NAMESPACE,
            dimensions: { service: environment.POWERTOOLS_SERVICE_NAME, ModelName: model },
          });
          expect(metric.options.region ?? widget.properties.region).toBe(PRIMARY);
        }
      }
    });

    it('charts started, succeeded and failed runs of the control plane’s remediation state machine', () => {
      const remediationName = names.remediationStateMachine(model);
      controlPlane.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: remediationName });
      const widget = widgetTitled(dashboard, 'Remediation runs');
      expect(widget.properties.region).toBe(PRIMARY);
      const charted = chartedMetrics(widget);
      expect(charted.map((metric) => metric.metricName)).toEqual([
        'ExecutionsStarted',
        'ExecutionsSucceeded',
        'ExecutionsFailed',
      ]);
      for (const metric of charted) {
        expect(metric).toMatchObject({
          namespace: 'AWS/States',
          dimensions: { StateMachineArn: `arn:aws:states:${PRIMARY}:${ACCOUNT}:stateMachine:${remediationName}` },
          options: { stat: 'Sum' },
        });
      }
    });

    it('derives the cost proxy from invocations, average model latency and the instance count', () => {
      const widget = widgetTitled(dashboard, 'Cost proxy');
      const charted = chartedMetrics(widget);
      const expressions = charted.map((metric) => metric.options.expression).filter((e) => e !== undefined);
      expect(expressions).toEqual([
        '1000 * 2 * PERIOD(invocations) / 3600 / invocations',
        '100 * invocations * latency / 1000000 / (2 * PERIOD(invocations))',
      ]);
      const inputs = charted.filter((metric) => metric.options.id !== undefined);
      expect(
        inputs.map(({ metricName, namespace, dimensions, options }) => ({
          metricName,
          namespace,
          dimensions,
          options,
        })),
      ).toEqual([
        {
          metricName: 'Invocations',
          namespace: 'AWS/SageMaker',
          dimensions: endpointDimensions,
          options: { id: 'invocations', visible: false, stat: 'Sum' },
        },
        // Average is the dashboard's default statistic, so the body leaves it out.
        {
          metricName: 'ModelLatency',
          namespace: 'AWS/SageMaker',
          dimensions: endpointDimensions,
          options: { id: 'latency', visible: false },
        },
      ]);
    });

    it('shows the state of every alarm of the family in this region', () => {
      const alarmIds = Object.keys({
        ...template.findResources('AWS::CloudWatch::Alarm'),
        ...template.findResources('AWS::CloudWatch::CompositeAlarm'),
      });
      expect(alarmIds).toHaveLength(8);
      const widget = dashboard.widgets.find((candidate) => candidate.type === 'alarm') as Widget;
      expect([...(widget.properties.alarms ?? [])].sort()).toEqual(alarmIds.map((id) => `<${id}.Arn>`).sort());
    });
  });
});

/** One family served in the secondary region, outside WardenStacks. */
function servingStack(options: { context?: Record<string, unknown>; props?: Partial<WardenServingProps> } = {}) {
  const app = new App({ context: options.context });
  const stack = new Stack(app, 'Serving', { env: { account: ACCOUNT, region: SECONDARY } });
  const serving = new WardenServing(stack, 'CreditRisk', {
    modelName: model,
    primaryRegion: PRIMARY,
    deployment: family.deployment,
    image: family.inferenceImage,
    contract: family.contract,
    labelColumn: family.bias.label,
    drift: family.drift,
    artifactsBucket: s3.Bucket.fromBucketName(stack, 'Artifacts', 'warden-artifacts'),
    encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }),
    ...options.props,
  });
  return { serving, template: Template.fromStack(stack) };
}

describe('turning the dashboard off', () => {
  it('leaves it out with dashboard: false', () => {
    const { serving, template } = servingStack({ props: { dashboard: false } });
    expect(serving.dashboard).toBeUndefined();
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  });

  it.each([false, 'false'])('leaves it out where the context says warden:dashboard=%p', (value) => {
    const { serving, template } = servingStack({ context: { 'warden:dashboard': value } });
    expect(serving.dashboard).toBeUndefined();
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  });

  it('keeps it when the prop asks for it, whatever the context says', () => {
    const { serving, template } = servingStack({ context: { 'warden:dashboard': false }, props: { dashboard: true } });
    expect(serving.dashboard).toBeInstanceOf(WardenDashboard);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});

describe('WardenDashboard', () => {
  it('follows the family’s deployment settings: variant name and instance count', () => {
    const { template } = servingStack({
      props: { deployment: { ...family.deployment, variantName: 'blue', instanceCount: 4 } },
    });
    const [dashboard] = dashboardsOf(template, SECONDARY);
    const latency = metricNamed(widgetTitled(dashboard, 'Model latency'), 'ModelLatency');
    expect(latency.map((metric) => metric.dimensions.VariantName)).toEqual(['blue', 'blue']);
    const expressions = chartedMetrics(widgetTitled(dashboard, 'Cost proxy')).map((m) => m.options.expression);
    expect(expressions).toContain('1000 * 4 * PERIOD(invocations) / 3600 / invocations');
  });

  it('on its own, charts the family’s stable endpoint and leaves out the drift and alarm widgets it has nothing for', () => {
    const app = new App();
    const stack = new Stack(app, 'Dashboards', { env: { account: ACCOUNT, region: 'eu-central-1' } });
    new WardenDashboard(stack, 'Churn', { modelName: 'churn', primaryRegion: PRIMARY });
    const [dashboard] = dashboardsOf(Template.fromStack(stack), 'eu-central-1');
    expect(dashboard.name).toBe('warden-churn-eu-central-1');
    expect(dashboard.widgets.map((widget) => widget.type)).not.toContain('alarm');
    expect(dashboard.widgets.map((widget) => widget.properties.title)).toEqual([
      undefined,
      'Invocations per variant',
      'Model latency',
      'Errors',
      'Cost proxy',
      `Bias gates (${PRIMARY})`,
      `Remediation runs (${PRIMARY})`,
    ]);
    const [invocations] = metricNamed(widgetTitled(dashboard, 'Invocations'), 'Invocations');
    expect(invocations.dimensions).toEqual({ EndpointName: 'warden-churn', VariantName: 'live' });
  });

  it('offers metric helpers that back alarms in the control-plane region', () => {
    const app = new App();
    const stack = new Stack(app, 'Ops', { env: { account: ACCOUNT, region: PRIMARY } });
    const dashboard = new WardenDashboard(stack, 'Dashboard', { modelName: model, primaryRegion: PRIMARY });
    new cloudwatch.Alarm(stack, 'RemediationFailed', {
      metric: dashboard.metricRemediationsFailed(),
      threshold: 1,
      evaluationPeriods: 1,
    });
    new cloudwatch.Alarm(stack, 'PostTrainingBias', {
      metric: dashboard.metricPostTrainingBiasFailures(),
      threshold: 1,
      evaluationPeriods: 1,
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsFailed',
      Statistic: 'Sum',
      Period: 3600,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Warden',
      MetricName: 'PostTrainingBiasFailures',
      Dimensions: [
        { Name: 'ModelName', Value: model },
        { Name: 'service', Value: 'warden' },
      ],
    });
    const psiDimensions = dashboard.metricPsi('age').toMetricConfig().metricStat?.dimensions ?? [];
    expect([...psiDimensions].sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'EndpointName', value: names.endpoint(model) },
      { name: 'Feature', value: 'age' },
      { name: 'ModelName', value: model },
    ]);
  });

  it('rejects invalid props with every problem in one error', () => {
    const stack = new Stack(new App(), 'Invalid', { env: { account: ACCOUNT, region: PRIMARY } });
    expect(
      () =>
        new WardenDashboard(stack, 'Dashboard', {
          modelName: model,
          primaryRegion: PRIMARY,
          instanceCount: 0,
          dashboardName: 'has spaces',
          psiThreshold: 0,
        }),
    ).toThrow(
      `Invalid WardenDashboard props for ${model}: instanceCount must be a positive integer; ` +
        'dashboardName must be 1-255 letters, digits, dashes or underscores; psiThreshold must be positive.',
    );
  });
});
