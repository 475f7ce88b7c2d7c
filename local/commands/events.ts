/**
 * `warden events test-pattern --pattern <pattern.json> --event <event.json> [--json]` (CONTRACTS.md): the offline twin
 * of `aws events test-event-pattern`, with the local EventBridge's own matcher.
 */
import { readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../../lambdas/shared/errors';
import { compileEventPattern } from '../emulators/event-pattern';
import { TEST_EVENT_REQUIRED_FIELDS } from '../emulators/eventbridge';
import { ServiceError } from '../emulators/service';
import { runCommand } from '../run-command';

interface TestPatternOptions {
  readonly pattern: string;
  readonly event: string;
  readonly json?: boolean;
  readonly debug?: boolean;
}

/** TestEventPattern's limit on the pattern text. */
const MAX_PATTERN_LENGTH = 4096;

const HELP = `
Amazon EventBridge pattern semantics: values in a list are alternatives, fields are all required, and an event array
matches when any element does. Values are exact strings, numbers, true, false or null, or the operators prefix,
suffix, equals-ignore-case (also inside prefix and suffix), wildcard, anything-but (a value, a list, or prefix,
suffix, equals-ignore-case or wildcard), numeric ("=", "<", "<=", ">", ">=": a lower then an upper bound), exists,
cidr (IPv4 and IPv6) and $or.

The event must carry the fields TestEventPattern requires: ${TEST_EVENT_REQUIRED_FIELDS.join(', ')}.

Exit codes: 0 the event matches, 1 it does not, 2 usage or input error (an invalid pattern prints EventBridge's reason).

Examples:
  $ warden events test-pattern --pattern rule.json --event drift-event.json
  $ warden events test-pattern --pattern rule.json --event drift-event.json --json`;

export function registerEvents(program: Command): void {
  const events = program.command('events').description('Work with EventBridge events and rule patterns offline.');

  events
    .command('test-pattern')
    .description('Test whether an event matches an EventBridge event pattern, as `aws events test-event-pattern` does.')
    .requiredOption('--pattern <pattern.json>', 'the event pattern (JSON object), as a rule carries it')
    .requiredOption('--event <event.json>', 'the event (JSON object with the EventBridge envelope)')
    .option('--json', 'print {"match": true|false} as one JSON document')
    .addHelpText('after', HELP)
    .action(async (_options: TestPatternOptions, command: Command) => {
      const options = command.optsWithGlobals<TestPatternOptions>();
      await runCommand(options, async () => {
        const patternText = readText(options.pattern);
        if (patternText.length > MAX_PATTERN_LENGTH) {
          throw new InputError(
            `The pattern ${options.pattern} is ${patternText.length} characters long; EventBridge accepts at most ${MAX_PATTERN_LENGTH}.`,
          );
        }
        const pattern = compile(parseJson(patternText, options.pattern), options.pattern);
        const event = parseJson(readText(options.event), options.event);
        checkEnvelope(event, options.event);
        const match = pattern.matches(event);
        return {
          json: { match },
          human: `The event in ${options.event} ${match ? 'matches' : 'does not match'} the pattern in ${options.pattern}.`,
          exitCode: match ? 0 : 1,
        };
      });
    });
}

function readText(path: string): string {
  let bytes: Buffer;
  try {
    if (!statSync(path).isFile()) throw new InputError(`Cannot read ${path}: it is not a regular file.`);
    bytes = readFileSync(path);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`Cannot read ${path}: no such file.`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InputError(`${path} is not valid UTF-8.`);
  }
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InputError(`${path} is not valid JSON (${(error as Error).message}).`);
  }
}

function compile(pattern: unknown, path: string): ReturnType<typeof compileEventPattern> {
  try {
    return compileEventPattern(pattern);
  } catch (error) {
    if (error instanceof ServiceError) throw new InputError(`${path}: ${error.message.replace(/\.?$/, '.')}`);
    throw error;
  }
}

function checkEnvelope(event: unknown, path: string): void {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new InputError(`The event in ${path} is not a JSON object.`);
  }
  const missing = TEST_EVENT_REQUIRED_FIELDS.filter((field) => !(field in event));
  if (missing.length > 0) {
    throw new InputError(
      `The event in ${path} lacks ${missing.join(', ')}: TestEventPattern requires ${TEST_EVENT_REQUIRED_FIELDS.join(', ')}.`,
    );
  }
}
