/**
 * Defects the handler fuzz suite found and that are fixed, each as the smallest event that showed it (with the
 * configuration and objects that let it reach the failing call) and the answer its handler gives now. The suite invokes
 * each under its strict checks (a result or a Warden error, logs that format, results that survive JSON) and expects
 * that answer, so that a fixed defect cannot come back unnoticed where a random run might miss it. The Warden error is
 * mostly `Warden.InputError`: a value the service would refuse is refused at the edge, before anything is written.
 */
import { creditRiskFamily } from '../../../examples/credit-risk/family';
import type { KnownDefect } from './handlers-known';

/** A defect as it was pinned while known (its example, configuration and objects), now with the answer of its fix. */
export interface FixedDefect extends Pick<KnownDefect, 'id' | 'handler' | 'example' | 'env' | 'objects'> {
  /** What the handler did with the example before the fix. */
  readonly was: string;
  /** `ok`, or the name of the Warden error. */
  readonly answer: string;
}

const KIB_256 = 256 * 1024;

/** `{"a":{"a":…1…}}` nested `levels` deep, as `JSON.parse` returns it. */
function nested(levels: number): unknown {
  return JSON.parse(`${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`) as unknown;
}

/** An audit append of `detail` (and any field replaced by `fields`). */
function auditEvent(detail: unknown, fields: Record<string, unknown> = {}) {
  return { stream: 'fixed', actor: 'a', action: 'b', subject: 'c', detail, ...fields };
}

const REFUSED = 'Warden.InputError';
const PRIMARY = { WARDEN_PRIMARY_REGION: 'us-east-1' };
const TRAINING = {
  WARDEN_MODEL_NAME: 'fuzz-training',
  WARDEN_TRAINING_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:1:stateMachine:t',
  WARDEN_DATA_BUCKET: 'warden-data',
};

const AUDIT: FixedDefect[] = [
  {
    id: 'constructor-key',
    handler: 'append-audit',
    was: 'an own "constructor" key was marshalled by its constructor.name: stored as "[object Object]", chain broken',
    example: auditEvent(JSON.parse('{"note": {"constructor": {"name": "String"}}}')),
    answer: REFUSED,
  },
  {
    id: 'audit-entry-size',
    handler: 'append-audit',
    was: 'an entry over 400 KB failed with DynamoDB ValidationException (Item size has exceeded the maximum)',
    example: auditEvent({}, { action: 'x'.repeat(500_000) }),
    answer: REFUSED,
  },
  {
    id: 'audit-entry-size',
    handler: 'append-audit',
    was: 'a stream over the 2048-byte partition key failed with DynamoDB ValidationException',
    example: auditEvent({}, { stream: 's'.repeat(3000) }),
    answer: REFUSED,
  },
  {
    id: 'attribute-name-size',
    handler: 'append-audit',
    was: 'a detail key over 64 KiB failed with DynamoDB ValidationException (Attribute name is too large)',
    example: auditEvent({ ['k'.repeat(70_000)]: 1 }),
    answer: REFUSED,
  },
  {
    id: 'logged-keys',
    handler: 'anchor-audit',
    was: "the Keys of a removed entry were logged as they came: nested too deep, the logger's JSON.stringify threw",
    example: { Records: [{ eventName: 'REMOVE', dynamodb: { SequenceNumber: '1', Keys: nested(10_000) } }] },
    answer: 'ok',
  },
];

