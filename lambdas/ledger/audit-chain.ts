/**
 * The audit hash chain of CONTRACTS.md ("Audit ledger"), as pure functions: one chain per `stream`, entry `seq` n
 * carries the hash of entry n − 1, so editing, deleting, reordering or inserting any entry breaks every later link.
 * A truncated tail leaves a shorter but intact chain; only chain-head digests anchored outside the table (the Object
 * Lock bucket) reveal it, hence {@link verifyAgainstDigests}.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { InputError } from '../shared/errors';
import { boundedText } from '../shared/fields';
import { isWellFormed } from '../shared/limits';

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | JsonObject;
export interface JsonObject {
  readonly [key: string]: JsonValue;
}

/** One link of the chain, exactly the fields of CONTRACTS.md. */
export interface AuditEntry {
  readonly stream: string;
  /** 1, 2, … without gaps within a stream. */
  readonly seq: number;
  /** ISO 8601 UTC, e.g. `2025-01-31T12:00:00.000Z`. */
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly detail: JsonObject;
  /** `hash` of the previous entry, {@link GENESIS_HASH} for seq 1. */
  readonly prevHash: string;
  /** {@link hashEntry} of this entry. */
  readonly hash: string;
}

export type UnhashedAuditEntry = Omit<AuditEntry, 'hash'>;

/** What a caller says happened; the chain supplies `seq`, `at`, `prevHash` and `hash`. */
export interface AuditInput {
  readonly stream: string;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly detail: JsonObject;
}

/** A chain head recorded outside the table: entry `seq` of `stream` had this `hash`. */
export interface ChainHeadDigest {
  readonly stream: string;
  readonly seq: number;
  readonly hash: string;
}

export interface ChainVerification {
  /** Distinct streams in the entries. */
  readonly streams: number;
  readonly entries: number;
  readonly valid: boolean;
  /** The first seq of {@link firstBadStream} that cannot be trusted; every earlier seq verified. */
  readonly firstBadSeq: number | null;
  readonly firstBadStream: string | null;
  /** Why that seq failed, for people. */
  readonly reason: string | null;
}

export const GENESIS_HASH = '0'.repeat(64);

const HASH_PATTERN = /^[0-9a-f]{64}$/;

/**
 * Bytes of a stream name: it is the table's partition key and, URI-encoded (up to three bytes a byte), part of the S3
 * key of the stream's digests (at most 1024 bytes).
 */
const AUDIT_STREAM_BYTES = 256;

/** Bytes of an actor, action or subject: names, bounded so that they leave the 400 KB item to the detail. */
const AUDIT_NAME_BYTES = 1024;

/**
 * Whether `value` is JSON that survives canonicalization and a DynamoDB round trip unchanged: finite numbers, strings
 * without lone surrogates (RFC 8785 §3.2.2.2 rejects them) and no `__proto__` keys, which object spreading and the
 * DynamoDB marshaller turn into a prototype instead of data.
 */
function isJsonValue(value: unknown): value is JsonValue {
  if (value === null || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value === 'string') return isWellFormed(value);
  if (Array.isArray(value)) return value.every(isJsonValue);
  return isJsonObject(value);
}

function isJsonObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return false;
  return Object.keys(value).every(
    (key) => key !== '__proto__' && isWellFormed(key) && isJsonValue((value as Record<string, unknown>)[key]),
  );
}

const text = z.string().min(1, 'must be a non-empty string');
const hash = z.string().regex(HASH_PATTERN, 'must be 64 lowercase hex digits');
const seq = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const detail = z.custom<JsonObject>(isJsonObject, {
  message: 'must be a JSON object (finite numbers, well-formed strings, no "__proto__" keys)',
});

/** A stream an entry can be appended to. */
export const AuditStream = boundedText(AUDIT_STREAM_BYTES);
/** An actor, action or subject of an entry to append. */
export const AuditName = boundedText(AUDIT_NAME_BYTES);

export const AuditInputSchema = z.strictObject({
  stream: AuditStream,
  actor: AuditName,
  action: AuditName,
  subject: AuditName,
  detail,
});

export const AuditEntrySchema = z.strictObject({
  stream: text,
  seq,
  at: z.iso.datetime({ message: 'must be an ISO 8601 UTC timestamp ending in Z' }),
  actor: text,
  action: text,
  subject: text,
  detail,
  prevHash: hash,
  hash,
});

