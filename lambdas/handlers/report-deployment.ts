/**
 * `report-deployment`: the last step of a regional deploy execution (docs/wiring.md). Answers the task token of the
 * caller waiting in the primary region (`WARDEN_PRIMARY_REGION`): `SendTaskSuccess` with the outcome when the
 * deployment succeeded, `SendTaskFailure` with the error the deploy state machine names otherwise
 * (`Warden.DeploymentRolledBack`, `Warden.CapacityUnavailable`, …).
 *
 * An execution started without a token (by hand) has nobody to answer. A token that expired or whose task is gone
 * cannot be answered either; that is reported, not failed, since the regional outcome is already recorded.
 */
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { awsClient } from '../shared/aws-clients';
import { config } from '../shared/config';
import { AwsRegion, jsonOfAtMost, ModelVersion, TaskToken } from '../shared/fields';
import { wardenHandler } from '../shared/handler';
import { STEP_FUNCTIONS_PAYLOAD_BYTES } from '../shared/limits';
import { logger } from '../shared/logger';

/** Step Functions limits: error names up to 256 characters, causes up to 32768. */
const MAX_ERROR = 256;
const MAX_CAUSE = 32_768;

/** What the serving description may take of the task output (at most 256 KiB), leaving room for the other fields. */
const MAX_SERVING_BYTES = STEP_FUNCTIONS_PAYLOAD_BYTES - 1024;

export const ReportDeploymentInput = z.object({
  outcome: z.enum(['Succeeded', 'RolledBack', 'Failed']),
  /** The deploy execution's input, as `start-regional-deployment` passed it. */
  request: z.looseObject({ taskToken: TaskToken.optional(), correlationId: z.string().optional() }),
  region: AwsRegion,
  modelVersion: ModelVersion,
  serving: z.unknown().superRefine(jsonOfAtMost(MAX_SERVING_BYTES, 'serving')).optional(),
  error: z.object({ Error: z.string().min(1), Cause: z.string().optional() }).optional(),
});
export type ReportDeploymentInput = z.infer<typeof ReportDeploymentInput>;

const GONE = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

export const handler = wardenHandler(
  'report-deployment',
  ReportDeploymentInput,
  async (input) => {
    const token = input.request.taskToken;
    if (token === undefined) return { reported: false, reason: 'the execution was started without a task token' };
    const cfg = config();
    const sfn = awsClient('SFN', cfg.primaryRegion, (region) => new SFNClient({ region }));
    const { outcome, region, modelVersion } = input;
    try {
      if (outcome === 'Succeeded') {
        await sfn.send(
          new SendTaskSuccessCommand({
            taskToken: token,
            output: JSON.stringify({ outcome, region, modelVersion, serving: input.serving ?? null }),
          }),
        );
      } else {
        const error =
          input.error?.Error ?? (outcome === 'RolledBack' ? 'Warden.DeploymentRolledBack' : 'Warden.DeploymentFailed');
        const cause = input.error?.Cause ?? `The deployment of version ${modelVersion} in ${region} ended ${outcome}.`;
        await sfn.send(
          new SendTaskFailureCommand({
            taskToken: token,
            error: error.slice(0, MAX_ERROR),
            cause: cause.slice(0, MAX_CAUSE),
          }),
        );
      }
    } catch (error) {
      if (error instanceof Error && GONE.has(error.name)) {
        logger.warn('the waiting task cannot be answered any more', { reason: error.name });
        return { reported: false, reason: error.name };
      }
      throw error;
    }
    logger.info('deployment reported', { outcome, region, modelVersion });
    return { reported: true, outcome };
  },
  (input) => input.request.correlationId,
);
