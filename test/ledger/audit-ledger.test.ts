/** AuditLedger against DynamoDB Local: appends, reads, exports and concurrent writers racing for the next seq. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { verifyChain, type AuditEntry } from '../../lambdas/ledger/audit-chain';
import { AuditLedger } from '../../lambdas/ledger/audit-ledger';
import { InputError } from '../../lambdas/shared/errors';
import { createAuditTable, startDynamoDbLocal, type DynamoDbLocal } from '../../local/emulators/dynamodb-local';

const TABLE = 'warden-audit';
let db: DynamoDbLocal;
let ledger: AuditLedger;

beforeAll(async () => {
  db = await startDynamoDbLocal();
  await createAuditTable(db.client, TABLE);
  ledger = new AuditLedger(db.client, TABLE);
});
afterAll(() => db?.stop());

function record(stream: string, detail: Record<string, number | string> = {}, at?: Date) {
  return { stream, actor: 'tester', action: 'Recorded', subject: `${stream}/thing`, detail, at };
}

/** A client whose requests are counted by command name. */
function countingClient(commands: string[]): DynamoDBClient {
  const client = db.newClient();
  client.middlewareStack.add(
    (next, context) => (args) => {
      commands.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize' },
  );
  return client;
}

describe('AuditLedger', () => {
  it('appends a chain that reads back intact, with the given or the clock time', async () => {
    const clock = new Date(Date.UTC(2025, 2, 1, 9));
    const timed = new AuditLedger(db.client, TABLE, { now: () => clock });
    const first = await timed.append(record('basic', { modelVersion: 1, note: 'first' }));
    const second = await timed.append(record('basic', { ratio: 0.125 }, new Date(Date.UTC(2025, 2, 1, 10))));
    expect(first).toMatchObject({ seq: 1, at: '2025-03-01T09:00:00.000Z' });
    expect(second).toMatchObject({ seq: 2, prevHash: first.hash, at: '2025-03-01T10:00:00.000Z' });
    const stored = await ledger.read('basic');
    expect(stored).toEqual([first, second]);
    expect(await ledger.head('basic')).toEqual(second);
    expect(verifyChain(stored).valid).toBe(true);
  });

  it('keeps streams apart and exports every entry, streams by name, each in seq order', async () => {
    await ledger.append(record('zeta'));
    await ledger.append(record('alpha'));
    await ledger.append(record('zeta'));
    const streams = await ledger.streams();
    expect(streams).toEqual([...streams].sort());
    expect(streams).toEqual(expect.arrayContaining(['alpha', 'zeta']));
    const exported = await ledger.exportAll();
    const order = exported.map((entry) => `${entry.stream}#${entry.seq}`);
    expect(order).toEqual(
      [...exported]
        .sort((a, b) => (a.stream === b.stream ? a.seq - b.seq : a.stream < b.stream ? -1 : 1))
        .map((entry) => `${entry.stream}#${entry.seq}`),
    );
    expect(exported.filter((entry) => entry.stream === 'zeta').map((entry) => entry.seq)).toEqual([1, 2]);
    expect(verifyChain(exported).valid).toBe(true);
  });

  it('uses only PutItem, Query and Scan, the permissions the audit table grants', async () => {
    const commands: string[] = [];
    const counted = new AuditLedger(countingClient(commands), TABLE);
    await counted.append(record('permissions'));
    await counted.append(record('permissions'));
    await counted.read('permissions');
    await counted.streams();
    await counted.exportAll();
    expect(new Set(commands)).toEqual(new Set(['PutItemCommand', 'QueryCommand', 'ScanCommand']));
  });

  it('rejects what DynamoDB could not store exactly before writing anything', async () => {
    await expect(ledger.append(record('bad', { big: 2 ** 60 }))).rejects.toThrow(InputError);
    await expect(ledger.append({ ...record('bad'), detail: { nested: { '': 1 } } })).rejects.toThrow(/empty key/);
    await expect(ledger.append(record(''))).rejects.toThrow(InputError);
    expect(await ledger.read('bad')).toEqual([]);
  });

  it('does not append twice when the response to a successful write was lost and the SDK resent it', async () => {
    const flaky = db.newClient();
    let dropped = 0;
    flaky.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'PutItemCommand' && dropped === 0) {
          dropped++;
          throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' });
        }
        return result;
      },
      { step: 'deserialize', priority: 'low' },
    );
    const entry = await new AuditLedger(flaky, TABLE).append(record('lost-response'));
    expect(dropped).toBe(1);
    expect(await ledger.read('lost-response')).toEqual([entry]);
  });

  describe.each([
    [2, 20],
    [5, 20],
    [10, 20],
  ])('with %i writers appending %i entries each to one stream', (writers, appends) => {
    const stream = `race-${writers}`;
    let stored: AuditEntry[];

    beforeAll(async () => {
      await Promise.all(
        Array.from({ length: writers }, async (_, writer) => {
          // Each writer has its own client and ledger, as separate Lambda invocations would.
          const own = new AuditLedger(db.newClient(), TABLE);
          for (let i = 0; i < appends; i++) await own.append(record(stream, { writer, i }));
        }),
      );
      stored = await ledger.read(stream);
    });

    it('loses nothing and writes nothing twice', () => {
      const keys = stored.map((entry) => `${String(entry.detail.writer)}/${String(entry.detail.i)}`);
      expect(stored).toHaveLength(writers * appends);
      expect(new Set(keys).size).toBe(writers * appends);
    });

    it('numbers entries 1..n without gap or fork, and the chain verifies', () => {
      expect(stored.map((entry) => entry.seq)).toEqual(Array.from({ length: writers * appends }, (_, i) => i + 1));
      expect(verifyChain(stored)).toMatchObject({ valid: true, entries: writers * appends });
    });

    it("keeps each writer's own entries in the order it appended them", () => {
      for (let writer = 0; writer < writers; writer++) {
        const own = stored.filter((entry) => entry.detail.writer === writer).map((entry) => entry.detail.i);
        expect(own).toEqual(Array.from({ length: appends }, (_, i) => i));
      }
    });
  });
});