/** Digests may carry more than the three fields (anchor metadata); only these are checked. */
export const ChainHeadDigestSchema = z.object({ stream: text, seq, hash });

/**
 * RFC 8785 (JCS) serialization. Equivalent to the `canonicalize` package, which is ESM-only from version 4 and so
 * cannot be loaded by this CommonJS build or by jest; test/ledger/canonical-json.test.ts checks that both agree.
 */
export function canonicalJson(value: JsonValue): string {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new InputError(`${value} has no JSON representation.`);
  }
  if (typeof value === 'string' && !isWellFormed(value)) {
    throw new InputError('A string with a lone surrogate has no canonical JSON form (RFC 8785).');
  }
  // RFC 8785 §3.2.2: literals, strings and numbers are serialized exactly as ECMAScript JSON.stringify does.
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  // RFC 8785 §3.2.3: members sorted by the UTF-16 code units of their names, which is what Array#sort compares.
  const members = Object.keys(value)
    .sort()
    .map((key) => `${canonicalJson(key)}:${canonicalJson(value[key])}`);
  return `{${members.join(',')}}`;
}

function isArray(value: JsonValue): value is readonly JsonValue[] {
  return Array.isArray(value);
}

/** CONTRACTS.md: lowercase hex SHA-256 of `prevHash + "\n" + JCS(entry without hash)`. */
export function hashEntry(entry: UnhashedAuditEntry): string {
  // Only the contract's fields are hashed, even when a full entry (with `hash`) or a wider object is passed.
  const { stream, seq, at, actor, action, subject, detail, prevHash } = entry;
  const canonical = canonicalJson({ stream, seq, at, actor, action, subject, detail, prevHash });
  return createHash('sha256').update(`${prevHash}\n${canonical}`, 'utf8').digest('hex');
}

/** The entry that follows `head` (the stream's last entry, or undefined for an empty stream). */
export function nextEntry(head: AuditEntry | undefined, input: AuditInput, at: Date): AuditEntry {
  const parsed = parseAuditInput(input);
  if (head !== undefined && head.stream !== parsed.stream) {
    throw new InputError(`The head belongs to stream "${head.stream}", not "${parsed.stream}".`);
  }
  if (Number.isNaN(at.getTime())) throw new InputError('The audit entry time is not a valid date.');
  const unhashed: UnhashedAuditEntry = {
    stream: parsed.stream,
    seq: head === undefined ? 1 : head.seq + 1,
    at: at.toISOString(),
    actor: parsed.actor,
    action: parsed.action,
    subject: parsed.subject,
    // A copy, so a caller mutating its object afterwards cannot change an entry already hashed.
    detail: structuredClone(parsed.detail),
    prevHash: head === undefined ? GENESIS_HASH : head.hash,
  };
  return { ...unhashed, hash: hashEntry(unhashed) };
}

interface ChainBreak {
  readonly stream: string;
  readonly seq: number;
  readonly reason: string;
}

/**
 * Checks every stream of `entries` (streams may interleave; within a stream the given order is the chain order).
 * A truncated tail is not detectable here — see {@link verifyAgainstDigests}.
 */
export function verifyChain(entries: readonly AuditEntry[]): ChainVerification {
  const chains = groupByStream(entries);
  let firstBreak: ChainBreak | undefined;
  for (const [stream, chain] of chains) {
    firstBreak ??= findBreak(stream, chain);
  }
  return summarize(chains.size, entries.length, firstBreak);
}

/**
 * {@link verifyChain}, then every digest must match the entry at its seq. A digest beyond the end of its stream means
 * the tail was cut off; a digest whose hash differs means the chain was rewritten up to that seq.
 */
export function verifyAgainstDigests(
  entries: readonly AuditEntry[],
  digests: readonly ChainHeadDigest[],
): ChainVerification {
  const internal = verifyChain(entries);
  if (!internal.valid) return internal;
  const chains = groupByStream(entries);
  const breaks = new Map<string, ChainBreak>();
  for (const digest of digests) {
    const chain = chains.get(digest.stream) ?? [];
    const found = digestBreak(digest, chain);
    const known = breaks.get(digest.stream);
    if (found && (known === undefined || found.seq < known.seq)) breaks.set(digest.stream, found);
  }
  const streamOrder = [...chains.keys(), ...digests.map((digest) => digest.stream)];
  const firstStream = streamOrder.find((stream) => breaks.has(stream));
  return summarize(chains.size, entries.length, firstStream === undefined ? undefined : breaks.get(firstStream));
}

