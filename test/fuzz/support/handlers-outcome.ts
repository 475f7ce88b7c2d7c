/**
 * What the handler fuzz suite checks after every invocation: the handler answered with a result that survives the trip
 * through JSON (what Step Functions and Lambda carry) or threw a {@link WardenError} with a stable `Warden.*` name —
 * `Warden.InputError` when the event's schema refuses it — and nothing else happened: no unhandled rejection or
 * uncaught exception on the process, no prototype pollution, no PII marker in anything the handler wrote, returned,
 * sent or logged.
 */
import { runInThisContext } from 'node:vm';
import type { z } from 'zod';
import { InputError, WardenError } from '../../../lambdas/shared/errors';
import type { LocalS3 } from '../../../local/emulators/s3';
import { prototypeSnapshot } from './handlers-hostile';

/** Runs per handler: `WARDEN_FUZZ_RUNS` (npm run verify sets 1000), else 100 to keep npm test fast. */
export function fuzzRuns(): number {
  const text = process.env.WARDEN_FUZZ_RUNS ?? '100';
  const runs = Number(text);
  if (!Number.isSafeInteger(runs) || runs < 1)
    throw new Error(`WARDEN_FUZZ_RUNS must be a positive integer, got "${text}".`);
  return runs;
}

export type Outcome = { readonly result: unknown } | { readonly error: unknown };

export async function settle(handler: (event: unknown) => Promise<unknown>, event: unknown): Promise<Outcome> {
  try {
    return { result: await handler(event) };
  } catch (error) {
    return { error };
  }
}

export const STABLE_NAME = /^Warden\.[A-Z][A-Za-z]+$/;

/**
 * The handler's answer is a result or a Warden error (an input error when `schema` refuses the event); returns the
 * error name, or `'ok'`.
 */
export function expectTyped(outcome: Outcome, schema: z.ZodType, event: unknown): string {
  const refused = !schema.safeParse(event).success;
  if ('error' in outcome) {
    const { error } = outcome;
    if (!(error instanceof WardenError)) throw new Error(`Not a Warden error: ${describe(error)}`);
    expect(error.name).toMatch(STABLE_NAME);
    expect(error.message.length).toBeGreaterThan(0);
    if (refused) expect(error).toBeInstanceOf(InputError);
    return error.name;
  }
  expect(refused).toBe(false);
  // What a state machine receives: JSON. NaN or a function would not survive; toEqual tells NaN from null.
  expect(JSON.parse(JSON.stringify(outcome.result) ?? 'null')).toEqual(outcome.result);
  return 'ok';
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message.slice(0, 300)}\n${error.stack ?? ''}`;
  return String(error).slice(0, 300);
}

/** Fails when any marker occurs in any of the texts or byte strings. */
export function expectNoMarkers(
  markers: readonly string[],
  outputs: readonly (string | Buffer)[],
  where: string,
): void {
  if (markers.length === 0) return;
  for (const output of outputs) {
    for (const marker of markers) {
      if (output.includes(marker)) throw new Error(`PII marker ${marker} found in ${where}.`);
    }
  }
}

/** The text of an outcome: the result as JSON, or the error's name and message. */
export function outcomeText(outcome: Outcome): string {
  if ('result' in outcome) return JSON.stringify(outcome.result) ?? '';
  const { error } = outcome;
  return error instanceof Error ? `${error.name} ${error.message}` : String(error);
}

/**
 * Keys of `bucket` written through the S3 API (PutObject, multipart parts and completion) since `requests[from]`: the
 * local server records every request it serves.
 */
export function keysWritten(s3: LocalS3, bucket: string, from: number): string[] {
  const keys = new Set<string>();
  for (const request of s3.requests.slice(from)) {
    if (request.method !== 'PUT' && request.method !== 'POST') continue;
    const path = new URL(request.path, 'http://local').pathname;
    const [, first, ...rest] = path.split('/');
    if (decodeURIComponent(first) === bucket && rest.length > 0) keys.add(decodeURIComponent(rest.join('/')));
  }
  return [...keys];
}

/** Everything those keys hold now (objects written and deleted again are gone). */
export async function objectsWritten(s3: LocalS3, bucket: string, from: number): Promise<Buffer[]> {
  const read = await Promise.all(
    keysWritten(s3, bucket, from).map((key) => s3.read(bucket, key).catch(() => undefined)),
  );
  return read.filter((body): body is Buffer => body !== undefined);
}

export interface ProcessWatch {
  /** Unhandled rejections and uncaught exceptions seen so far. */
  readonly problems: string[];
  stop(): void;
}

/**
 * Listens on the real process for unhandled rejections and uncaught exceptions. Jest gives each test file a copy of
 * `process` whose listeners Node never calls; `runInThisContext` reaches the process Node emits on.
 */
export function watchProcess(): ProcessWatch {
  const real = runInThisContext('process') as NodeJS.Process;
  const problems: string[] = [];
  const onRejection = (reason: unknown) => problems.push(`unhandled rejection: ${describe(reason)}`);
  const onException = (error: unknown) => problems.push(`uncaught exception: ${describe(error)}`);
  real.on('unhandledRejection', onRejection);
  real.on('uncaughtException', onException);
  return {
    problems,
    stop() {
      real.off('unhandledRejection', onRejection);
      real.off('uncaughtException', onException);
    },
  };
}

/** Waits until promises settled by the last invocation have had their chance to be reported as unhandled. */
export function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Fails when `Object.prototype` gained a property or a fresh object reads the `polluted` marker. */
export function expectNoPollution(before: readonly string[]): void {
  expect(prototypeSnapshot()).toEqual(before);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

/** How often each answer came, per handler: `ok` or the error's name. */
export class Tally {
  private readonly counts = new Map<string, Map<string, number>>();

  add(handler: string, answer: string): void {
    const answers = this.counts.get(handler) ?? new Map<string, number>();
    answers.set(answer, (answers.get(answer) ?? 0) + 1);
    this.counts.set(handler, answers);
  }

  of(handler: string, answer: string): number {
    return this.counts.get(handler)?.get(answer) ?? 0;
  }

  /** One line per handler, e.g. `validate-data: ok 412, Warden.InputError 301, …`. */
  summary(): string {
    return [...this.counts]
      .map(([handler, answers]) => `${handler}: ${[...answers].map(([answer, n]) => `${answer} ${n}`).join(', ')}`)
      .join('\n');
  }
}
