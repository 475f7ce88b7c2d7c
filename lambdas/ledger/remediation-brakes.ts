/**
 * The brakes of a model family's remediation (ARCHITECTURE.md, step 9) on the lineage table items `BRAKE#<model>`:
 * `LOCK` (single-flight lock with an expiry), `LAST` (time of the last granted run, for the cooldown) and
 * `DAY#<yyyy-mm-dd>` (runs granted that UTC day, for the cap). A grant is one transaction of three conditional writes,
 * so it either takes the lock, starts the cooldown and counts against the cap together, or changes nothing; no read
 * ever precedes a write, so an alarm storm of concurrent callers yields exactly one grant.
 */
import type { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { InputError } from '../shared/errors';
import { backoff, errorName, requireKeyPart, toDocumentClient, type LedgerClient } from './dynamodb';

/** `WARDEN_BRAKES` of docs/wiring.md. */
export interface BrakeSettings {
  /** Minutes after a granted run before the next one may start. */
  readonly cooldownMinutes: number;
  /** Runs granted per UTC day at most. */
  readonly dailyCap: number;
  /** Never grant: remediation only suggests what it would do. */
  readonly suggestOnly: boolean;
  /** How long a granted run holds the lock unless it releases it earlier; a crashed holder blocks no longer. */
  readonly lockSeconds: number;
}

export type BrakeReason = 'locked' | 'cooldown' | 'daily-cap' | 'suggest-only';

export type BrakeDecision = { readonly granted: true } | { readonly granted: false; readonly reason: BrakeReason };

export const BrakeSettingsSchema = z.strictObject({
  cooldownMinutes: z.number().min(0),
  dailyCap: z.number().int().min(0),
  suggestOnly: z.boolean(),
  lockSeconds: z.number().positive(),
});

/** Transaction attempts while other callers' transactions touch the same items at the same moment. */
const MAX_CONFLICT_ATTEMPTS = 20;
const OWNER = { '#owner': 'owner' };

export class RemediationBrakes {
  private readonly documents: DynamoDBDocumentClient;
  private readonly pk: string;
  private readonly settings: BrakeSettings;

  constructor(
    client: LedgerClient,
    private readonly tableName: string,
    modelName: string,
    settings: BrakeSettings,
  ) {
    const parsed = BrakeSettingsSchema.safeParse(settings);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'top level'}: ${issue.message}`);
      throw new InputError(`The brake settings are not valid (${problems.join('; ')}).`);
    }
    this.settings = parsed.data;
    this.documents = toDocumentClient(client);
    this.pk = `BRAKE#${requireKeyPart(modelName, 'The model name')}`;
  }

  /**
   * Asks to start a remediation run at `now` on behalf of `owner` (e.g. the execution name). When several brakes
   * apply, the reason reported is the first of locked, cooldown, daily-cap.
   */
  async acquire(now: Date, owner: string): Promise<BrakeDecision> {
    const nowMs = checkTime(now);
    checkOwner(owner);
    if (this.settings.suggestOnly) {
      await this.recordSuggestion(now);
      return { granted: false, reason: 'suggest-only' };
    }
    // The cap's condition admits a first run of the day (no counter yet), so a cap of zero is decided here.
    if (this.settings.dailyCap === 0) return { granted: false, reason: 'daily-cap' };
    for (let attempt = 0; attempt < MAX_CONFLICT_ATTEMPTS; attempt++) {
      try {
        await this.documents.send(this.grantTransaction(now, nowMs, owner));
        return { granted: true };
      } catch (error) {
        const reason = brakeReason(error);
        if (reason !== undefined) return { granted: false, reason };
        if (!isConflict(error)) throw error;
        await backoff(attempt);
      }
    }
    // Still racing other callers for the same items: fail closed, as a brake must.
    return { granted: false, reason: 'locked' };
  }

  /** Releases the lock if `owner` still holds it; false when it expired or another caller holds it now. */
  async release(owner: string, now: Date): Promise<boolean> {
    const nowMs = checkTime(now);
    checkOwner(owner);
    return this.retryOnConflict(async () => {
      try {
        await this.documents.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: this.pk, sk: 'LOCK' },
            UpdateExpression: 'SET lockedUntilMs = :now, releasedAt = :at',
            ConditionExpression: '#owner = :owner AND lockedUntilMs > :now',
            ExpressionAttributeNames: OWNER,
            ExpressionAttributeValues: { ':now': nowMs, ':at': now.toISOString(), ':owner': owner },
          }),
        );
        return true;
      } catch (error) {
        if (errorName(error) === 'ConditionalCheckFailedException') return false;
        throw error;
      }
    });
  }

  private grantTransaction(now: Date, nowMs: number, owner: string): TransactWriteCommand {
    const { cooldownMinutes, dailyCap, lockSeconds } = this.settings;
    return new TransactWriteCommand({
      // The order fixes the order of CancellationReasons read by brakeReason.
      TransactItems: [
        {
          Put: {
            TableName: this.tableName,
            Item: {
              pk: this.pk,
              sk: 'LOCK',
              owner,
              acquiredAt: now.toISOString(),
              lockedUntilMs: nowMs + lockSeconds * 1000,
            },
            ConditionExpression: 'attribute_not_exists(pk) OR lockedUntilMs <= :now',
            ExpressionAttributeValues: { ':now': nowMs },
          },
        },
        {
          Update: {
            TableName: this.tableName,
            Key: { pk: this.pk, sk: 'LAST' },
            UpdateExpression: 'SET lastGrantedAtMs = :now, lastGrantedAt = :at, lastOwner = :owner',
            ConditionExpression: 'attribute_not_exists(lastGrantedAtMs) OR lastGrantedAtMs <= :cutoff',
            ExpressionAttributeValues: {
              ':now': nowMs,
              ':at': now.toISOString(),
              ':owner': owner,
              ':cutoff': nowMs - cooldownMinutes * 60_000,
            },
          },
        },
        {
          Update: {
            TableName: this.tableName,
            Key: { pk: this.pk, sk: dayKey(now) },
            UpdateExpression: 'ADD granted :one',
            ConditionExpression: 'attribute_not_exists(granted) OR granted < :cap',
            ExpressionAttributeValues: { ':one': 1, ':cap': dailyCap },
          },
        },
      ],
    });
  }

  /** Counts what suggest-only mode held back, per day, so operators see what would have run. */
  private async recordSuggestion(now: Date): Promise<void> {
    await this.retryOnConflict(() =>
      this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: this.pk, sk: dayKey(now) },
          UpdateExpression: 'ADD suggested :one',
          ExpressionAttributeValues: { ':one': 1 },
        }),
      ),
    );
  }

  /** A single-item write that collides with a grant transaction in flight is refused, not queued: try again. */
  private async retryOnConflict<T>(write: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        if (!isConflict(error) || attempt >= MAX_CONFLICT_ATTEMPTS) throw error;
        await backoff(attempt);
      }
    }
  }
}

