/**
 * Defects the handler fuzz suite found and that are not fixed yet, each with the events it applies to and a minimal
 * reproduction. For an event its handler's schema accepts and a defect applies to, the suite checks only what must hold
 * regardless (no unhandled rejection, no prototype pollution); everything else stays strict. Each reproduction runs as
 * a test that asserts the defect is still there: once the handler is fixed that test fails, and the entry must go.
 */
import { creditRiskFamily } from '../../../examples/credit-risk/family';
import { ObjectKey } from '../../../lambdas/shared/object-store';

const SAGEMAKER_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KIB_256 = 256 * 1024;
/** Deeper than any storable value (32 levels), shallow enough to walk without recursion trouble. */
const WALK_DEPTH = 40;

export interface KnownDefect {
  readonly id: string;
  readonly handler: string;
  /** What goes wrong, for people: the input, and what the handler does instead of a result or a Warden error. */
  readonly summary: string;
  applies(event: unknown): boolean;
  /** The smallest event that shows it, and the configuration it needs besides the suite's. */
  readonly example: unknown;
  readonly env?: Readonly<Record<string, string>>;
  /**
   * The error the reproduction fails with today (`name message`); absent when it does not fail but stores a corrupted
   * entry (append-audit).
   */
  readonly shows?: RegExp;
  /** Objects the reproduction reads, written first. */
  readonly objects?: readonly { readonly bucket: string; readonly key: string; readonly body: string }[];
}

function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const name of path) {
    if (typeof current !== 'object' || current === null || !Object.prototype.hasOwnProperty.call(current, name)) {
      return undefined;
    }
    current = (current as Record<string, unknown>)[name];
  }
  return current;
}

/** Whether `test` holds for some key (with its depth, 0 at the top) or value within `value`. */
function somewhere(value: unknown, test: (key: string | undefined, item: unknown, depth: number) => boolean): boolean {
  const stack: [string | undefined, unknown, number][] = [[undefined, value, 0]];
  while (stack.length > 0) {
    const [key, item, depth] = stack.pop() as [string | undefined, unknown, number];
    if (test(key, item, depth)) return true;
    if (typeof item !== 'object' || item === null || depth >= WALK_DEPTH) continue;
    if (Array.isArray(item)) item.forEach((element) => stack.push([undefined, element, depth + 1]));
    else for (const name of Object.keys(item)) stack.push([name, (item as Record<string, unknown>)[name], depth + 1]);
  }
  return false;
}

/** UTF-8 bytes of `value` as JSON: Infinity when `JSON.stringify` cannot write it (nested too deep), 0 for nothing. */
function jsonBytes(value: unknown): number {
  try {
    return bytes(JSON.stringify(value));
  } catch {
    return Infinity;
  }
}

const bytes = (value: unknown): number => (typeof value === 'string' ? Buffer.byteLength(value) : 0);