const LINEAGE: FixedDefect[] = [
  {
    id: 'constructor-key',
    handler: 'record-lineage',
    was: 'an own "constructor" key was marshalled by its constructor.name: ValidationException',
    example: {
      kind: 'register',
      correlationId: 'fixed-constructor',
      attributes: JSON.parse('{"note": {"constructor": {"name": "Number"}}}'),
    },
    answer: REFUSED,
  },
  {
    id: 'unstorable-attributes',
    handler: 'record-lineage',
    was: 'an integer beyond 2^53 failed in the marshaller (Number … is greater than Number.MAX_SAFE_INTEGER)',
    example: { kind: 'dataset', correlationId: 'fixed-unstorable', attributes: { count: 2 ** 60 } },
    answer: REFUSED,
  },
  {
    id: 'unstorable-attributes',
    handler: 'record-lineage',
    was: 'a nested own "__proto__" key was dropped by the marshaller (Supplied AttributeValue is empty)',
    example: {
      kind: 'dataset',
      correlationId: 'fixed-proto',
      attributes: { note: JSON.parse('{"__proto__": {"x": 1}}') },
    },
    answer: REFUSED,
  },
  {
    id: 'unstorable-attributes',
    handler: 'record-lineage',
    was: 'an empty livePk on a dataset record reached the index key (Invalid attribute value type)',
    example: { kind: 'dataset', correlationId: 'fixed-live-pk', attributes: { livePk: '' } },
    answer: REFUSED,
  },
  {
    id: 'correlation-id',
    handler: 'record-lineage',
    was: 'a lone surrogate in the correlationId of a dataset record made encodeURIComponent throw URIError',
    example: { kind: 'dataset', correlationId: '\uD800', attributes: {} },
    answer: REFUSED,
  },
  {
    id: 'correlation-id',
    handler: 'record-lineage',
    was: 'a correlationId over about 1 KB made the sort key too long for DynamoDB (ValidationException)',
    example: { kind: 'dataset', correlationId: 'c'.repeat(2000), attributes: {} },
    answer: REFUSED,
  },
  {
    id: 'sha-message',
    handler: 'record-lineage',
    was: 'a datasetSha256 whose toString is not a function made the message throw TypeError',
    example: {
      kind: 'register',
      correlationId: 'fixed-sha',
      attributes: { datasetSha256: JSON.parse('{"toString": 1, "valueOf": {}}') },
    },
    answer: REFUSED,
  },
];

const DEPLOYMENT: FixedDefect[] = [
  {
    id: 'endpoint-name',
    handler: 'decide-remediation',
    was: 'an endpointName SageMaker refuses made DescribeEndpoint fail with a ValidationException, rethrown as is',
    example: {
      alarmName: 'warden-fuzz-remediation-us-east-1-quality',
      region: 'us-east-1',
      correlationId: 'fixed-endpoint-name',
      state: 'ALARM',
      endpointName: '-bad-',
    },
    env: { WARDEN_MODEL_NAME: 'fuzz-remediation' },
    answer: REFUSED,
  },
  {
    id: 'task-answer-limits',
    handler: 'report-deployment',
    was: 'a serving description over 256 KiB failed SendTaskSuccess with InvalidOutput',
    example: {
      outcome: 'Succeeded',
      request: { taskToken: 'token' },
      region: 'us-east-1',
      modelVersion: 1,
      serving: Array.from({ length: 100_000 }, (_, i) => i),
    },
    env: PRIMARY,
    answer: REFUSED,
  },
  {
    id: 'task-answer-limits',
    handler: 'report-deployment',
    was: 'a task token over 2048 characters failed SendTaskFailure with ValidationException',
    example: { outcome: 'Failed', request: { taskToken: 't'.repeat(3000) }, region: 'us-east-1', modelVersion: 1 },
    env: PRIMARY,
    answer: REFUSED,
  },
  {
    id: 'task-answer-limits',
    handler: 'report-deployment',
    was: 'a serving description nested too deep made JSON.stringify throw RangeError',
    example: {
      outcome: 'Succeeded',
      request: { taskToken: 'token' },
      region: 'us-east-1',
      modelVersion: 1,
      serving: nested(10_000),
    },
    env: PRIMARY,
    answer: REFUSED,
  },
  {
    id: 'execution-input-limits',
    handler: 'start-regional-deployment',
    was: 'a request over 256 KiB (extra fields included) failed StartExecution with InvalidExecutionInput',
    example: {
      mode: 'rollback',
      region: 'us-east-1',
      modelVersion: 1,
      correlationId: 'fixed-input',
      taskToken: 't',
      endpointConfigName: 'cfg-1',
      notes: 'n'.repeat(300_000),
    },
    env: {
      WARDEN_DEPLOY_STATE_MACHINE_ARNS: JSON.stringify({ 'us-east-1': 'arn:aws:states:us-east-1:1:stateMachine:d' }),
    },
    answer: REFUSED,
  },
  {
    id: 'request-limits',
    handler: 'start-training',
    was: 'a retrain dataset bucket the S3 client refuses ("a/b") failed with the SDK\'s InvalidBucketName',
    example: {
      source: 'warden',
      'detail-type': 'Warden Retrain Requested',
      id: 'fixed-bucket',
      detail: {
        modelName: 'fuzz-training',
        region: 'us-east-1',
        correlationId: 'c',
        reason: 'r',
        dataset: { bucket: 'a/b', key: 'incoming/fuzz-training/data.csv' },
      },
    },
    env: TRAINING,
    answer: REFUSED,
  },
  {
    id: 'request-limits',
    handler: 'start-training',
    was: 'a retrain reason of 300 KB made the training request fail StartExecution with InvalidExecutionInput',
    example: {
      source: 'warden',
      'detail-type': 'Warden Retrain Requested',
      id: 'fixed-reason',
      detail: { modelName: 'fuzz-training', region: 'us-east-1', correlationId: 'c', reason: 'r'.repeat(300_000) },
    },
    env: TRAINING,
    answer: REFUSED,
  },
  {
    id: 'negative-zero-size',
    handler: 'start-training',
    was: 'an S3 event with object size -0 gave a request with sizeBytes -0, which JSON (what Step Functions receives) turns into 0',
    example: {
      source: 'aws.s3',
      'detail-type': 'Object Created',
      id: 'fixed-size',
      detail: { bucket: { name: 'warden-data' }, object: { key: 'incoming/fuzz-training/data.csv', size: -0 } },
    },
    env: TRAINING,
    answer: 'ok',
  },
];

