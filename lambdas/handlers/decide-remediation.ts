/**
 * `decide-remediation`: what the remediation state machine does about an alarm (docs/wiring.md).
 *
 * - Drift alarms → `retrain`.
 * - Serving-health alarms (`quality`, `5xx`, `deployment`) → `rollback` to the last known good endpoint config of the
 *   region, when the endpoint is in service on a different one. While the endpoint is updating its deployment
 *   guardrails own the alarm; when it already serves the last good config, the version before that is the target.
 * - Anything that cannot or must not be acted on → `suppressed`, with the reason; so is every action the brakes
 *   (single-flight lock, cooldown, daily cap, suggest-only) hold back. The state machine records suppressions in the
 *   audit chain and as `Warden Remediation Suppressed` events.
 */
import * as z from 'zod';
import { alarmKind, type AlarmKind } from '../core/alarms';
import type { LineageRepository, LiveVersion } from '../ledger/lineage-repository';
import { RemediationBrakes } from '../ledger/remediation-brakes';
import { config, type WardenConfig } from '../shared/config';
import { describeEndpoint } from '../shared/endpoints';
import { InputError } from '../shared/errors';
import { AlarmName, AwsRegion, CorrelationId, EndpointName } from '../shared/fields';
import { wardenHandler } from '../shared/handler';
import { logger, metrics, MetricUnit } from '../shared/logger';
import { dynamoDbClient, lineageRepository } from './support/ledger';

export const DecideRemediationInput = z.object({
  alarmName: AlarmName,
  /** Region of the alarm (and of the endpoint it watches). */
  region: AwsRegion,
  /** The remediation execution; it becomes the brake lock's owner. */
  correlationId: CorrelationId,
  /** The alarm's new state (`detail.state.value`). */
  state: z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']),
  /** When the alarm changed state (the event's `time`). @default now */
  at: z.iso.datetime({ offset: true }).optional(),
  /** The endpoint the alarm watches. @default WARDEN_ENDPOINT_NAME, or `warden-<model>` */
  endpointName: EndpointName.optional(),
});
export type DecideRemediationInput = z.infer<typeof DecideRemediationInput>;

export type RemediationDecision =
  | { action: 'rollback'; reason: string; alarmKind: AlarmKind; region: string; lastGood: LiveVersion }
  | { action: 'retrain'; reason: string; alarmKind: AlarmKind; region: string }
  | {
      action: 'suppressed';
      reason: string;
      alarmKind: AlarmKind;
      region: string;
      /** What would have been done, had a brake not held it back. */
      suggested?: 'rollback' | 'retrain';
    };

/** Version items record, per region, the live version they replaced (see record-lineage). */
const PreviousLive = z.object({
  previousLive: z.record(z.string(), z.object({ modelVersion: z.number(), endpointConfigName: z.string() })),
});

export const handler = wardenHandler(
  'decide-remediation',
  DecideRemediationInput,
  async (input): Promise<RemediationDecision> => {
    const cfg = config();
    const kind = alarmKind(input.alarmName, cfg.modelName);
    if (kind === undefined) {
      throw new InputError(`"${input.alarmName}" is not a Warden alarm of model ${cfg.modelName}.`);
    }
    const decision = await decide(cfg, input, kind);
    if (decision.action !== 'suppressed') {
      const brakes = new RemediationBrakes(
        dynamoDbClient(cfg.ledgerRegion),
        cfg.lineageTable,
        cfg.modelName,
        cfg.brakes,
      );
      const now = input.at === undefined ? new Date() : new Date(input.at);
      const grant = await brakes.acquire(now, input.correlationId);
      if (!grant.granted) {
        return suppressed({
          action: 'suppressed',
          reason: grant.reason,
          alarmKind: decision.alarmKind,
          region: decision.region,
          suggested: decision.action,
        });
      }
    }
    if (decision.action === 'suppressed') return suppressed(decision);
    metrics.addMetric('Remediations', MetricUnit.Count, 1);
    logger.info('remediation decided', { action: decision.action, reason: decision.reason });
    return decision;
  },
);

function suppressed(decision: Extract<RemediationDecision, { action: 'suppressed' }>): RemediationDecision {
  metrics.addMetric('RemediationsSuppressed', MetricUnit.Count, 1);
  logger.info('remediation suppressed', { reason: decision.reason, suggested: decision.suggested });
  return decision;
}

async function decide(cfg: WardenConfig, input: DecideRemediationInput, kind: AlarmKind): Promise<RemediationDecision> {
  const base = { alarmKind: kind, region: input.region };
  if (input.state !== 'ALARM') {
    return { ...base, action: 'suppressed', reason: `the alarm is ${input.state}, not ALARM` };
  }
  if (kind === 'drift') return { ...base, action: 'retrain', reason: `drift alarm ${input.alarmName}` };
  if (kind === 'latency') {
    return {
      ...base,
      action: 'suppressed',
      reason: 'latency is a capacity problem: neither rollback nor retrain helps',
    };
  }
  const endpointName = input.endpointName ?? cfg.endpointName;
  const endpoint = await describeEndpoint(input.region, endpointName);
  if (endpoint === undefined) {
    return { ...base, action: 'suppressed', reason: `endpoint ${endpointName} does not exist in ${input.region}` };
  }
  if (endpoint.status !== 'InService') {
    return {
      ...base,
      action: 'suppressed',
      reason: `endpoint ${endpointName} is ${endpoint.status}: its deployment guardrails handle the alarm`,
    };
  }
  const lastGood = await rollbackTarget(lineageRepository(cfg), input.region, endpoint.configName);
  if (lastGood === undefined) {
    return { ...base, action: 'suppressed', reason: `no earlier good version to roll back to in ${input.region}` };
  }
  return {
    ...base,
    action: 'rollback',
    reason: `${kind} alarm ${input.alarmName} on ${endpoint.configName}`,
    lastGood: { modelVersion: lastGood.modelVersion, endpointConfigName: lastGood.endpointConfigName },
  };
}

/**
 * The live pointer when the endpoint serves something else (a deployment that went bad after it was recorded); when it
 * serves the live config itself, the version that config replaced.
 */
async function rollbackTarget(
  lineage: LineageRepository,
  region: string,
  currentConfig: string,
): Promise<LiveVersion | undefined> {
  const live = await lineage.getLive(region);
  if (live === undefined) return undefined;
  if (live.endpointConfigName !== currentConfig) return live;
  const version = await lineage.getVersion(live.modelVersion);
  const recorded = PreviousLive.safeParse(version);
  const previous = recorded.success ? recorded.data.previousLive[region] : undefined;
  return previous !== undefined && previous.endpointConfigName !== currentConfig ? previous : undefined;
}