export const KNOWN_DEFECTS: readonly KnownDefect[] = [
  {
    id: 'constructor-key',
    handler: 'append-audit',
    summary:
      'a detail with an own "constructor" key is marshalled by its constructor.name (@aws-sdk/util-dynamodb): ' +
      '{"constructor":{"name":"String"}} is stored as "[object Object]" and the append succeeds, which breaks the chain ' +
      'for good; other values throw plain errors (Unsupported type passed, data is not iterable, ValidationException)',
    applies: (event) => somewhere(field(event, 'detail'), (key) => key === 'constructor'),
    example: {
      stream: 'known-constructor',
      actor: 'a',
      action: 'b',
      subject: 'c',
      detail: JSON.parse('{"note": {"constructor": {"name": "String"}}}') as unknown,
    },
  },
  {
    id: 'audit-entry-size',
    handler: 'append-audit',
    summary:
      'stream, actor, action and subject have no length limit: a stream over 2048 bytes (DynamoDB key limit) or an ' +
      'entry over 400 KB fails with DynamoDB ValidationException',
    applies: (event) => {
      const strings = ['stream', 'actor', 'action', 'subject'].map((name) => bytes(field(event, name)));
      return strings[0] > 2048 || strings.reduce((sum, n) => sum + n, 0) > 64 * 1024;
    },
    shows: /^ValidationException Item size has exceeded the maximum allowed size/,
    example: { stream: 'known-size', actor: 'a', action: 'x'.repeat(500_000), subject: 'c', detail: {} },
  },
  {
    id: 'attribute-name-size',
    handler: 'append-audit',
    summary:
      "detail keys have no length limit: one over 64 KiB passes storable() and the ledger's checks and DynamoDB " +
      'refuses it (ValidationException: Attribute name is too large)',
    applies: (event) => somewhere(field(event, 'detail'), (key) => bytes(key) > 65_535),
    shows: /^ValidationException Attribute name is too large/,
    example: { stream: 'known-name', actor: 'a', action: 'b', subject: 'c', detail: { ['k'.repeat(70_000)]: 1 } },
  },
  {
    id: 'logged-keys',
    handler: 'anchor-audit',
    summary:
      'the Keys of a modified, removed or malformed record are logged as they came (z.unknown()): Keys nested too ' +
      "deep make the logger's JSON.stringify throw RangeError: Maximum call stack size exceeded",
    applies: (event) => {
      const records = field(event, 'Records');
      return (
        Array.isArray(records) && records.some((record) => jsonBytes(field(record, 'dynamodb', 'Keys')) === Infinity)
      );
    },
    shows: /^RangeError Maximum call stack size exceeded/,
    example: {
      Records: [
        {
          eventName: 'REMOVE',
          dynamodb: {
            SequenceNumber: '1',
            Keys: JSON.parse(`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`) as unknown,
          },
        },
      ],
    },
  },
  {
    id: 'constructor-key',
    handler: 'record-lineage',
    summary:
      'attributes with an own "constructor" key are marshalled by its constructor.name: plain errors or ' +
      'ValidationException, or a silently changed value ("[object Object]")',
    applies: (event) => somewhere(field(event, 'attributes'), (key) => key === 'constructor'),
    shows: /^ValidationException A value provided cannot be converted into a number/,
    example: {
      kind: 'register',
      correlationId: 'known-constructor',
      attributes: JSON.parse('{"note": {"constructor": {"name": "Number"}}}') as unknown,
    },
  },
  {
    id: 'unstorable-attributes',
    handler: 'record-lineage',
    summary:
      'storable() lets through what DynamoDB or its marshaller refuses: integers beyond ±2^53 (plain Error "Number … ' +
      'is greater than Number.MAX_SAFE_INTEGER"), attribute names over 64 KiB, nested own "__proto__" keys (dropped ' +
      'by the marshaller: "Supplied AttributeValue is empty"), and on dataset records a non-string or empty ' +
      'datasetSha256 or livePk (index keys: "Invalid attribute value type")',
    applies: (event) => {
      const attributes = field(event, 'attributes');
      const indexKey = (name: string) => {
        const value = field(attributes, name);
        return value !== undefined && (typeof value !== 'string' || value === '');
      };
      return (
        (field(event, 'kind') === 'dataset' && (indexKey('datasetSha256') || indexKey('livePk'))) ||
        somewhere(
          attributes,
          (key, item, depth) =>
            (typeof item === 'number' && Number.isInteger(item) && !Number.isSafeInteger(item)) ||
            bytes(key) > 65_535 ||
            (key === '__proto__' && depth > 1),
        )
      );
    },
    shows: /^Error Number \d+ is greater than Number\.MAX_SAFE_INTEGER/,
    example: { kind: 'dataset', correlationId: 'known-unstorable', attributes: { count: 2 ** 60 } },
  },
  {
    id: 'correlation-id',
    handler: 'record-lineage',
    summary:
      'correlationId has no length or form limit: on a dataset record it is URI-encoded into the sort key, so a lone ' +
      'surrogate throws URIError: URI malformed and over about 1 KB DynamoDB refuses the key (ValidationException); ' +
      'on any record it can push the item over 400 KB (ValidationException: Item size has exceeded the maximum)',
    applies: (event) => {
      const id = field(event, 'correlationId');
      if (typeof id !== 'string') return false;
      const sortKey = (() => {
        try {
          return bytes(`DATASET#${encodeURIComponent(id)}`);
        } catch {
          return Infinity;
        }
      })();
      return (
        (field(event, 'kind') === 'dataset' && sortKey > 1024) ||
        bytes(id) + jsonBytes(field(event, 'attributes')) > 380_000
      );
    },
    shows: /^URIError URI malformed/,
    example: { kind: 'dataset', correlationId: '\uD800', attributes: {} },
  },
  {
    id: 'sha-message',
    handler: 'record-lineage',
    summary:
      'a datasetSha256 that is not a string is named in the InputError message with String(value) ' +
      '(lineage-repository.ts checkAttributes): an object whose toString is not a function, as JSON can carry ' +
      '({"toString": 1}), makes that throw TypeError: Cannot convert object to primitive value',
    applies: (event) => {
      const sha = field(event, 'attributes', 'datasetSha256');
      try {
        String(sha);
        return false;
      } catch {
        return true;
      }
    },
    shows: /^TypeError Cannot convert object to primitive value/,
    example: {
      kind: 'register',
      correlationId: 'known-sha',
      attributes: { datasetSha256: JSON.parse('{"toString": 1, "valueOf": {}}') as unknown },
    },
  },
  {
    id: 'endpoint-name',
    handler: 'decide-remediation',
    summary:
      'endpointName is any non-empty string: one SageMaker refuses ("-bad-") makes DescribeEndpoint fail with a ' +
      'ValidationException that is not "Could not find endpoint", which is rethrown as is',
    applies: (event) => {
      const name = field(event, 'endpointName');
      return typeof name === 'string' && !SAGEMAKER_NAME.test(name);
    },
    shows: /^ValidationException .*'endpointName' failed to satisfy constraint/,
    example: {
      alarmName: 'warden-fuzz-remediation-us-east-1-quality',
      region: 'us-east-1',
      correlationId: 'known-endpoint-name',
      state: 'ALARM',
      endpointName: '-bad-',
    },
    env: { WARDEN_MODEL_NAME: 'fuzz-remediation' },
  },
  {
    id: 'task-answer-limits',
    handler: 'report-deployment',
    summary:
      'the task token, region and serving description are passed to SendTaskSuccess/SendTaskFailure unchecked: a ' +
      'token over 2048 characters (ValidationException), an output over 256 KiB (InvalidOutput: a 5 MB region or ' +
      'serving) or a serving nested too deep for JSON.stringify (RangeError: Maximum call stack size exceeded)',
    applies: (event) => {
      const token = field(event, 'request', 'taskToken');
      const output = { region: field(event, 'region'), serving: field(event, 'serving') };
      return (typeof token === 'string' && token.length > 2048) || jsonBytes(output) > KIB_256 - 1024;
    },
    shows: /^InvalidOutput /,
    example: {
      outcome: 'Succeeded',
      request: { taskToken: 'token' },
      region: 'us-east-1',
      modelVersion: 1,
      serving: Array.from({ length: 100_000 }, (_, i) => i),
    },
    env: { WARDEN_PRIMARY_REGION: 'us-east-1' },
  },
  {
    id: 'execution-input-limits',
    handler: 'start-regional-deployment',
    summary:
      'the whole event, extra fields included (looseObject), becomes the execution input unchecked: over 256 KiB ' +
      'StartExecution fails with InvalidExecutionInput, nested too deep JSON.stringify throws RangeError',
    applies: (event) => jsonBytes(event) > KIB_256 - 1024,
    shows: /^InvalidExecutionInput /,
    example: {
      mode: 'rollback',
      region: 'us-east-1',
      modelVersion: 1,
      correlationId: 'known-input',
      taskToken: 't',
      endpointConfigName: 'cfg-1',
      notes: 'n'.repeat(300_000),
    },
    env: {
      WARDEN_DEPLOY_STATE_MACHINE_ARNS: JSON.stringify({ 'us-east-1': 'arn:aws:states:us-east-1:1:stateMachine:d' }),
    },
  },
  {
    id: 'request-limits',
    handler: 'start-training',
    summary:
      "a retrain request's detail.dataset is checked as two non-empty strings only, and the event's id, reason, " +
      'alarmName and correlationId have no length limit: a bucket name the S3 client refuses ("a/b") fails with the ' +
      "SDK's InvalidBucketName, a training request over 256 KiB with StartExecution's InvalidExecutionInput",
    applies: (event) => {
      const bucket = field(event, 'detail', 'dataset', 'bucket');
      const key = field(event, 'detail', 'dataset', 'key');
      return (
        (typeof bucket === 'string' && !BUCKET_NAME.test(bucket)) ||
        (typeof key === 'string' && !ObjectKey.safeParse(key).success) ||
        jsonBytes(event) > KIB_256 - 1024
      );
    },
    shows: /^InvalidBucketName /,
    example: {
      source: 'warden',
      'detail-type': 'Warden Retrain Requested',
      id: 'known-bucket',
      detail: {
        modelName: 'fuzz-training',
        region: 'us-east-1',
        correlationId: 'c',
        reason: 'r',
        dataset: { bucket: 'a/b', key: 'incoming/fuzz-training/data.csv' },
      },
    },
    env: {
      WARDEN_MODEL_NAME: 'fuzz-training',
      WARDEN_TRAINING_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:1:stateMachine:t',
    },
  },
  ...eventDetailSize(),
];

