/**
 * Well-formed events of the handlers that act on their event alone (no table to read), as the state machines, streams
 * and rules send them — with small variations that reach their error paths. {@link hostileEvents} turns each into the
 * fuzz suite's events; values that must refer to the suite's fixtures (model, buckets, state machines) come from the
 * caller.
 */
import fc from 'fast-check';
import { hostileValue } from './handlers-hostile';

const REGIONS = ['us-east-1', 'eu-west-1', 'ap-south-1', 'us-gov-west-1', 'mars-1'] as const;
const shortText = fc.string({ minLength: 1, maxLength: 8 });
const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const version = fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constantFrom(0, -1, 1.5, 9_999_999_999, 10_000_000_000));
const iso = fc.constantFrom(
  '2025-03-01T12:00:00Z',
  '2025-03-01T12:00:00.123+02:00',
  '2025-13-45T00:00:00Z',
  'soon',
  '',
);
/** Mostly plausible, now and then a hostile leaf deep inside the event, where the top-level mutations cannot reach. */
const leaf = <T>(plausible: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 9, arbitrary: plausible }, { weight: 1, arbitrary: hostileValue });

export function appendAuditEvents(): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(
    {
      stream: leaf(fc.constantFrom('fuzz-a', 'fuzz-b', 'fuzz/c d')),
      actor: leaf(fc.constantFrom('warden/training', 'warden/remediate', 'a')),
      action: leaf(fc.constantFrom('model.registered', 'remediation.suppressed', 'x')),
      subject: leaf(fc.constantFrom('credit/v1', 's')),
      detail: leaf(fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 })),
    },
    { requiredKeys: ['actor', 'action', 'subject', 'detail'] },
  );
}

export function anchorAuditEvents(): fc.Arbitrary<Record<string, unknown>> {
  const image = fc.record(
    {
      stream: leaf(fc.record({ S: leaf(fc.constantFrom('fuzz-anchor', 'a/b', '..', '__proto__')) })),
      seq: leaf(fc.record({ N: leaf(fc.constantFrom('1', '2', '0', '-1', '1e999', 'NaN', '9007199254740993')) })),
      hash: leaf(fc.record({ S: leaf(hex64) })),
      at: leaf(fc.record({ S: leaf(fc.constantFrom('2025-03-01T12:00:00.000Z', '')) })),
    },
    { requiredKeys: [] },
  );
  const record = fc.record({
    eventName: leaf(fc.constantFrom('INSERT', 'INSERT', 'MODIFY', 'REMOVE')),
    dynamodb: leaf(
      fc.record(
        {
          SequenceNumber: leaf(fc.integer({ min: 1, max: 1e9 }).map(String)),
          Keys: leaf(fc.record({ stream: fc.record({ S: shortText }), seq: fc.record({ N: fc.constant('1') }) })),
          NewImage: leaf(image),
        },
        { requiredKeys: ['SequenceNumber'] },
      ),
    ),
  });
  return fc.record({ Records: leaf(fc.array(record, { maxLength: 4 })) });
}

export function decideRemediationEvents(model: string): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(
    {
      alarmName: leaf(
        fc.constantFrom(
          `warden-${model}-drift`,
          `warden-${model}-drift-age`,
          `warden-${model}-us-east-1-quality`,
          `warden-${model}-us-east-1-5xx`,
          `warden-${model}-eu-west-1-deployment`,
          `warden-${model}-us-east-1-latency`,
          'warden-other-drift',
          '',
        ),
      ),
      region: leaf(fc.constantFrom(...REGIONS)),
      correlationId: leaf(shortText),
      state: leaf(fc.constantFrom('ALARM', 'ALARM', 'OK', 'INSUFFICIENT_DATA', 'BROKEN')),
      at: leaf(iso),
      endpointName: leaf(fc.constantFrom(`warden-${model}`, 'missing-endpoint', '-bad-')),
    },
    { requiredKeys: ['alarmName', 'region', 'correlationId', 'state'] },
  );
}

