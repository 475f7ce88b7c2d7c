/**
 * The edge every handler shares: parse the event with its zod schema (an unusable event is an {@link InputError}, so
 * a state machine can tell it from a crash), tag the logs with the handler name and the correlation id, log the
 * outcome, and flush the invocation's metrics.
 */
import type { z } from 'zod';
import { describeIssues } from './config';
import { InputError, WardenError } from './errors';
import { logger, metrics } from './logger';

/** The Lambda context object (only what Powertools reads from it). */
export type LambdaContext = Parameters<typeof logger.addContext>[0];

export type LambdaHandler<R> = (event: unknown, context?: LambdaContext) => Promise<R>;

/**
 * A Lambda handler that parses the event with `schema` and runs `core` on the typed input. `correlationIdOf` picks the
 * id the logs are tagged with (by default the input's `correlationId`).
 */
export function wardenHandler<S extends z.ZodType, R>(
  name: string,
  schema: S,
  core: (input: z.infer<S>) => Promise<R>,
  correlationIdOf: (input: z.infer<S>) => string | undefined = defaultCorrelationId,
): LambdaHandler<R> {
  return async (event, context) => {
    if (context !== undefined) logger.addContext(context);
    logger.appendKeys({ handler: name });
    try {
      const result = schema.safeParse(event);
      if (!result.success) {
        throw new InputError(`The ${name} event is not valid: ${describeIssues(result.error)}.`);
      }
      const input = result.data as z.infer<S>;
      logger.setCorrelationId(correlationIdOf(input));
      const output = await core(input);
      logger.info(`${name} done`);
      return output;
    } catch (error) {
      // Expected outcomes (a failed gate, a bad event) are warnings; anything else is a fault worth an alert.
      if (error instanceof WardenError) logger.warn(`${name} failed: ${error.name}`, { error: error.message });
      else logger.error(`${name} failed`, error as Error);
      throw error;
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}

function defaultCorrelationId(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null || !('correlationId' in input)) return undefined;
  const value = (input as { correlationId?: unknown }).correlationId;
  return typeof value === 'string' ? value : undefined;
}
