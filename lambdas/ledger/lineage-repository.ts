/**
 * Lineage items of one model family in the lineage table (docs/wiring.md): the version counter, one item per model
 * version, the last known good version per region, one item per deployment attempt and one per rejected dataset.
 * Versions are never overwritten; the counter is an atomic ADD so concurrent registrations get distinct versions.
 * Attributes are checked to be storable as given (./storable.ts) before anything is written.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { InputError, WardenError } from '../shared/errors';
import { CorrelationId, MAX_MODEL_VERSION, Sha256 } from '../shared/fields';
import { CORRELATION_ID_BYTES } from '../shared/limits';
import { errorName, queryAll, requireKeyPart, toDocumentClient, type LedgerClient } from './dynamodb';
import { storageProblem } from './storable';

export const VERSION_STATUSES = ['Registered', 'Blocked', 'Deployed', 'RolledBack', 'Failed'] as const;
export type VersionStatus = (typeof VERSION_STATUSES)[number];

/** What is known about a model version besides its number; any further attributes are stored as given. */
export interface VersionAttributes {
  /** @default 'Registered' */
  readonly status?: VersionStatus;
  /** Lowercase hex SHA-256 of the training data; indexed by the `by-dataset` GSI. */
  readonly datasetSha256?: string;
  readonly datasetUri?: string;
  readonly trainingJobName?: string;
  readonly modelDataUrl?: string;
  readonly modelPackageArn?: string;
  readonly [attribute: string]: unknown;
}

export interface VersionRecord extends VersionAttributes {
  readonly modelVersion: number;
  readonly status: VersionStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface LiveVersion {
  readonly modelVersion: number;
  readonly endpointConfigName: string;
}

export interface LiveRecord extends LiveVersion {
  readonly region: string;
  readonly updatedAt: string;
}

export interface DeploymentAttributes {
  readonly modelVersion: number;
  /** How the attempt ended, e.g. `Succeeded`, `RolledBack`, `Failed`. */
  readonly outcome: string;
  readonly [attribute: string]: unknown;
}

export interface DeploymentRecord extends DeploymentAttributes {
  readonly region: string;
  /** When the attempt was recorded (ISO 8601 UTC); part of its key. */
  readonly at: string;
}

export interface LineageRepositoryOptions {
  /** Clock for `createdAt`, `updatedAt` and deployment times (the local runtime passes its virtual clock). @default the system clock */
  readonly now?: () => Date;
}

/** A write was refused because the item is not in the state it requires (already exists, or does not exist). */
export class LineageConflictError extends WardenError {
  override readonly name = 'Warden.LineageConflict';
}

/** Attributes that hold the item's identity or bookkeeping; callers cannot set them through `attributes`. */
const MANAGED_ATTRIBUTES = new Set(['pk', 'sk', 'livePk', 'modelVersion', 'status', 'createdAt', 'updatedAt']);
const DEPLOYMENT_MANAGED_ATTRIBUTES = new Set(['pk', 'sk', 'livePk', 'region', 'at']);
const DATASET_MANAGED_ATTRIBUTES = new Set(['pk', 'sk', 'livePk', 'recordedAt']);
const KEY_ATTRIBUTES = new Set(['pk', 'sk', 'livePk']);
const VERSION_PREFIX = 'VERSION#';
/** DynamoDB: an update expression has at most 4 KB. */
const MAX_EXPRESSION_CHARS = 4096;

const statusSchema = z.enum(VERSION_STATUSES);

export class LineageRepository {
  private readonly documents: DynamoDBDocumentClient;
  private readonly pk: string;
  private readonly now: () => Date;

  constructor(
    client: LedgerClient,
    private readonly tableName: string,
    private readonly modelName: string,
    options: LineageRepositoryOptions = {},
  ) {
    requireKeyPart(modelName, 'The model name');
    this.documents = toDocumentClient(client);
    this.pk = `MODEL#${modelName}`;
    this.now = options.now ?? (() => new Date());
  }

  /** Allocates the next model version (1, 2, …); concurrent callers never get the same one. */
  async nextVersion(): Promise<number> {
    const { Attributes } = await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: this.pk, sk: 'COUNTER' },
        UpdateExpression: 'ADD lastVersion :one',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(Attributes?.lastVersion);
  }

