/** LineageRepository against DynamoDB Local, on the lineage table layout of docs/wiring.md. */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { LineageConflictError, LineageRepository } from '../../lambdas/ledger/lineage-repository';
import { ATTRIBUTES_BYTES, storageProblem } from '../../lambdas/ledger/storable';
import { InputError } from '../../lambdas/shared/errors';
import { createLineageTable, startDynamoDbLocal, type DynamoDbLocal } from '../../local/emulators/dynamodb-local';

const TABLE = 'warden-lineage';
const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);
let db: DynamoDbLocal;
let clock: Date;

beforeAll(async () => {
  db = await startDynamoDbLocal();
  await createLineageTable(db.client, TABLE);
});
afterAll(() => db?.stop());
beforeEach(() => {
  clock = new Date(Date.UTC(2025, 3, 1, 12));
});

function repository(model: string): LineageRepository {
  return new LineageRepository(db.client, TABLE, model, { now: () => clock });
}

describe('LineageRepository', () => {
  it('allocates versions 1, 2, … and never the same one twice under concurrency', async () => {
    const lineage = repository('counter');
    expect(await lineage.nextVersion()).toBe(1);
    const versions = await Promise.all(
      Array.from({ length: 25 }, () => new LineageRepository(db.newClient(), TABLE, 'counter').nextVersion()),
    );
    expect([...versions].sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i + 2));
    expect(await repository('other-counter').nextVersion()).toBe(1);
  });

  it('stores a version under a zero-padded key and reads it back', async () => {
    const lineage = repository('credit');
    const record = await lineage.putVersion(7, {
      datasetSha256: SHA_A,
      datasetUri: 's3://data/incoming/credit/a.csv',
      trainingJobName: 'credit-7',
      reports: { bias: 's3://artifacts/bias.json' },
    });
    expect(record).toEqual({
      modelVersion: 7,
      status: 'Registered',
      datasetSha256: SHA_A,
      datasetUri: 's3://data/incoming/credit/a.csv',
      trainingJobName: 'credit-7',
      reports: { bias: 's3://artifacts/bias.json' },
      createdAt: '2025-04-01T12:00:00.000Z',
      updatedAt: '2025-04-01T12:00:00.000Z',
    });
    expect(await lineage.getVersion(7)).toEqual(record);
    const { Item } = await db.client.send(
      new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'MODEL#credit' }, sk: { S: 'VERSION#0000000007' } } }),
    );
    expect(Item?.modelVersion).toEqual({ N: '7' });
    expect(await lineage.getVersion(8)).toBeUndefined();
  });

  it('never overwrites a version, even when two writers race for it', async () => {
    const lineage = repository('no-overwrite');
    await lineage.putVersion(1, { status: 'Blocked', trainingJobName: 'first' });
    await expect(lineage.putVersion(1, { trainingJobName: 'second' })).rejects.toThrow(LineageConflictError);
    expect(await lineage.getVersion(1)).toMatchObject({ status: 'Blocked', trainingJobName: 'first' });

    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => repository('no-overwrite').putVersion(2, { trainingJobName: `job-${i}` })),
    );
    const winners = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    expect(winners).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toHaveLength(7);
    expect(await lineage.getVersion(2)).toEqual(winners[0]);
  });

  it('updates the status of an existing version only, with further attributes', async () => {
    const lineage = repository('status');
    await lineage.putVersion(1, { datasetSha256: SHA_A });
    clock = new Date(Date.UTC(2025, 3, 2));
    const updated = await lineage.updateStatus(1, 'Deployed', { endpointConfigName: 'status-v1' });
    expect(updated).toMatchObject({
      modelVersion: 1,
      status: 'Deployed',
      endpointConfigName: 'status-v1',
      createdAt: '2025-04-01T12:00:00.000Z',
      updatedAt: '2025-04-02T00:00:00.000Z',
    });
    expect(await lineage.getVersion(1)).toEqual(updated);
    await expect(lineage.updateStatus(2, 'Deployed')).rejects.toThrow(LineageConflictError);
    expect(await lineage.getVersion(2)).toBeUndefined();
  });

  it('refuses unknown statuses, bad versions and attributes it manages itself', async () => {
    const lineage = repository('checks');
    await lineage.putVersion(1);
    await expect(lineage.updateStatus(1, 'Retired' as never)).rejects.toThrow(InputError);
    await expect(lineage.putVersion(2, { status: 'Live' as never })).rejects.toThrow(InputError);
    await expect(lineage.putVersion(0)).rejects.toThrow(InputError);
    await expect(lineage.putVersion(1.5)).rejects.toThrow(InputError);
    await expect(lineage.putVersion(10_000_000_000)).rejects.toThrow(InputError);
    await expect(lineage.putVersion(3, { createdAt: 'yesterday' })).rejects.toThrow(/managed/);
    await expect(lineage.updateStatus(1, 'Failed', { sk: 'x' })).rejects.toThrow(/managed/);
    await expect(lineage.putVersion(4, { datasetSha256: 'not-a-hash' })).rejects.toThrow(InputError);
    expect(() => repository('a#b')).toThrow(InputError);
  });

  it('lists versions in numeric order (the padding makes 10 sort after 9)', async () => {
    const lineage = repository('listing');
    for (const version of [10, 2, 9, 1]) await lineage.putVersion(version);
    expect((await lineage.listVersions()).map((record) => record.modelVersion)).toEqual([1, 2, 9, 10]);
  });

  it('keeps the live version per region and returns the last one set', async () => {
    const lineage = repository('live');
    expect(await lineage.getLive('us-east-1')).toBeUndefined();
    await lineage.setLive('us-east-1', { modelVersion: 1, endpointConfigName: 'live-v1' });
    await lineage.setLive('eu-west-1', { modelVersion: 1, endpointConfigName: 'live-v1-eu' });
    clock = new Date(Date.UTC(2025, 3, 3));
    await lineage.setLive('us-east-1', { modelVersion: 2, endpointConfigName: 'live-v2' });
    expect(await lineage.getLive('us-east-1')).toEqual({
      region: 'us-east-1',
      modelVersion: 2,
      endpointConfigName: 'live-v2',
      updatedAt: '2025-04-03T00:00:00.000Z',
    });
    expect(await lineage.getLive('eu-west-1')).toMatchObject({ modelVersion: 1 });
    const { Item } = await db.client.send(
      new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'MODEL#live' }, sk: { S: 'LIVE#us-east-1' } } }),
    );
    expect(Item?.livePk).toEqual({ S: 'LIVE#live#us-east-1' });
    await expect(lineage.setLive('us-east-1', { modelVersion: 3, endpointConfigName: '' })).rejects.toThrow(InputError);
  });

  it('records each deployment attempt once, keyed by region and time', async () => {
    const lineage = repository('deployments');
    const record = await lineage.recordDeployment('us-east-1', { modelVersion: 2, outcome: 'RolledBack', alarm: 'x' });
    expect(record).toEqual({
      region: 'us-east-1',
      at: '2025-04-01T12:00:00.000Z',
      modelVersion: 2,
      outcome: 'RolledBack',
      alarm: 'x',
    });
    const { Item } = await db.client.send(
      new GetItemCommand({
        TableName: TABLE,
        Key: { pk: { S: 'MODEL#deployments' }, sk: { S: 'DEPLOYMENT#us-east-1#2025-04-01T12:00:00.000Z' } },
      }),
    );
    expect(Item?.outcome).toEqual({ S: 'RolledBack' });
    await expect(lineage.recordDeployment('us-east-1', { modelVersion: 2, outcome: 'Succeeded' })).rejects.toThrow(
      LineageConflictError,
    );
    await expect(lineage.recordDeployment('us-east-1', { modelVersion: 2, outcome: '' })).rejects.toThrow(InputError);
  });

  it('finds the versions trained on a dataset through the by-dataset index, for this model only', async () => {
    const lineage = repository('datasets');
    await lineage.putVersion(1, { datasetSha256: SHA_B });
    await lineage.putVersion(2, { datasetSha256: 'c'.repeat(64) });
    await lineage.putVersion(3, { datasetSha256: SHA_B, status: 'Blocked' });
    await repository('another-model').putVersion(1, { datasetSha256: SHA_B });
    const found = await lineage.findByDataset(SHA_B);
    expect(found.map((record) => [record.modelVersion, record.status])).toEqual([
      [1, 'Registered'],
      [3, 'Blocked'],
    ]);
    expect(await lineage.findByDataset('d'.repeat(64))).toEqual([]);
    await expect(lineage.findByDataset('ABC')).rejects.toThrow(InputError);
  });

  it('records a rejected dataset once per run, refusing the attributes it manages and ids no sort key can hold', async () => {
    const lineage = repository('rejected');
    await lineage.putDataset('run/1 é', { status: 'Failed', error: { Error: 'x' } });
    await lineage.putDataset('run/1 é', { status: 'Failed', error: { Error: 'y' } });
    const { Item } = await db.client.send(
      new GetItemCommand({
        TableName: TABLE,
        Key: { pk: { S: 'MODEL#rejected' }, sk: { S: 'DATASET#run%2F1%20%C3%A9' } },
      }),
    );
    expect(Item).toMatchObject({ correlationId: { S: 'run/1 é' }, error: { M: { Error: { S: 'y' } } } });
    await expect(lineage.putDataset('run-2', { livePk: '' })).rejects.toThrow(/managed/);
    await expect(lineage.putDataset('run-2', { datasetSha256: 7 })).rejects.toThrow(InputError);
    await expect(lineage.putDataset('\ud800', {})).rejects.toThrow(InputError);
    await expect(lineage.putDataset('é'.repeat(129), {})).rejects.toThrow(InputError);
  });

  it('names a datasetSha256 that is not a string by its kind, whatever its own toString does', async () => {
    const lineage = repository('sha-message');
    // What an event can carry where a string belongs.
    const hostile = JSON.parse('{"toString": 1, "valueOf": {}}') as string;
    await expect(lineage.putVersion(1, { datasetSha256: hostile })).rejects.toThrow(
      'datasetSha256 must be 64 lowercase hex digits, got an object.',
    );
    await expect(lineage.putVersion(1, { datasetSha256: 'x'.repeat(100) })).rejects.toThrow(`got "${'x'.repeat(80)}…"`);
  });

  it('refuses what the marshaller or DynamoDB would refuse, drop or alter before writing anything', async () => {
    const lineage = repository('unstorable');
    await expect(lineage.putVersion(1, JSON.parse('{"a": {"constructor": {"name": "String"}}}'))).rejects.toThrow(
      /"constructor" key/,
    );
    await expect(lineage.putVersion(1, { count: 2 ** 60 })).rejects.toThrow(/outside the numbers/);
    await expect(lineage.recordDeployment('us-east-1', { modelVersion: 1, outcome: 'x', n: NaN })).rejects.toThrow(
      InputError,
    );
    expect(await lineage.getVersion(1)).toBeUndefined();
  });

  it('stores attributes up to the size it accepts, whatever their shape: DynamoDB agrees with its measure', async () => {
    const lineage = repository('sizes');
    const shapes = [
      { text: 'x'.repeat(ATTRIBUTES_BYTES - 16) },
      { ones: new Array<number>(Math.floor(ATTRIBUTES_BYTES / 3) - 8).fill(1) },
      {
        flags: Object.fromEntries(
          Array.from({ length: Math.floor(ATTRIBUTES_BYTES / 9) - 8 }, (_, i) => [`f${1e5 + i}`, true]),
        ),
      },
    ];
    for (const [index, attributes] of shapes.entries()) {
      expect(storageProblem(attributes, 'attributes')).toBeUndefined();
      await lineage.putVersion(index + 1, attributes);
      expect(await lineage.getVersion(index + 1)).toMatchObject(attributes);
    }
  });

  it('refuses an update too large for one update expression, or one that grows the version beyond 400 KB', async () => {
    const lineage = repository('updates');
    await lineage.putVersion(1);
    const many = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`a${i}`, i]));
    await expect(lineage.updateStatus(1, 'Failed', many)).rejects.toThrow(/cannot take 400 attributes in one update/);
    await lineage.updateStatus(1, 'Failed', { first: 'x'.repeat(300 * 1024) });
    await expect(lineage.updateStatus(1, 'Failed', { second: 'y'.repeat(300 * 1024) })).rejects.toThrow(
      /beyond DynamoDB's 400 KB item/,
    );
    expect(await lineage.getVersion(1)).toMatchObject({ status: 'Failed', first: 'x'.repeat(300 * 1024) });
  });
});
