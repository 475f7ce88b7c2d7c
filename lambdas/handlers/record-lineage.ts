/**
 * `record-lineage`: what the state machines record in the lineage table (docs/wiring.md), by `kind`:
 *
 * - `register`: allocates the next version and records it with `attributes` (status `Registered`, or `Blocked` /
 *   `Failed` for a candidate stopped by a gate). Retrying the same run returns the version it already got.
 * - `dataset`: a dataset rejected before any version existed (one item per run).
 * - `deployment`: one region's deployment outcome (`attributes.status`: `Deployed`, `RolledBack`, `Failed`). A
 *   deployed version becomes the region's live version and remembers the one it replaced there, which is what a
 *   later rollback returns to.
 * - `rollback`: a remediation put `modelVersion` back in service in `attributes.region`; the version it replaced is
 *   marked `RolledBack`.
 * - `rollout`: how a multi-region rollout ended, kept on the version.
 * - `status`: sets a version's status.
 */
import * as z from 'zod';
import {
  VERSION_STATUSES,
  type LineageRepository,
  type LiveVersion,
  type VersionStatus,
} from '../ledger/lineage-repository';
import { config } from '../shared/config';
import { AwsRegion, CorrelationId, ModelVersion, Sha256 } from '../shared/fields';
import { wardenHandler } from '../shared/handler';
import { logger } from '../shared/logger';
import { lineageRepository } from './support/ledger';
import { storable } from './support/storable';

const Attributes = storable(z.record(z.string(), z.unknown()));

export const RecordLineageInput = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('register'),
    correlationId: CorrelationId,
    attributes: storable(
      z.looseObject({
        status: z.enum(['Registered', 'Blocked', 'Failed']).optional(),
        datasetSha256: Sha256.optional(),
      }),
    ),
  }),
  z.object({
    kind: z.literal('dataset'),
    correlationId: CorrelationId,
    attributes: storable(z.looseObject({ datasetSha256: Sha256.optional() })),
  }),
  z.object({
    kind: z.literal('deployment'),
    correlationId: CorrelationId,
    modelVersion: ModelVersion,
    attributes: storable(
      z.looseObject({
        status: z.enum(['Deployed', 'RolledBack', 'Failed']),
        region: AwsRegion,
        endpointConfigName: z.string().min(1).optional(),
      }),
    ).refine((attributes) => attributes.status !== 'Deployed' || attributes.endpointConfigName !== undefined, {
      message: 'a deployed version needs its endpointConfigName',
      path: ['endpointConfigName'],
    }),
  }),
  z.object({
    kind: z.literal('rollback'),
    correlationId: CorrelationId,
    modelVersion: ModelVersion,
    attributes: storable(z.looseObject({ region: AwsRegion, endpointConfigName: z.string().min(1) })),
  }),
  z.object({
    kind: z.literal('rollout'),
    correlationId: CorrelationId,
    modelVersion: ModelVersion,
    attributes: Attributes,
  }),
  z.object({
    kind: z.literal('status'),
    correlationId: CorrelationId,
    modelVersion: ModelVersion,
    attributes: storable(z.looseObject({ status: z.enum(VERSION_STATUSES) })),
  }),
]);
export type RecordLineageInput = z.infer<typeof RecordLineageInput>;

export const handler = wardenHandler('record-lineage', RecordLineageInput, async (input) => {
  const cfg = config();
  const lineage = lineageRepository(cfg);
  switch (input.kind) {
    case 'register':
      return { modelVersion: await register(lineage, input.correlationId, input.attributes) };
    case 'dataset':
      await lineage.putDataset(input.correlationId, input.attributes);
      return {};
    case 'deployment':
      await recordDeployment(lineage, input.modelVersion, input.correlationId, input.attributes);
      return { modelVersion: input.modelVersion };
    case 'rollback':
      await recordRollback(lineage, input.modelVersion, input.correlationId, input.attributes);
      return { modelVersion: input.modelVersion };
    case 'rollout': {
      const version = await lineage.getVersion(input.modelVersion);
      await lineage.updateStatus(input.modelVersion, version?.status ?? 'Registered', { rollout: input.attributes });
      return { modelVersion: input.modelVersion };
    }
    case 'status': {
      const { status, ...rest } = input.attributes;
      await lineage.updateStatus(input.modelVersion, status, rest);
      return { modelVersion: input.modelVersion };
    }
  }
});

async function register(
  lineage: LineageRepository,
  correlationId: string,
  attributes: Record<string, unknown> & { status?: VersionStatus },
): Promise<number> {
  const status = attributes.status ?? 'Registered';
  // A Lambda retry after a lost response must not allocate a second version for the same run and outcome.
  const existing = (await lineage.listVersions()).find(
    (version) => version.correlationId === correlationId && version.status === status,
  );
  if (existing !== undefined) return existing.modelVersion;
  const modelVersion = await lineage.nextVersion();
  await lineage.putVersion(modelVersion, { ...attributes, status, correlationId });
  logger.info('model version recorded', { modelVersion, status });
  return modelVersion;
}

type DeploymentAttributes = Extract<RecordLineageInput, { kind: 'deployment' }>['attributes'];

const OUTCOMES = { Deployed: 'Succeeded', RolledBack: 'RolledBack', Failed: 'Failed' } as const;

async function recordDeployment(
  lineage: LineageRepository,
  modelVersion: number,
  correlationId: string,
  attributes: DeploymentAttributes,
): Promise<void> {
  const { status, region, ...rest } = attributes;
  const replaced = status === 'Deployed' ? await lineage.getLive(region) : undefined;
  await lineage.recordDeployment(region, { ...rest, correlationId, modelVersion, outcome: OUTCOMES[status] });
  if (status !== 'Deployed') {
    await lineage.updateStatus(modelVersion, status);
    return;
  }
  const endpointConfigName = attributes.endpointConfigName as string;
  await lineage.setLive(region, { modelVersion, endpointConfigName });
  const version = await lineage.getVersion(modelVersion);
  const previousLive: Record<string, LiveVersion> = { ...(version?.previousLive as Record<string, LiveVersion>) };
  if (replaced !== undefined && replaced.modelVersion !== modelVersion) {
    previousLive[region] = { modelVersion: replaced.modelVersion, endpointConfigName: replaced.endpointConfigName };
  }
  await lineage.updateStatus(modelVersion, 'Deployed', { previousLive });
}

async function recordRollback(
  lineage: LineageRepository,
  modelVersion: number,
  correlationId: string,
  attributes: { region: string; endpointConfigName: string } & Record<string, unknown>,
): Promise<void> {
  const { region, ...rest } = attributes;
  const replaced = await lineage.getLive(region);
  await lineage.recordDeployment(region, { ...rest, correlationId, modelVersion, outcome: 'Restored' });
  await lineage.setLive(region, { modelVersion, endpointConfigName: attributes.endpointConfigName });
  if (replaced !== undefined && replaced.modelVersion !== modelVersion) {
    await lineage.updateStatus(replaced.modelVersion, 'RolledBack');
  }
  await lineage.updateStatus(modelVersion, 'Deployed');
}