  /** Records a new version; a version that already exists is never overwritten. */
  async putVersion(version: number, attributes: VersionAttributes = {}): Promise<VersionRecord> {
    const extra = checkAttributes(attributes, MANAGED_ATTRIBUTES, ['status']);
    const timestamp = this.now().toISOString();
    const record: VersionRecord = {
      ...extra,
      modelVersion: checkVersion(version),
      status: checkStatus(attributes.status ?? 'Registered'),
      createdAt: timestamp,
      updatedAt: timestamp,
    };
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: this.pk, sk: versionKey(version), ...record },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new LineageConflictError(`Version ${version} of ${this.modelName} already exists.`);
      }
      throw error;
    }
    return record;
  }

  /** Sets the status of an existing version (and any further attributes) and returns the updated record. */
  async updateStatus(
    version: number,
    status: VersionStatus,
    attributes: Omit<VersionAttributes, 'status'> = {},
  ): Promise<VersionRecord> {
    const extra = checkAttributes(attributes, MANAGED_ATTRIBUTES, []);
    const values: Record<string, unknown> = {
      status: checkStatus(status),
      updatedAt: this.now().toISOString(),
      ...extra,
    };
    const names = Object.keys(values);
    const expression = `SET ${names.map((_, i) => `#a${i} = :a${i}`).join(', ')}`;
    if (expression.length > MAX_EXPRESSION_CHARS) {
      const count = Object.keys(extra).length;
      throw new InputError(`Version ${version} cannot take ${count} attributes in one update (4 KB expression).`);
    }
    try {
      const { Attributes } = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: this.pk, sk: versionKey(checkVersion(version)) },
          UpdateExpression: expression,
          ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#a${i}`, name])),
          ExpressionAttributeValues: Object.fromEntries(names.map((name, i) => [`:a${i}`, values[name]])),
          ConditionExpression: 'attribute_exists(pk)',
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toVersionRecord(Attributes ?? {});
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new LineageConflictError(`Version ${version} of ${this.modelName} does not exist.`);
      }
      if (isItemTooLarge(error)) {
        throw new InputError(`Version ${version} of ${this.modelName} would grow beyond DynamoDB's 400 KB item.`);
      }
      throw error;
    }
  }

  async getVersion(version: number): Promise<VersionRecord | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: this.pk, sk: versionKey(checkVersion(version)) },
        ConsistentRead: true,
      }),
    );
    return Item === undefined ? undefined : toVersionRecord(Item);
  }

  /** Every version, oldest first. */
  async listVersions(): Promise<VersionRecord[]> {
    const items = await queryAll(this.documents, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': this.pk, ':prefix': VERSION_PREFIX },
      ConsistentRead: true,
    });
    return items.map(toVersionRecord);
  }

  /** Marks `live` as the last known good version in `region` (what a rollback returns to). */
  async setLive(region: string, live: LiveVersion): Promise<LiveRecord> {
    requireKeyPart(region, 'The region');
    if (typeof live.endpointConfigName !== 'string' || live.endpointConfigName === '') {
      throw new InputError('The live version needs the name of its endpoint config.');
    }
    const record: LiveRecord = {
      region,
      modelVersion: checkVersion(live.modelVersion),
      endpointConfigName: live.endpointConfigName,
      updatedAt: this.now().toISOString(),
    };
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: this.pk, sk: `LIVE#${region}`, livePk: `LIVE#${this.modelName}#${region}`, ...record },
      }),
    );
    return record;
  }

  async getLive(region: string): Promise<LiveRecord | undefined> {
    requireKeyPart(region, 'The region');
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: this.pk, sk: `LIVE#${region}` }, ConsistentRead: true }),
    );
    return Item === undefined ? undefined : withoutKeys<LiveRecord>(Item);
  }

  /** Records one deployment attempt in `region` at the repository clock's time. */
  async recordDeployment(region: string, attributes: DeploymentAttributes): Promise<DeploymentRecord> {
    requireKeyPart(region, 'The region');
    if (typeof attributes.outcome !== 'string' || attributes.outcome === '') {
      throw new InputError('A deployment needs an outcome (e.g. "Succeeded").');
    }
    const record: DeploymentRecord = {
      ...checkAttributes(attributes, DEPLOYMENT_MANAGED_ATTRIBUTES, []),
      modelVersion: checkVersion(attributes.modelVersion),
      outcome: attributes.outcome,
      region,
      at: this.now().toISOString(),
    };
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: this.pk, sk: `DEPLOYMENT#${region}#${record.at}`, ...record },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new LineageConflictError(`A deployment of ${this.modelName} in ${region} at ${record.at} exists.`);
      }
      throw error;
    }
    return record;
  }

  /** Records a dataset rejected before any version existed; one item per run, so a retry overwrites it. */
  async putDataset(correlationId: string, attributes: Readonly<Record<string, unknown>>): Promise<void> {
    if (!CorrelationId.safeParse(correlationId).success) {
      throw new InputError(`A dataset record needs a correlation id of 1 to ${CORRELATION_ID_BYTES} bytes of UTF-8.`);
    }
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...checkAttributes(attributes, DATASET_MANAGED_ATTRIBUTES, []),
          pk: this.pk,
          sk: `DATASET#${encodeURIComponent(correlationId)}`,
          correlationId,
          recordedAt: this.now().toISOString(),
        },
      }),
    );
  }

  /** Versions of this model trained on the dataset with this SHA-256, oldest first (the GSI is eventually consistent). */
  async findByDataset(sha256: string): Promise<VersionRecord[]> {
    if (!Sha256.safeParse(sha256).success) {
      throw new InputError(`A dataset SHA-256 is 64 lowercase hex digits, got "${sha256}".`);
    }
    const items = await queryAll(this.documents, {
      TableName: this.tableName,
      IndexName: 'by-dataset',
      KeyConditionExpression: 'datasetSha256 = :sha256 AND pk = :pk',
      // Other lineage items (dataset, reports) may carry the hash too; only versions are asked for.
      FilterExpression: 'begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':sha256': sha256, ':pk': this.pk, ':prefix': VERSION_PREFIX },
    });
    return items.map(toVersionRecord).sort((a, b) => a.modelVersion - b.modelVersion);
  }
}