/**
 * validate-data, check-bias and detect-drift put their event's correlationId into the detail of the event they emit;
 * the reproductions use the suite's fixtures (the baseline dataset, the drift model's live version).
 */
function eventDetailSize(): KnownDefect[] {
  const correlationId = 'c'.repeat(KIB_256);
  const dataset = { bucket: 'warden-data', key: 'incoming/fuzz/baseline.csv', correlationId };
  const capture = JSON.stringify({
    captureData: { endpointInput: { observedContentType: 'text/csv', data: '100\n101\n102\n103', encoding: 'CSV' } },
    eventMetadata: { inferenceTime: '2025-03-01T11:30:00Z' },
  });
  const examples: Pick<KnownDefect, 'handler' | 'example' | 'env' | 'objects'>[] = [
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
      example: { endpointName: 'fuzz-endpoint', at: '2025-03-01T12:00:00Z', correlationId },
      env: {
        WARDEN_MODEL_NAME: 'fuzz-drift',
        WARDEN_ARTIFACTS_BUCKET: 'warden-fuzz-drift',
        WARDEN_DRIFT: JSON.stringify({ columns: ['age'], captureWindowMinutes: 60 }),
      },
      objects: [
        { bucket: 'warden-fuzz-drift', key: 'capture/fuzz-endpoint/v0/2025/03/01/11/known.jsonl', body: capture },
      ],
    },
  ];
  return examples.map((example) => ({
    id: 'event-detail-size',
    summary:
      'correlationId has no length limit and goes into the detail of the Warden event: one of 256 KiB makes ' +
      'PutEvents fail with ValidationException ("Total size of the entries in the request is over the limit")',
    applies: (event) => bytes(field(event, 'correlationId')) > KIB_256 - 8 * 1024,
    shows: /^ValidationException Total size of the entries in the request is over the limit/,
    ...example,
  }));
}

/** The known defect of `handler` that applies to `event`, if any. */
export function knownDefect(handler: string, event: unknown): KnownDefect | undefined {
  return KNOWN_DEFECTS.find((defect) => defect.handler === handler && defect.applies(event));
}
