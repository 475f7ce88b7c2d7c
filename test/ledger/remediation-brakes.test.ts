/** RemediationBrakes against DynamoDB Local: single-flight lock, expiry, cooldown, daily cap and suggest-only. */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { RemediationBrakes, type BrakeSettings } from '../../lambdas/ledger/remediation-brakes';
import { InputError } from '../../lambdas/shared/errors';
import { createLineageTable, startDynamoDbLocal, type DynamoDbLocal } from '../../local/emulators/dynamodb-local';

const TABLE = 'warden-lineage';
const SETTINGS: BrakeSettings = { cooldownMinutes: 30, dailyCap: 3, suggestOnly: false, lockSeconds: 600 };
let db: DynamoDbLocal;

beforeAll(async () => {
  db = await startDynamoDbLocal();
  await createLineageTable(db.client, TABLE);
});
afterAll(() => db?.stop());

function brakes(model: string, settings: Partial<BrakeSettings> = {}, client = db.client): RemediationBrakes {
  return new RemediationBrakes(client, TABLE, model, { ...SETTINGS, ...settings });
}

/** 2025-05-01 at the given UTC hour and minute (a virtual clock, as in the local runtime). */
function at(hour: number, minute = 0, day = 1): Date {
  return new Date(Date.UTC(2025, 4, day, hour, minute));
}

async function item(model: string, sk: string) {
  const { Item } = await db.client.send(
    new GetItemCommand({ TableName: TABLE, Key: { pk: { S: `BRAKE#${model}` }, sk: { S: sk } }, ConsistentRead: true }),
  );
  return Item;
}

describe('RemediationBrakes', () => {
  it('grants one run and holds the lock until its owner releases it', async () => {
    const brake = brakes('lock', { cooldownMinutes: 0 });
    expect(await brake.acquire(at(1), 'run-1')).toEqual({ granted: true });
    expect(await brake.acquire(at(1, 1), 'run-2')).toEqual({ granted: false, reason: 'locked' });
    expect(await brake.release('run-2', at(1, 2))).toBe(false);
    expect(await brake.acquire(at(1, 3), 'run-2')).toEqual({ granted: false, reason: 'locked' });
    expect(await brake.release('run-1', at(1, 4))).toBe(true);
    expect(await brake.release('run-1', at(1, 4))).toBe(false);
    expect(await brake.acquire(at(1, 5), 'run-2')).toEqual({ granted: true });
  });

  it.each([10, 40])('lets exactly one of %i simultaneous callers win', async (callers) => {
    const model = `storm-${callers}`;
    const decisions = await Promise.all(
      Array.from({ length: callers }, (_, i) => brakes(model, {}, db.newClient()).acquire(at(2), `alarm-${i}`)),
    );
    expect(decisions.filter((decision) => decision.granted)).toHaveLength(1);
    expect(decisions.filter((decision) => !decision.granted && decision.reason === 'locked')).toHaveLength(callers - 1);
    expect((await item(model, 'DAY#2025-05-01'))?.granted).toEqual({ N: '1' });
  });

  it('lets a lock expire after lockSeconds, so a crashed holder does not block forever', async () => {
    const brake = brakes('expiry', { cooldownMinutes: 0, lockSeconds: 300 });
    expect(await brake.acquire(at(3), 'crashed')).toEqual({ granted: true });
    expect(await brake.acquire(new Date(at(3, 5).getTime() - 1), 'next')).toEqual({ granted: false, reason: 'locked' });
    expect(await brake.acquire(at(3, 5), 'next')).toEqual({ granted: true });
    // The crashed holder coming back must not release the lock that now belongs to someone else.
    expect(await brake.release('crashed', at(3, 6))).toBe(false);
    expect((await item('expiry', 'LOCK'))?.owner).toEqual({ S: 'next' });
  });

  it('waits cooldownMinutes after the last granted run', async () => {
    const brake = brakes('cooldown', { cooldownMinutes: 30 });
    expect(await brake.acquire(at(4), 'first')).toEqual({ granted: true });
    await brake.release('first', at(4, 5));
    expect(await brake.acquire(at(4, 29), 'early')).toEqual({ granted: false, reason: 'cooldown' });
    expect(await brake.acquire(at(4, 30), 'on-time')).toEqual({ granted: true });
    expect((await item('cooldown', 'LAST'))?.lastOwner).toEqual({ S: 'on-time' });
  });

  it('caps runs per UTC day, and a refused grant changes nothing', async () => {
    const brake = brakes('cap', { cooldownMinutes: 0, dailyCap: 2 });
    for (const hour of [1, 2]) {
      expect(await brake.acquire(at(hour), `run-${hour}`)).toEqual({ granted: true });
      expect(await brake.release(`run-${hour}`, at(hour, 5))).toBe(true);
    }
    expect(await brake.acquire(at(3), 'run-3')).toEqual({ granted: false, reason: 'daily-cap' });
    expect((await item('cap', 'LOCK'))?.owner).toEqual({ S: 'run-2' });
    expect((await item('cap', 'LAST'))?.lastOwner).toEqual({ S: 'run-2' });
    expect((await item('cap', 'DAY#2025-05-01'))?.granted).toEqual({ N: '2' });
    expect(await brake.acquire(at(0, 0, 2), 'next-day')).toEqual({ granted: true });
    expect(await brakes('no-runs', { dailyCap: 0 }).acquire(at(1), 'any')).toEqual({
      granted: false,
      reason: 'daily-cap',
    });
  });

  it('reports the lock before the cooldown and the cooldown before the cap', async () => {
    const brake = brakes('precedence', { cooldownMinutes: 60, dailyCap: 1 });
    expect(await brake.acquire(at(5), 'holder')).toEqual({ granted: true });
    expect(await brake.acquire(at(5, 1), 'b')).toEqual({ granted: false, reason: 'locked' });
    await brake.release('holder', at(5, 2));
    expect(await brake.acquire(at(5, 3), 'b')).toEqual({ granted: false, reason: 'cooldown' });
    expect(await brake.acquire(at(7), 'b')).toEqual({ granted: false, reason: 'daily-cap' });
  });

  it('never grants in suggest-only mode but counts what it held back', async () => {
    const brake = brakes('suggest', { suggestOnly: true });
    for (let i = 0; i < 3; i++) {
      expect(await brake.acquire(at(6, i), `alarm-${i}`)).toEqual({ granted: false, reason: 'suggest-only' });
    }
    expect(await item('suggest', 'LOCK')).toBeUndefined();
    expect(await item('suggest', 'DAY#2025-05-01')).toEqual(expect.objectContaining({ suggested: { N: '3' } }));
  });

  it('refuses invalid settings, owners and times', async () => {
    expect(() => brakes('bad', { dailyCap: -1 })).toThrow(InputError);
    expect(() => brakes('bad', { lockSeconds: 0 })).toThrow(/lockSeconds/);
    expect(() => brakes('a#b')).toThrow(InputError);
    await expect(brakes('bad').acquire(at(1), '')).rejects.toThrow(InputError);
    await expect(brakes('bad').acquire(new Date(Number.NaN), 'x')).rejects.toThrow(InputError);
  });
});