/** Ten digits, so the sort key orders versions numerically. */
function versionKey(version: number): string {
  return `${VERSION_PREFIX}${String(version).padStart(10, '0')}`;
}

function checkVersion(version: number): number {
  if (!Number.isSafeInteger(version) || version < 1 || version > MAX_MODEL_VERSION) {
    throw new InputError(`A model version is an integer from 1 to ${MAX_MODEL_VERSION}, got ${String(version)}.`);
  }
  return version;
}

function checkStatus(status: string): VersionStatus {
  const parsed = statusSchema.safeParse(status);
  if (!parsed.success) {
    throw new InputError(`A version status is one of ${VERSION_STATUSES.join(', ')}, got "${status}".`);
  }
  return parsed.data;
}

/** The caller's attributes without the managed ones (named in `handled` when passed separately), checked. */
function checkAttributes(
  attributes: Readonly<Record<string, unknown>>,
  managed: ReadonlySet<string>,
  handled: readonly string[],
): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (handled.includes(name) || value === undefined) continue;
    if (managed.has(name)) throw new InputError(`The attribute "${name}" is managed by the lineage repository.`);
    extra[name] = value;
  }
  const problem = storageProblem(extra, 'attributes');
  if (problem !== undefined) throw new InputError(`The lineage attributes cannot be stored: ${problem}.`);
  if ('datasetSha256' in extra && !Sha256.safeParse(extra.datasetSha256).success) {
    throw new InputError(`datasetSha256 must be 64 lowercase hex digits, got ${describeValue(extra.datasetSha256)}.`);
  }
  return extra;
}

/** A value named in a message: a string quoted and cut short, anything else by its kind (never its own toString). */
function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** DynamoDB refused a write because the item would exceed its size limit. */
function isItemTooLarge(error: unknown): boolean {
  return errorName(error) === 'ValidationException' && /item size/i.test((error as Error).message);
}

/** The item as callers see it: without the key attributes, which only encode what the fields already say. */
function withoutKeys<T>(item: Record<string, unknown>): T {
  return Object.fromEntries(Object.entries(item).filter(([name]) => !KEY_ATTRIBUTES.has(name))) as T;
}

function toVersionRecord(item: Record<string, unknown>): VersionRecord {
  return withoutKeys<VersionRecord>(item);
}