function dayKey(now: Date): string {
  return `DAY#${now.toISOString().slice(0, 10)}`;
}

function checkTime(now: Date): number {
  const ms = now.getTime();
  if (Number.isNaN(ms)) throw new InputError('The brake time is not a valid date.');
  return ms;
}

function checkOwner(owner: string): void {
  if (typeof owner !== 'string' || owner === '') throw new InputError('A brake owner is a non-empty string.');
}

const REASONS_BY_ITEM: readonly BrakeReason[] = ['locked', 'cooldown', 'daily-cap'];

/** Which brake refused the grant, from the transaction's per-item cancellation reasons. */
function brakeReason(error: unknown): BrakeReason | undefined {
  if (errorName(error) !== 'TransactionCanceledException') return undefined;
  const reasons = (error as TransactionCanceledException).CancellationReasons ?? [];
  const index = reasons.findIndex((reason) => reason.Code === 'ConditionalCheckFailed');
  return index === -1 ? undefined : REASONS_BY_ITEM[index];
}

/** Another transaction on the same items was in flight; nothing was written. */
function isConflict(error: unknown): boolean {
  const name = errorName(error);
  if (name === 'TransactionConflictException') return true;
  if (name !== 'TransactionCanceledException') return false;
  const reasons = (error as TransactionCanceledException).CancellationReasons ?? [];
  return reasons.some((reason) => reason.Code === 'TransactionConflict');
}
