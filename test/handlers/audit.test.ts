/**
 * `append-audit` and `anchor-audit` as Lambda invokes them, against DynamoDB Local and the local S3 server: entries
 * appended by the state machines' payloads form a valid chain; the stream records of those very items anchor digests
 * that verify the chain from outside the table; tampering is never anchored; malformed events are typed errors.
 */
import './harness/quiet';
import fc from 'fast-check';
import { AnchorAuditInput, digestKey, handler as anchor } from '../../lambdas/handlers/anchor-audit';
import { AppendAuditInput, handler as append } from '../../lambdas/handlers/append-audit';
import { parseChainDigests, verifyAgainstDigests, verifyChain } from '../../lambdas/ledger/audit-chain';
import { AuditLedger } from '../../lambdas/ledger/audit-ledger';
import {
  AUDIT_TABLE,
  auditStreamRecords,
  DIGESTS,
  MODEL,
  recordAwsCalls,
  setWardenEnv,
  startLocalAws,
  type LocalAws,
} from './harness/local-aws';
import { eventsLike, expectOnlyTypedErrors } from './harness/malformed';

let aws: LocalAws;
let recorder: ReturnType<typeof recordAwsCalls>;

beforeAll(async () => {
  aws = await startLocalAws({ withDynamo: true });
});

afterAll(async () => {
  await aws.stop();
});

beforeEach(() => {
  setWardenEnv();
  recorder = recordAwsCalls();
});

afterEach(() => recorder.restore());

describe('append-audit and anchor-audit', () => {
  it('appends the state machines’ entries to a valid chain whose anchored digests verify it from outside the table', async () => {
    const results = [];
    for (const action of ['model.registered', 'model.deployed', 'remediation.retrain']) {
      results.push(
        await append({
          stream: MODEL,
          actor: 'warden/training',
          action,
          subject: `${MODEL}/v1`,
          detail: { correlationId: 'run-1', modelVersion: 1, error: null, nested: { regions: ['us-east-1'] } },
        }),
      );
    }
    expect(results.map((r) => (r as { seq: number }).seq)).toEqual([1, 2, 3]);
    expect(await append({ actor: 'a', action: 'b', subject: 'c', detail: {} })).toMatchObject({
      stream: MODEL,
      seq: 4,
    });

    const entries = await new AuditLedger(aws.dynamoClient(), AUDIT_TABLE).read(MODEL);
    expect(verifyChain(entries).valid).toBe(true);
    expect(entries[0]).toMatchObject({
      actor: 'warden/training',
      action: 'model.registered',
      detail: { modelVersion: 1 },
    });

    expect(await anchor({ Records: await auditStreamRecords(aws, MODEL) })).toEqual({ batchItemFailures: [] });
    const keys = await aws.s3.keys(DIGESTS);
    expect(keys).toEqual([1, 2, 3, 4].map((seq) => digestKey(MODEL, seq)));
    const digests = parseChainDigests(
      await Promise.all(keys.map(async (key) => JSON.parse((await aws.s3.read(DIGESTS, key)).toString()))),
    );
    expect(verifyAgainstDigests(entries, digests).valid).toBe(true);
    // A table cut back to its first two entries no longer matches what was anchored.
    expect(verifyAgainstDigests(entries.slice(0, 2), digests).valid).toBe(false);
  });

  it('never anchors a modified or removed entry, nor an item that is not a chain entry', async () => {
    await append({ stream: 'tamper', actor: 'a', action: 'b', subject: 'c', detail: {} });
    const [modified] = await auditStreamRecords(aws, 'tamper', 'MODIFY');
    const [inserted] = await auditStreamRecords(aws, 'tamper');
    const foreign = { ...inserted, dynamodb: { ...inserted.dynamodb, NewImage: { stream: { S: 'x' } } } };
    expect(await anchor({ Records: [modified, foreign] })).toEqual({ batchItemFailures: [] });
    expect(await aws.s3.keys(DIGESTS, 'digests/tamper/')).toEqual([]);
  });

  it('reports a digest that cannot be written as a batch item failure, so only it is retried', async () => {
    await append({ stream: 'retry', actor: 'a', action: 'b', subject: 'c', detail: {} });
    setWardenEnv({ WARDEN_AUDIT_DIGEST_BUCKET: 'no-such-bucket' });
    expect(await anchor({ Records: await auditStreamRecords(aws, 'retry') })).toEqual({
      batchItemFailures: [{ itemIdentifier: '1000' }],
    });
  });

  it('refuses details DynamoDB or the chain cannot hold with Warden.InputError', async () => {
    await expect(append({ actor: 'a', action: 'b', subject: 'c', detail: { tiny: 1e-200 } })).rejects.toMatchObject({
      name: 'Warden.InputError',
      message: expect.stringMatching(/outside the numbers/),
    });
    await expect(append({ actor: 'a', action: 'b', subject: 'c', detail: { bad: '\uD800' } })).rejects.toMatchObject({
      name: 'Warden.InputError',
    });
  });

  it('answers malformed events with typed errors only (fast-check, 200 runs each)', async () => {
    await expectOnlyTypedErrors(
      append,
      AppendAuditInput,
      eventsLike({
        stream: fc.constantFrom('fuzz', ''),
        actor: fc.string({ maxLength: 4 }),
        action: fc.string({ maxLength: 4 }),
        subject: fc.string({ maxLength: 4 }),
        detail: fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 })),
      }),
    );
    await expectOnlyTypedErrors(
      anchor,
      AnchorAuditInput,
      eventsLike({
        Records: fc.array(
          fc.record({
            eventName: fc.constantFrom('INSERT', 'MODIFY', 'REMOVE', 'OTHER'),
            dynamodb: fc.record(
              {
                SequenceNumber: fc.string({ maxLength: 4 }),
                NewImage: fc.dictionary(
                  fc.constantFrom('stream', 'seq', 'hash', 'at'),
                  fc.dictionary(fc.constantFrom('S', 'N'), fc.string({ maxLength: 4 })),
                ),
              },
              { requiredKeys: [] },
            ),
          }),
          { maxLength: 3 },
        ),
      }),
    );
  });
});
