/**
 * Concurrent appenders as the state machines are: `append-audit` invocations racing on DynamoDB Local, 2, 5 and 10 at
 * a time on one stream, and several streams at once. Nothing is lost, nothing is written twice, `seq` runs 1..N
 * without a gap, no two entries claim the same predecessor (no fork), and the export verifies through
 * `warden audit verify` against the digests `anchor-audit` anchored from the table's stream records.
 */
import '../handlers/harness/quiet';
import { digestKey, handler as anchor } from '../../lambdas/handlers/anchor-audit';
import { handler as append } from '../../lambdas/handlers/append-audit';
import { canonicalJson, sortForExport, verifyChain, type AuditEntry } from '../../lambdas/ledger/audit-chain';
import { AuditLedger } from '../../lambdas/ledger/audit-ledger';
import {
  AUDIT_TABLE,
  auditStreamRecords,
  DIGESTS,
  recordAwsCalls,
  setWardenEnv,
  startLocalAws,
  type LocalAws,
} from '../handlers/harness/local-aws';
import { parseJsonOutput } from '../support/cli';
import { auditInProcess, scratchFiles } from './support/audit-cli';

const APPENDS_PER_WRITER = 20;

let aws: LocalAws;
let recorder: ReturnType<typeof recordAwsCalls>;
const files = scratchFiles();

beforeAll(async () => {
  aws = await startLocalAws({ withDynamo: true });
  setWardenEnv();
  recorder = recordAwsCalls();
});

afterAll(async () => {
  recorder.restore();
  files.remove();
  await aws.stop();
});

interface Appended {
  readonly stream: string;
  readonly seq: number;
  readonly hash: string;
}

/** `writers` concurrent writers, each appending its entries one after the other, as one execution would. */
async function race(streams: readonly string[], writers: number): Promise<Appended[]> {
  const results = await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      const mine: Appended[] = [];
      for (let i = 0; i < APPENDS_PER_WRITER; i++) {
        const stream = streams[(writer + i) % streams.length];
        const input = {
          stream,
          actor: `writer-${writer}`,
          action: 'step',
          subject: `${stream}/${i}`,
          detail: { writer, i },
        };
        mine.push((await append(input)) as Appended);
      }
      return mine;
    }),
  );
  return results.flat();
}

/** Verifies the chain as a user would: export, anchored digests, `warden audit verify --digests`. */
async function verifyExport(entries: readonly AuditEntry[], streams: readonly string[]): Promise<unknown> {
  for (const stream of streams) {
    expect(await anchor({ Records: await auditStreamRecords(aws, stream) })).toEqual({ batchItemFailures: [] });
  }
  const digests = await Promise.all(
    entries.map(async ({ stream, seq }) => JSON.parse((await aws.s3.read(DIGESTS, digestKey(stream, seq))).toString())),
  );
  const run = await auditInProcess([
    'verify',
    '--file',
    files.write('audit.json', sortForExport(entries)),
    '--digests',
    files.write('digests.json', digests),
    '--json',
  ]);
  expect(run.code).toBe(0);
  return parseJsonOutput(run);
}

describe.each([2, 5, 10])('%i concurrent append-audit writers', (writers) => {
  it(`append ${APPENDS_PER_WRITER} entries each to one stream: seq 1..N, each once, no fork, verified`, async () => {
    const stream = `race-${writers}`;
    const appended = await race([stream], writers);
    const entries = await new AuditLedger(aws.dynamoClient(), AUDIT_TABLE).read(stream);
    const total = writers * APPENDS_PER_WRITER;

    expect(entries.map((entry) => entry.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    // Each input exactly once, and what each writer was told it appended is what the table holds at that seq.
    const inputs = entries.map((entry) => `${entry.actor} ${entry.subject} ${canonicalJson(entry.detail)}`);
    expect(new Set(inputs).size).toBe(total);
    for (let writer = 0; writer < writers; writer++) {
      for (let i = 0; i < APPENDS_PER_WRITER; i++) {
        expect(inputs).toContain(`writer-${writer} ${stream}/${i} ${canonicalJson({ writer, i })}`);
      }
    }
    expect(appended.map(({ seq, hash }) => [seq, hash]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual(
      entries.map((entry) => [entry.seq, entry.hash]),
    );
    // No fork: every entry links to a different predecessor, each the one just before it.
    expect(new Set(entries.map((entry) => entry.prevHash)).size).toBe(total);
    expect(verifyChain(entries)).toMatchObject({ valid: true, entries: total });
    expect(await verifyExport(entries, [stream])).toMatchObject({ valid: true, entries: total, streams: 1 });
  });
});

it('10 concurrent writers spread over three streams keep three intact chains', async () => {
  const streams = ['spread-a', 'spread-b', 'spread-c'];
  const appended = await race(streams, 10);
  const ledger = new AuditLedger(aws.dynamoClient(), AUDIT_TABLE);
  const entries: AuditEntry[] = [];
  for (const stream of streams) {
    const chain = await ledger.read(stream);
    const count = appended.filter((result) => result.stream === stream).length;
    expect(chain.map((entry) => entry.seq)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    entries.push(...chain);
  }
  expect(entries).toHaveLength(10 * APPENDS_PER_WRITER);
  expect(await verifyExport(entries, streams)).toMatchObject({ valid: true, streams: 3, entries: entries.length });
});
