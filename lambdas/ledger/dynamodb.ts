/** DynamoDB plumbing shared by the ledger modules: client wrapping, pagination, retry pacing. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  paginateQuery,
  paginateScan,
  type QueryCommandInput,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { InputError } from '../shared/errors';

/** A plain client, or a document client with the default marshalling (numbers as numbers, not wrapped). */
export type LedgerClient = DynamoDBClient | DynamoDBDocumentClient;

export function toDocumentClient(client: LedgerClient): DynamoDBDocumentClient {
  if (client instanceof DynamoDBDocumentClient) return client;
  // Optional attributes the caller left undefined are simply not written, instead of failing the whole request.
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** Every item of a query, across pages. */
export async function queryAll(
  documents: DynamoDBDocumentClient,
  input: QueryCommandInput,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateQuery({ client: documents }, input)) items.push(...(page.Items ?? []));
  return items;
}

/** Every item of a scan, across pages. */
export async function scanAll(
  documents: DynamoDBDocumentClient,
  input: ScanCommandInput,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateScan({ client: documents }, input)) items.push(...(page.Items ?? []));
  return items;
}

/**
 * Waits before retry `attempt` (0-based) with "full jitter" exponential backoff, so writers that lost a race do not
 * collide again in lockstep (AWS Architecture Blog, "Exponential Backoff And Jitter").
 */
export function backoff(attempt: number, baseMs = 5, capMs = 200): Promise<void> {
  const delay = Math.random() * Math.min(capMs, baseMs * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, delay));
}

/** The SDK error's name, which is stable across package copies where `instanceof` is not. */
export function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** Names are part of item keys joined with `#`, so they must not contain `#` or whitespace. */
export function requireKeyPart(value: string, what: string): string {
  if (!/^[^#\s]+$/.test(value)) {
    throw new InputError(`${what} must be a non-empty string without "#" or whitespace, got "${value}".`);
  }
  return value;
}