export function recordLineageEvents(): fc.Arbitrary<Record<string, unknown>> {
  const attributes = fc.record(
    {
      status: leaf(fc.constantFrom('Registered', 'Blocked', 'Failed', 'Deployed', 'RolledBack', 'Nope')),
      region: leaf(fc.constantFrom(...REGIONS)),
      endpointConfigName: leaf(fc.constantFrom('cfg-1', 'cfg-2', '')),
      datasetSha256: leaf(fc.oneof(hex64, fc.constant('short'))),
      note: leaf(fc.jsonValue({ maxDepth: 2 })),
    },
    { requiredKeys: [] },
  );
  return fc.record(
    {
      kind: leaf(fc.constantFrom('register', 'dataset', 'deployment', 'rollback', 'rollout', 'status', 'other')),
      correlationId: leaf(shortText),
      modelVersion: leaf(version),
      attributes: leaf(attributes),
    },
    { requiredKeys: ['kind', 'correlationId', 'attributes'] },
  );
}

export function reportDeploymentEvents(): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(
    {
      outcome: leaf(fc.constantFrom('Succeeded', 'RolledBack', 'Failed', 'Maybe')),
      request: leaf(
        fc.record(
          { taskToken: leaf(fc.constantFrom('token-1', 'gone', '')), correlationId: leaf(shortText) },
          { requiredKeys: [] },
        ),
      ),
      region: leaf(fc.constantFrom(...REGIONS)),
      modelVersion: leaf(version),
      serving: leaf(fc.jsonValue({ maxDepth: 2 })),
      error: leaf(
        fc.record({ Error: leaf(shortText), Cause: leaf(fc.string({ maxLength: 20 })) }, { requiredKeys: [] }),
      ),
    },
    { requiredKeys: ['outcome', 'request', 'region', 'modelVersion'] },
  );
}

export function startRegionalDeploymentEvents(): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(
    {
      mode: leaf(fc.constantFrom('deploy', 'rollback', 'destroy')),
      // Mostly the regions that have a deploy state machine, so that the start itself is reached.
      region: leaf(fc.constantFrom('us-east-1', 'eu-west-1', ...REGIONS)),
      modelVersion: leaf(version),
      correlationId: leaf(shortText),
      taskToken: leaf(fc.string({ minLength: 1, maxLength: 12 })),
      modelDataUrl: leaf(fc.constantFrom('s3://warden-artifacts/models/v1/model.tar.gz', '')),
      image: leaf(fc.constantFrom('123456789012.dkr.ecr.us-east-1.amazonaws.com/serve:1', '')),
      endpointConfigName: leaf(fc.constantFrom('cfg-1', '')),
      wave: leaf(fc.integer({ min: -1, max: 3 })),
    },
    { requiredKeys: ['mode', 'region', 'modelVersion', 'correlationId', 'taskToken'] },
  );
}

export function startTrainingEvents(model: string, bucket: string): fc.Arbitrary<Record<string, unknown>> {
  const key = leaf(
    fc.constantFrom(
      `incoming/${model}/data.csv`,
      `incoming/${model}/missing.csv`,
      `incoming/${model}/fresh/new.csv`,
      'incoming/other/data.csv',
      '',
    ),
  );
  const objectCreated = fc.record({
    source: leaf(fc.constant('aws.s3')),
    'detail-type': leaf(fc.constant('Object Created')),
    id: leaf(shortText),
    detail: leaf(
      fc.record({
        bucket: leaf(fc.record({ name: leaf(fc.constantFrom(bucket, 'other-bucket', 'X')) })),
        object: leaf(
          fc.record(
            { key, size: leaf(fc.integer({ min: -1, max: 1e6 })), etag: leaf(shortText) },
            { requiredKeys: ['key'] },
          ),
        ),
      }),
    ),
  });
  const retrain = fc.record({
    source: leaf(fc.constant('warden')),
    'detail-type': leaf(fc.constant('Warden Retrain Requested')),
    id: leaf(shortText),
    detail: leaf(
      fc.record(
        {
          modelName: leaf(fc.constantFrom(model, 'other')),
          region: leaf(fc.constantFrom(...REGIONS)),
          correlationId: leaf(shortText),
          reason: leaf(shortText),
          alarmName: leaf(shortText),
          dataset: leaf(fc.record({ bucket: leaf(fc.constantFrom(bucket, 'other-bucket')), key })),
        },
        { requiredKeys: ['modelName', 'region', 'correlationId', 'reason'] },
      ),
    ),
  });
  return fc.oneof(objectCreated, retrain);
}
