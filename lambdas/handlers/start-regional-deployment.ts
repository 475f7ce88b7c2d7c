/**
 * `start-regional-deployment`: starts the deploy state machine of one serving region (docs/wiring.md) on behalf of a
 * waiting task in the primary region. The whole payload, task token included, becomes the regional execution's input;
 * that execution answers the token through `report-deployment` when it is done.
 *
 * The execution name is derived from the task token, so a retried invocation finds the execution it already started
 * instead of deploying twice, while a new attempt of the waiting state (a new token) starts a new one.
 *
 * The input also gets `previousEndpointConfigName`, the config the region's endpoint serves now (absent when there is
 * no endpoint yet): a deploy execution that cannot confirm or record its change returns the endpoint to it.
 */
import { createHash } from 'node:crypto';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { awsClient } from '../shared/aws-clients';
import { config, ConfigurationError } from '../shared/config';
import { describeEndpoint } from '../shared/endpoints';
import { InputError } from '../shared/errors';
import { AwsRegion, CorrelationId, jsonOfAtMost, ModelVersion, TaskToken } from '../shared/fields';
import { wardenHandler } from '../shared/handler';
import { STEP_FUNCTIONS_PAYLOAD_BYTES } from '../shared/limits';
import { logger } from '../shared/logger';

/** The request becomes the execution's input (at most 256 KiB), with room for what the handler adds to it. */
const MAX_REQUEST_BYTES = STEP_FUNCTIONS_PAYLOAD_BYTES - 1024;

export const StartRegionalDeploymentInput = z
  .looseObject({
    mode: z.enum(['deploy', 'rollback']),
    region: AwsRegion,
    modelVersion: ModelVersion,
    correlationId: CorrelationId,
    taskToken: TaskToken,
    /** `deploy`: the model artifact and serving image. */
    modelDataUrl: z.string().min(1).optional(),
    image: z.string().min(1).optional(),
    /** `rollback`: the endpoint config to return to. */
    endpointConfigName: z.string().min(1).optional(),
    wave: z.number().int().min(0).optional(),
  })
  .superRefine(jsonOfAtMost(MAX_REQUEST_BYTES, 'the deploy request'));
export type StartRegionalDeploymentInput = z.infer<typeof StartRegionalDeploymentInput>;

export const handler = wardenHandler('start-regional-deployment', StartRegionalDeploymentInput, async (input) => {
  if (input.mode === 'deploy' && (input.modelDataUrl === undefined || input.image === undefined)) {
    throw new InputError('A deployment needs modelDataUrl and image.');
  }
  if (input.mode === 'rollback' && input.endpointConfigName === undefined) {
    throw new InputError('A rollback needs the endpointConfigName to return to.');
  }
  const cfg = config();
  const stateMachineArn = cfg.deployStateMachineArns[input.region];
  if (stateMachineArn === undefined) {
    throw new ConfigurationError(`WARDEN_DEPLOY_STATE_MACHINE_ARNS has no deploy state machine for ${input.region}.`);
  }
  const name = executionName(input);
  const serving = await describeEndpoint(input.region, cfg.endpointName);
  const request = { ...input, ...(serving === undefined ? {} : { previousEndpointConfigName: serving.configName }) };
  const sfn = awsClient('SFN', input.region, (region) => new SFNClient({ region }));
  try {
    // Starting the same name with the same input again returns the running execution: a retry is idempotent.
    const started = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(request) }),
    );
    logger.info('regional deployment started', { region: input.region, mode: input.mode, name });
    return { region: input.region, executionArn: started.executionArn, name, alreadyStarted: false };
  } catch (error) {
    // The execution for this very token exists and has finished: it has answered (or will answer) the token already.
    if (!(error instanceof Error && error.name === 'ExecutionAlreadyExists')) throw error;
    logger.warn('regional deployment already started for this task token', { region: input.region, name });
    return { region: input.region, executionArn: undefined, name, alreadyStarted: true };
  }
});

/** `<mode>-v<version>-<region>-<token hash>`: readable, at most 80 characters of `[A-Za-z0-9-]`. */
function executionName(input: StartRegionalDeploymentInput): string {
  const token = createHash('sha256').update(input.taskToken).digest('hex').slice(0, 24);
  return `${input.mode}-v${input.modelVersion}-${input.region}-${token}`.slice(0, 80);
}