/**
 * validate-data, check-bias and detect-drift put the event's correlationId into the detail of the event they emit; the
 * examples use the suite's fixtures (the baseline dataset, the drift model's live version).
 */
function eventDetails(): FixedDefect[] {
  const dataset = { bucket: 'warden-data', key: 'incoming/fuzz/baseline.csv' };
  const capture = JSON.stringify({
    captureData: { endpointInput: { observedContentType: 'text/csv', data: '100\n101\n102\n103', encoding: 'CSV' } },
    eventMetadata: { inferenceTime: '2025-03-01T11:30:00Z' },
  });
  const examples: (Pick<FixedDefect, 'handler' | 'env' | 'objects'> & { example: Record<string, unknown> })[] = [
    {
      handler: 'validate-data',
      example: dataset,
      env: { WARDEN_CONTRACT: JSON.stringify({ ...creditRiskFamily().contract, minRows: 0 }) },
    },
    {
      handler: 'check-bias',
      example: { ...dataset, mode: 'pre' },
      env: { WARDEN_BIAS: JSON.stringify({ label: 'label', facet: 'sex', facetValue: 'F', thresholds: { CI: 0.01 } }) },
    },
    {
      handler: 'detect-drift',
      example: { endpointName: 'fuzz-endpoint', at: '2025-03-01T12:00:00Z' },
      env: {
        WARDEN_MODEL_NAME: 'fuzz-drift',
        WARDEN_ARTIFACTS_BUCKET: 'warden-fuzz-drift',
        WARDEN_DRIFT: JSON.stringify({ columns: ['age'], captureWindowMinutes: 60 }),
      },
      objects: [
        { bucket: 'warden-fuzz-drift', key: 'capture/fuzz-endpoint/v0/2025/03/01/11/fixed.jsonl', body: capture },
      ],
    },
  ];
  return examples.map(({ example, ...rest }) => ({
    id: 'event-detail-size',
    was: 'a correlationId of 256 KiB went into the event detail: PutEvents failed with ValidationException',
    example: { ...example, correlationId: 'c'.repeat(KIB_256) },
    answer: REFUSED,
    ...rest,
  }));
}

const OBJECT_KEYS: FixedDefect[] = [
  {
    id: 'lone-surrogate-key',
    handler: 'evaluate-model',
    was: "an S3 key with a lone surrogate made the SDK's encodeURIComponent throw URIError: URI malformed",
    example: { bucket: 'warden-fuzz-transform', key: 'a\uDC00b', correlationId: 'fixed-key' },
    env: { WARDEN_EVALUATION: JSON.stringify({ label: 'label', prediction: 'prediction' }) },
    answer: REFUSED,
  },
];

export const FIXED_DEFECTS: readonly FixedDefect[] = [
  ...AUDIT,
  ...LINEAGE,
  ...DEPLOYMENT,
  ...eventDetails(),
  ...OBJECT_KEYS,
];
