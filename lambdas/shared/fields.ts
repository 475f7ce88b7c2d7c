/**
 * zod schemas of the event fields several handlers share, each bounded by what the services they reach accept
 * (./limits.ts), so that every handler refuses the same values with the same message.
 */
import * as z from 'zod';
import { ALARM_NAME_CHARS, CORRELATION_ID_BYTES, isWellFormed, jsonBytes, TASK_TOKEN_CHARS, utf8Bytes } from './limits';

/** Model versions are numbered 1, 2, …; ten digits, so that their sort keys order them numerically. */
export const MAX_MODEL_VERSION = 9_999_999_999;

/** Non-empty text of at most `maxBytes` bytes of UTF-8, without lone surrogates. */
export function boundedText(maxBytes: number) {
  return z
    .string()
    .min(1)
    .refine(isWellFormed, 'has a lone surrogate, which UTF-8 cannot encode')
    .refine((text) => utf8Bytes(text) <= maxBytes, `is longer than ${maxBytes} bytes`);
}

/** Ties together the events, logs, lineage and audit entries of one workflow run. */
export const CorrelationId = boundedText(CORRELATION_ID_BYTES);

/** An AWS region name such as `us-east-1` or `us-gov-west-1` (the longest have 14 characters). */
export const AwsRegion = z
  .string()
  .max(32)
  .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'not an AWS region');

/** A SageMaker endpoint name: letters, digits and hyphens, at most 63, starting and ending with a letter or digit. */
export const EndpointName = z.string().regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'not a SageMaker endpoint name');

export const ModelVersion = z.number().int().min(1).max(MAX_MODEL_VERSION);

/** A SHA-256 digest as 64 lowercase hex digits. */
export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'not 64 lowercase hex digits');

export const AlarmName = z.string().min(1).max(ALARM_NAME_CHARS);

/** A Step Functions task token. */
export const TaskToken = z.string().min(1).max(TASK_TOKEN_CHARS);

/** A refinement for `superRefine`: the value must have a JSON form of at most `maxBytes` bytes. */
export function jsonOfAtMost(maxBytes: number, what: string) {
  return (value: unknown, context: z.RefinementCtx): void => {
    const bytes = jsonBytes(value);
    if (bytes <= maxBytes) return;
    const message =
      bytes === Infinity
        ? `${what} is nested too deep to write as JSON`
        : `${what} takes ${bytes} bytes as JSON, more than the ${maxBytes} allowed`;
    context.addIssue({ code: 'custom', message });
  };
}
