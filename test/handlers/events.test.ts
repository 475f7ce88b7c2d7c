/**
 * The `warden` event schemas: they accept the details the state machines and handlers put, `putWardenEvent` refuses a
 * detail its schema does not (with a recording EventBridge stand-in), and the JSON Schemas in docs/events/ are the
 * ones generated from the zod schemas (run with WARDEN_UPDATE_EVENT_SCHEMAS=1 to regenerate them).
 */
import './harness/quiet';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import * as library from '../../lib';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  putWardenEvent,
  WARDEN_EVENT_SCHEMAS,
  WardenEventSchema,
  type WardenEventDetail,
} from '../../lambdas/shared/events';

const DOCS = join(__dirname, '..', '..', 'docs', 'events');
const base = { modelName: 'credit', region: 'us-east-1', correlationId: 'run-1' };

/** Details exactly as the state machines (statemachines/*.asl.json) and handlers put them. */
const SAMPLES: Record<keyof typeof WARDEN_EVENT_SCHEMAS, object> = {
  'Warden Dataset Validated': {
    ...base,
    dataset: { bucket: 'data', key: 'incoming/credit/a.csv', sha256: 'c'.repeat(64) },
    passed: true,
    rows: 10,
    violations: 0,
    reportKey: 'reports/credit/c/validation.json',
    baselineKey: 'baselines/credit/c.wbp',
  },
  'Warden Bias Gate Failed': {
    ...base,
    stage: 'pre',
    failed: ['DPL'],
    reportKey: 'r',
    dataset: { bucket: 'data', key: 'incoming/credit/a.csv' },
  },
  'Warden Model Registered': {
    ...base,
    modelVersion: 2,
    modelPackageArn: 'arn:aws:sagemaker:us-east-1:1:model-package/x/2',
  },
  'Warden Deployment Succeeded': {
    ...base,
    modelVersion: 2,
    endpointName: 'warden-credit',
    endpointConfigName: 'cfg-2',
  },
  'Warden Deployment Rolled Back': {
    ...base,
    modelVersion: 2,
    endpointName: 'warden-credit',
    endpointConfigName: 'cfg-1',
    reason: 'canary-alarm',
  },
  'Warden Drift Detected': {
    ...base,
    modelVersion: 1,
    endpointName: 'warden-credit',
    drifted: ['age'],
    reportKey: 'r',
    window: { start: '2025-03-01T11:00:00.000Z', end: '2025-03-01T12:00:00.000Z' },
  },
  'Warden Retrain Requested': { ...base, alarmName: 'warden-credit-drift', reason: 'drift alarm warden-credit-drift' },
  'Warden Remediation Suppressed': { ...base, alarmName: 'warden-credit-drift', reason: 'cooldown' },
  'Warden Approval Requested': {
    ...base,
    modelPackageArn: 'arn:aws:sagemaker:us-east-1:1:model-package/warden-credit/2',
    trainingJobName: 'credit-0a1b2c3d-0',
    evaluation: {
      model: { passed: true, metrics: { auc: 0.81 } },
      postTrainingBias: { verdict: 'pass', failed: [], reportKey: 'reports/credit/c/bias-post.json' },
    },
    taskToken: 'AQB8AAAAKgAAAAMAAAAA',
  },
};

function fileName(detailType: string): string {
  return `${detailType.toLowerCase().replace(/\s+/g, '-')}.schema.json`;
}

describe('warden events', () => {
  it.each(Object.keys(SAMPLES))('accepts a "%s" event as it is put', (detailType) => {
    const event = { source: 'warden', 'detail-type': detailType, detail: SAMPLES[detailType as keyof typeof SAMPLES] };
    expect(WardenEventSchema.safeParse(event).success).toBe(true);
    const withoutId = Object.fromEntries(
      Object.entries(SAMPLES[detailType as keyof typeof SAMPLES]).filter(([name]) => name !== 'correlationId'),
    );
    expect(WardenEventSchema.safeParse({ ...event, detail: withoutId }).success).toBe(false);
  });

  it('puts a valid detail and refuses an invalid one before it reaches the bus, with a recording EventBridge stand-in', async () => {
    const sent: Record<string, unknown>[] = [];
    const recording = {
      send: async (command: { input: Record<string, unknown> }) => {
        sent.push(command.input);
        return { FailedEntryCount: 0, Entries: [{ EventId: 'id-1' }] };
      },
    } as unknown as EventBridgeClient;
    const detail = SAMPLES['Warden Drift Detected'] as WardenEventDetail<'Warden Drift Detected'>;
    expect(await putWardenEvent(recording, 'Warden Drift Detected', detail, { eventBus: 'bus' })).toBe('id-1');
    expect(sent).toMatchObject([
      { Entries: [{ Source: 'warden', DetailType: 'Warden Drift Detected', EventBusName: 'bus' }] },
    ]);
    const entries = sent[0].Entries as { Detail: string }[];
    expect(JSON.parse(entries[0].Detail)).toEqual(detail);
    const incomplete = { ...base } as unknown as WardenEventDetail<'Warden Drift Detected'>;
    await expect(putWardenEvent(recording, 'Warden Drift Detected', incomplete)).rejects.toThrow(
      /Invalid "Warden Drift Detected" detail/,
    );
    expect(sent).toHaveLength(1);
    const rejecting = {
      send: async () => ({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'AccessDenied', ErrorMessage: 'no' }] }),
    } as unknown as EventBridgeClient;
    const suppressed = SAMPLES['Warden Remediation Suppressed'] as WardenEventDetail<'Warden Remediation Suppressed'>;
    await expect(putWardenEvent(rejecting, 'Warden Remediation Suppressed', suppressed)).rejects.toThrow(
      /AccessDenied/,
    );
  });

  it('exports the schemas from the package, for rules and consumers in users’ apps', () => {
    expect(library.WARDEN_EVENT_SCHEMAS).toBe(WARDEN_EVENT_SCHEMAS);
    expect(library.WardenEventSchema).toBe(WardenEventSchema);
    expect(Object.keys(library.WARDEN_EVENT_SCHEMAS)).toEqual(Object.keys(SAMPLES));
  });

  it('documents every detail-type with the JSON Schema generated from its zod schema', () => {
    const update = process.env.WARDEN_UPDATE_EVENT_SCHEMAS === '1';
    if (update) mkdirSync(DOCS, { recursive: true });
    for (const [detailType, schema] of Object.entries(WARDEN_EVENT_SCHEMAS)) {
      const generated = { title: detailType, ...z.toJSONSchema(schema) };
      const path = join(DOCS, fileName(detailType));
      if (update) writeFileSync(path, `${JSON.stringify(generated, null, 2)}\n`);
      // Compared as JSON, not text: the files are formatted by Prettier.
      expect(existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined).toEqual(generated);
    }
  });
});
