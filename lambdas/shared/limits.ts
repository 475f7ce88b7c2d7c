/**
 * What the AWS APIs the handlers call accept, in one place: the quotas of their service references, and the measures
 * to hold a value against them. A handler bounds its event with these at the edge, so that a value AWS would refuse is
 * the caller's input error before anything is sent, never a service error halfway through.
 */

/** Step Functions: an execution's input and a task's output (`SendTaskSuccess`) are at most 256 KiB of UTF-8 JSON. */
export const STEP_FUNCTIONS_PAYLOAD_BYTES = 256 * 1024;

/** Step Functions: a task token has 1 to 2048 characters. */
export const TASK_TOKEN_CHARS = 2048;

/** CloudWatch: an alarm name has 1 to 255 characters. */
export const ALARM_NAME_CHARS = 255;

/** S3: an object key has 1 to 1024 bytes of UTF-8. */
export const S3_KEY_BYTES = 1024;

/** DynamoDB: an item is at most 400 KB, attribute names and map keys included. */
export const DYNAMODB_ITEM_BYTES = 400 * 1024;

/** DynamoDB: an attribute name (a map key too) has 1 to 65 535 bytes of UTF-8. */
export const DYNAMODB_NAME_BYTES = 65_535;

/** DynamoDB: a document nests at most 32 levels deep. */
export const DYNAMODB_DEPTH = 32;

/** DynamoDB numbers the SDK reads back exactly: 0, or 1e-130 up to 2^53 − 1 in magnitude (its default marshalling). */
export const DYNAMODB_SMALLEST_NUMBER = 1e-130;

/**
 * A correlation id is an EventBridge event id or an execution name (at most 80 characters) in practice; it becomes
 * part of DynamoDB sort keys (at most 1024 bytes) URI-encoded, which can triple its bytes, and of every event detail.
 */
export const CORRELATION_ID_BYTES = 256;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Whether `text` has a UTF-8 form: no lone surrogate, which `encodeURIComponent` (S3 keys, the SDK's request paths)
 * throws on, UTF-8 encoders replace, and RFC 8785 rejects.
 */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Bytes of `value` as UTF-8 JSON; Infinity when it has no JSON form (nested too deep for `JSON.stringify`). */
export function jsonBytes(value: unknown): number {
  try {
    return utf8Bytes(JSON.stringify(value) ?? '');
  } catch {
    return Infinity;
  }
}