function digestBreak(digest: ChainHeadDigest, chain: readonly AuditEntry[]): ChainBreak | undefined {
  // The chain is internally valid here, so the entry with seq n sits at index n − 1.
  const entry = chain[digest.seq - 1];
  if (entry === undefined) {
    const end = chain.length === 0 ? 'the stream has no entries' : `the stream ends at seq ${chain.length}`;
    return {
      stream: digest.stream,
      seq: chain.length + 1,
      reason: `${end} but seq ${digest.seq} was anchored: entries were removed`,
    };
  }
  if (entry.hash !== digest.hash) {
    return {
      stream: digest.stream,
      seq: digest.seq,
      reason: `seq ${digest.seq} does not match its anchored digest: the chain was rewritten up to it`,
    };
  }
  return undefined;
}

function findBreak(stream: string, chain: readonly AuditEntry[]): ChainBreak | undefined {
  let prevHash = GENESIS_HASH;
  for (const [index, entry] of chain.entries()) {
    const expected = index + 1;
    if (entry.seq !== expected) {
      const why = entry.seq > expected ? 'an entry is missing' : 'a duplicate, forked or reordered entry';
      return { stream, seq: expected, reason: `expected seq ${expected} but found seq ${entry.seq} (${why})` };
    }
    if (entry.prevHash !== prevHash) {
      return { stream, seq: expected, reason: `prevHash of seq ${expected} is not the hash of the entry before it` };
    }
    if (hashEntry(entry) !== entry.hash) {
      return { stream, seq: expected, reason: `seq ${expected} does not match its hash (the entry was altered)` };
    }
    prevHash = entry.hash;
  }
  return undefined;
}

function summarize(streams: number, entries: number, failure: ChainBreak | undefined): ChainVerification {
  return {
    streams,
    entries,
    valid: failure === undefined,
    firstBadSeq: failure?.seq ?? null,
    firstBadStream: failure?.stream ?? null,
    reason: failure?.reason ?? null,
  };
}

/** Entries per stream, streams in order of first appearance, entries in their given order. */
function groupByStream(entries: readonly AuditEntry[]): Map<string, AuditEntry[]> {
  const chains = new Map<string, AuditEntry[]>();
  for (const entry of entries) {
    const chain = chains.get(entry.stream);
    if (chain) chain.push(entry);
    else chains.set(entry.stream, [entry]);
  }
  return chains;
}

/** Streams by name (UTF-16 code units), each chain in seq order: the order of `warden audit export`. */
export function sortForExport(entries: readonly AuditEntry[]): AuditEntry[] {
  return [...entries].sort((a, b) => (a.stream === b.stream ? a.seq - b.seq : a.stream < b.stream ? -1 : 1));
}

/** Checks what a caller wants recorded before anything is read or written. */
export function parseAuditInput(input: unknown): AuditInput {
  return parseOrThrow(AuditInputSchema, input, 'The audit entry');
}

/** Parses one stored entry (e.g. a DynamoDB item) named `source` in the error. */
export function parseAuditEntry(document: unknown, source: string): AuditEntry {
  return parseOrThrow(AuditEntrySchema, document, source);
}

/** Parses an exported audit file (a JSON array of entries); problems become one {@link InputError}. */
export function parseAuditEntries(document: unknown, source = 'The audit file'): AuditEntry[] {
  return parseOrThrow(z.array(AuditEntrySchema), document, source, 'a JSON array of audit entries');
}

/** Parses chain-head digests: one digest object or an array of them. */
export function parseChainDigests(document: unknown, source = 'The digests file'): ChainHeadDigest[] {
  const list = Array.isArray(document) ? document : [document];
  return parseOrThrow(z.array(ChainHeadDigestSchema), list, source, 'chain-head digests {stream, seq, hash}');
}

const MAX_LISTED_PROBLEMS = 3;

function parseOrThrow<T>(schema: z.ZodType<T>, document: unknown, source: string, expected?: string): T {
  const result = schema.safeParse(document);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const problems = issues.slice(0, MAX_LISTED_PROBLEMS).map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : 'top level';
    return `${where}: ${issue.message}`;
  });
  if (issues.length > MAX_LISTED_PROBLEMS) problems.push(`${issues.length - MAX_LISTED_PROBLEMS} more`);
  const what = expected === undefined ? 'is not valid' : `is not ${expected}`;
  throw new InputError(`${source} ${what} (${problems.join('; ')}).`);
}
