/**
 * Whether a JSON value can go into a DynamoDB item as given and come back unchanged through the SDK's default
 * marshalling (@aws-sdk/util-dynamodb), checked before anything is written, so that what DynamoDB or the marshaller
 * would refuse, drop or alter is the caller's input error instead of a failed (or, worse, a silently changed) write:
 *
 * - numbers are 0 or 1e-130 to 2^53 − 1 in magnitude: the marshaller refuses larger ones, DynamoDB smaller ones;
 * - strings and keys have a UTF-8 form (no lone surrogates), and keys are 1 to 65 535 bytes;
 * - no key is `__proto__`, which the marshaller drops, or `constructor`, which it reads as the object's type
 *   (`{"constructor": {"name": "String"}}` would be stored as "[object Object]");
 * - nesting is at most 32 levels deep, and the value takes at most the bytes it is given of the 400 KB item.
 */
import {
  DYNAMODB_DEPTH,
  DYNAMODB_ITEM_BYTES,
  DYNAMODB_NAME_BYTES,
  DYNAMODB_SMALLEST_NUMBER,
  isWellFormed,
  utf8Bytes,
} from '../shared/limits';

/** What the caller's attributes may take of an item, leaving room for the keys and attributes the ledger adds. */
export const ATTRIBUTES_BYTES = DYNAMODB_ITEM_BYTES - 50 * 1024;

/** Keys the marshaller does not store as data. */
const UNSTORABLE_KEYS = new Set(['__proto__', 'constructor']);

/** The first problem that keeps `value` (named `name` in the message) out of a DynamoDB item, or undefined. */
export function storageProblem(value: unknown, name: string, maxBytes = ATTRIBUTES_BYTES): string | undefined {
  let bytes = 0;
  const visit = (item: unknown, path: string, depth: number): string | undefined => {
    const problem = valueProblem(item, path, depth);
    if (problem !== undefined) return problem;
    bytes += ownBytes(item);
    if (bytes > maxBytes) return `${name} takes more than ${maxBytes} bytes of a DynamoDB item`;
    if (typeof item !== 'object' || item === null) return undefined;
    const list = Array.isArray(item);
    for (const [key, child] of entries(item)) {
      const badKey = list ? undefined : keyProblem(key, path);
      if (badKey !== undefined) return badKey;
      // Each element costs a byte besides its value, a map element its key too; the child's visit checks the total.
      bytes += 1 + (list ? 0 : utf8Bytes(key));
      const found = visit(child, list ? `${path}[${key}]` : `${path}.${key}`, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return visit(value, name, 0);
}

function valueProblem(value: unknown, path: string, depth: number): string | undefined {
  if (typeof value === 'number') return numberProblem(value, path);
  if (typeof value === 'string') return isWellFormed(value) ? undefined : `${path} has a lone surrogate`;
  if (value === null || typeof value === 'boolean') return undefined;
  if (typeof value !== 'object' || !isPlain(value)) return `${path} is not a JSON value`;
  return depth >= DYNAMODB_DEPTH ? `${path} is nested deeper than ${DYNAMODB_DEPTH} levels` : undefined;
}

function numberProblem(value: number, path: string): string | undefined {
  const magnitude = Math.abs(value);
  if (!Number.isFinite(value)) return `${path} is not a finite number`;
  if (magnitude > Number.MAX_SAFE_INTEGER || (magnitude > 0 && magnitude < DYNAMODB_SMALLEST_NUMBER)) {
    return `${path} (${value}) is outside the numbers DynamoDB stores exactly (0, or 1e-130 to 2^53 - 1 in magnitude)`;
  }
  return undefined;
}

function keyProblem(key: string, path: string): string | undefined {
  if (key === '') return `${path} has an empty key, which DynamoDB cannot store`;
  if (UNSTORABLE_KEYS.has(key)) return `${path} has a "${key}" key, which DynamoDB's marshaller does not store as data`;
  if (!isWellFormed(key)) return `${path} has a key with a lone surrogate`;
  const bytes = utf8Bytes(key);
  if (bytes > DYNAMODB_NAME_BYTES) return `${path} has a key of ${bytes} bytes; DynamoDB takes ${DYNAMODB_NAME_BYTES}`;
  return undefined;
}

/**
 * Bytes of a value in an item, without its elements (DynamoDB developer guide, "Item sizes and formats"): strings as
 * UTF-8, numbers one byte per two significant digits plus one, null and booleans one byte, lists and maps three.
 */
function ownBytes(value: unknown): number {
  if (typeof value === 'string') return utf8Bytes(value);
  if (typeof value === 'number') return Math.ceil(significantDigits(value) / 2) + 1;
  return typeof value === 'object' && value !== null ? 3 : 1;
}

function significantDigits(value: number): number {
  const mantissa = Math.abs(value).toExponential().split('e')[0];
  return Math.max(1, mantissa.replace('.', '').length);
}

function isPlain(value: object): boolean {
  if (Array.isArray(value)) return true;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

function entries(value: object): [string, unknown][] {
  // Array.from visits the holes of a sparse array too (as undefined, which is not JSON).
  return Array.isArray(value) ? Array.from(value, (item, index) => [String(index), item]) : Object.entries(value);
}
