/**
 * The local Amazon EventBridge: one `default` event bus per region (created on first use), rules matched with
 * EventBridge's own pattern semantics (./event-pattern.ts), and delivery to targets after `PutEvents` has answered, as
 * on AWS. The runtime learns when nothing is left to deliver through {@link LocalEventBridge.settled}.
 *
 * - `PutEvents` validates each entry as EventBridge does (Source, DetailType and Detail required, Detail a JSON
 *   object; at most 10 entries) and answers per entry with an `EventId` or an `ErrorCode`/`ErrorMessage`. An entry
 *   naming a bus that does not exist is accepted and dropped, as EventBridge does; the drop is recorded in `failures()`.
 * - A target that is an event bus is served by the emulator itself. The event arrives there with a new `id` but keeps
 *   the `region` and `account` of the region it was put in (EventBridge's cross-Region routing, as LocalStack's
 *   parity tests against AWS record it), so rules in the receiving region can tell where it came from. EventBridge
 *   does not route an event received from another bus on to a third bus; such a target is recorded as a failure.
 * - Every other target is handed to the injected `deliver`. A `deliver` that throws is recorded in `failures()` (the
 *   dead-letter queue's role); the putter never sees it.
 */
import { randomUUID } from 'node:crypto';
import type { VirtualClock } from '../runtime/clock';
import { compileEventPattern, type CompiledEventPattern } from './event-pattern';
import { ServiceError } from './service';

/** An event as targets receive it. */
export interface EventEnvelope {
  readonly version: string;
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  /** ISO 8601 UTC to the second, as EventBridge writes it (`2024-06-01T00:00:00Z`). */
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Readonly<Record<string, unknown>>;
}

/** An event emitted by an AWS service (S3 `Object Created`, `CloudWatch Alarm State Change`); omitted fields are filled. */
export interface ServiceEvent {
  readonly source: string;
  readonly 'detail-type': string;
  readonly detail: Readonly<Record<string, unknown>>;
  readonly resources?: readonly string[];
  /** @default a new UUID */
  readonly id?: string;
  /** @default the virtual clock's time */
  readonly time?: string;
  /** @default the bridge's account */
  readonly account?: string;
  /** @default the region the event is injected in */
  readonly region?: string;
  /** @default "0" */
  readonly version?: string;
}

export interface RuleTarget {
  /** The target's `Id`, unique within its rule. */
  readonly id: string;
  readonly arn: string;
  /** `Input`: JSON text sent instead of the event. */
  readonly input?: string;
  /** `InputPath`: the part of the event sent (`$.detail`). */
  readonly inputPath?: string;
}

export interface EventRule {
  readonly region: string;
  readonly name: string;
  readonly arn: string;
  readonly eventBusName: string;
  readonly eventPattern: unknown;
  readonly targets: readonly RuleTarget[];
}

/**
 * Hands a matched event to a target (a Lambda function, a state machine…). `input` is what the target receives:
 * the event, or the target's `Input` / `InputPath` applied to it.
 */
export type DeliverEvent = (target: RuleTarget, event: EventEnvelope, rule: EventRule, input: unknown) => Promise<void>;

export interface LocalEventBridgeOptions {
  /** The 12-digit account that owns every bus, rule and event. */
  readonly account: string;
  /** Stamps `time` on events put without one. */
  readonly clock: VirtualClock;
  /** Delivers to targets that are not event buses; a throw is recorded as a failed delivery. */
  readonly deliver: DeliverEvent;
}

export interface PutRuleInput {
  readonly region: string;
  /** Rule name: letters, digits, `.`, `-`, `_`, at most 64. */
  readonly name: string;
  /** The pattern, as an object or as JSON text. */
  readonly eventPattern: unknown;
  /** At most 5, as EventBridge allows per rule. */
  readonly targets: readonly RuleTarget[];
  /** @default "default" (the only bus there is) */
  readonly eventBusName?: string;
}

export interface PutEventsRequestEntry {
  readonly Source?: string;
  readonly DetailType?: string;
  /** JSON text of an object. */
  readonly Detail?: string;
  readonly Resources?: readonly string[];
  /** A bus name or ARN. @default "default" */
  readonly EventBusName?: string;
  /** A `Date`, ISO text, or epoch seconds (as on the wire). @default the virtual clock's time */
  readonly Time?: Date | string | number;
  readonly TraceHeader?: string;
}

export interface PutEventsInput {
  readonly Entries?: readonly PutEventsRequestEntry[];
  readonly EndpointId?: string;
}

export type PutEventsResultEntry =
  { readonly EventId: string } | { readonly ErrorCode: string; readonly ErrorMessage: string };

export interface PutEventsOutput {
  readonly FailedEntryCount: number;
  readonly Entries: PutEventsResultEntry[];
}

/** The EventBridge actions a client of one region can send (for `commandSender`). */
export interface EventBridgeClient {
  PutEvents(input: PutEventsInput): Promise<PutEventsOutput>;
}

/** An event as it was put on a bus. */
export interface BusEvent {
  readonly region: string;
  readonly bus: string;
  readonly event: EventEnvelope;
}

/** An event that did not reach a target (or a bus); `rule` and `target` are absent when no rule was involved. */
export interface FailedDelivery {
  readonly region: string;
  readonly bus: string;
  readonly event: EventEnvelope;
  readonly rule?: string;
  readonly target?: string;
  readonly error: string;
}

/** The envelope fields the TestEventPattern API requires of the event it tests. */
export const TEST_EVENT_REQUIRED_FIELDS = [
  'id',
  'account',
  'source',
  'time',
  'region',
  'resources',
  'detail-type',
] as const;

const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;
const MAX_TARGETS_PER_RULE = 5;
const DEFAULT_BUS = 'default';
const NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
const BUS_NAME_OR_ARN = /^(arn:aws[\w-]*:events:[a-z]{2}-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[/.\-_A-Za-z0-9]+$/;
const BUS_ARN = /^arn:aws[\w-]*:events:([a-z0-9-]+):([0-9]{12}):event-bus\/(.+)$/;

interface StoredRule {
  readonly rule: EventRule;
  readonly pattern: CompiledEventPattern;
}

export class LocalEventBridge {
  private readonly rules = new Map<string, Map<string, StoredRule>>();
  private readonly recorded: BusEvent[] = [];
  private readonly failed: FailedDelivery[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: LocalEventBridgeOptions) {
    if (!/^[0-9]{12}$/.test(options.account)) throw new TypeError(`An account is 12 digits, got "${options.account}".`);
  }

  /** The API as seen by an SDK client configured for `region`. */
  client(region: string): EventBridgeClient {
    return { PutEvents: (input) => this.putEvents(region, input) };
  }

  /** Creates or replaces a rule on the region's default bus, with its targets. */
  putRule(input: PutRuleInput): EventRule {
    const busName = input.eventBusName ?? DEFAULT_BUS;
    if (busName !== DEFAULT_BUS) {
      throw new ServiceError('ResourceNotFoundException', `Event bus ${busName} does not exist.`);
    }
    if (!NAME.test(input.name)) {
      throw validation(
        `Value '${input.name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and have length less than or equal to 64`,
      );
    }
    const eventPattern = parsePatternText(input.eventPattern);
    const pattern = compileEventPattern(eventPattern);
    checkTargets(input.targets);
    const rule: EventRule = {
      region: input.region,
      name: input.name,
      arn: `arn:aws:events:${input.region}:${this.options.account}:rule/${input.name}`,
      eventBusName: busName,
      eventPattern,
      targets: input.targets.map((target) => ({ ...target })),
    };
    this.regionRules(input.region).set(input.name, { rule, pattern });
    return rule;
  }

  /** Puts an AWS service's event on the region's default bus; returns it as delivered. */
  injectEvent(region: string, event: ServiceEvent): EventEnvelope {
    if (!event.source || !event['detail-type'] || !isObject(event.detail)) {
      throw new TypeError('A service event needs a source, a detail-type and a detail object.');
    }
    const envelope: EventEnvelope = {
      version: event.version ?? '0',
      id: event.id ?? randomUUID(),
      'detail-type': event['detail-type'],
      source: event.source,
      account: event.account ?? this.options.account,
      time: event.time ?? isoSeconds(this.options.clock.now()),
      region: event.region ?? region,
      resources: [...(event.resources ?? [])],
      detail: event.detail,
    };
    this.publish(region, envelope, false);
    return envelope;
  }

  /** Every event put on any bus, in the order it was put. */
  events(): ReadonlyArray<BusEvent> {
    return [...this.recorded];
  }

  /** Deliveries that failed and events dropped for want of a bus, in the order they happened. */
  failures(): ReadonlyArray<FailedDelivery> {
    return [...this.failed];
  }

  /** Resolves once no delivery is pending, including those started by deliveries while waiting. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private async putEvents(clientRegion: string, input: PutEventsInput): Promise<PutEventsOutput> {
    const entries = input.Entries;
    if (!Array.isArray(entries)) {
      throw validation("Value null at 'entries' failed to satisfy constraint: Member must not be null");
    }
    if (entries.length < 1 || entries.length > MAX_ENTRIES) {
      const bound = entries.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_ENTRIES}`;
      throw validation(`Value at 'entries' failed to satisfy constraint: Member must have length ${bound}`);
    }
    entries.forEach((entry, index) => {
      const bus = entry.EventBusName;
      if (bus !== undefined && (bus.length > 256 || !BUS_NAME_OR_ARN.test(bus))) {
        throw validation(
          `Value '${bus}' at 'entries.${index + 1}.member.eventBusName' failed to satisfy constraint: Member must be an event bus name or ARN`,
        );
      }
    });
    if (entries.reduce((sum, entry) => sum + entrySize(entry), 0) > MAX_REQUEST_BYTES) {
      throw validation('Total size of the entries in the request is over the limit.');
    }
    const results = entries.map((entry) => this.putEntry(clientRegion, entry));
    return { FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length, Entries: results };
  }

  private putEntry(clientRegion: string, entry: PutEventsRequestEntry): PutEventsResultEntry {
    for (const parameter of ['Source', 'DetailType', 'Detail'] as const) {
      if (!entry[parameter]) {
        return failedEntry(
          'InvalidArgument',
          `Parameter ${parameter} is not valid. Reason: ${parameter} is a required argument.`,
        );
      }
    }
    const detail = parseDetail(String(entry.Detail));
    if (!detail) return failedEntry('MalformedDetail', 'Detail is malformed.');
    const time = entryTime(entry.Time, this.options.clock);
    if (time === undefined) {
      return failedEntry('InvalidArgument', 'Parameter Time is not valid. Reason: Time is not a timestamp.');
    }
    const bus = this.resolveBus(clientRegion, entry.EventBusName);
    const event: EventEnvelope = {
      version: '0',
      id: randomUUID(),
      'detail-type': String(entry.DetailType),
      source: String(entry.Source),
      account: this.options.account,
      time,
      region: bus.region,
      resources: [...(entry.Resources ?? [])],
      detail,
    };
    if (bus.missing) {
      this.failed.push({ region: bus.region, bus: bus.name, event, error: `Event bus ${bus.name} does not exist.` });
    } else {
      this.publish(bus.region, event, false);
    }
    return { EventId: event.id };
  }

  /** A bus name or ARN as seen from a client of `clientRegion`; only each region's default bus exists. */
  private resolveBus(
    clientRegion: string,
    nameOrArn = DEFAULT_BUS,
  ): { region: string; name: string; missing: boolean } {
    const arn = BUS_ARN.exec(nameOrArn);
    if (!arn) return { region: clientRegion, name: nameOrArn, missing: nameOrArn !== DEFAULT_BUS };
    const [, region, account, name] = arn;
    return { region, name: nameOrArn, missing: account !== this.options.account || name !== DEFAULT_BUS };
  }

  /** Records the event on `region`'s default bus and starts delivering it to the targets of the rules it matches. */
  private publish(region: string, event: EventEnvelope, forwarded: boolean): void {
    this.recorded.push({ region, bus: DEFAULT_BUS, event });
    // Matched now, against the rules as they are when the event is put; delivered after the putter has its answer.
    const matched = [...this.regionRules(region).values()].filter(({ pattern }) => pattern.matches(event));
    for (const { rule } of matched) {
      for (const target of rule.targets) this.track(this.deliverToTarget(region, event, rule, target, forwarded));
    }
  }

  private async deliverToTarget(
    region: string,
    event: EventEnvelope,
    rule: EventRule,
    target: RuleTarget,
    forwarded: boolean,
  ): Promise<void> {
    await Promise.resolve();
    const fail = (error: string): void => {
      this.failed.push({ region, bus: DEFAULT_BUS, event, rule: rule.name, target: target.id, error });
    };
    const bus = BUS_ARN.exec(target.arn);
    if (bus) {
      const [, busRegion, account, name] = bus;
      if (forwarded) fail('EventBridge does not route an event received from another event bus to a third one.');
      else if (account !== this.options.account || name !== DEFAULT_BUS)
        fail(`Event bus ${target.arn} does not exist.`);
      else this.publish(busRegion, { ...event, id: randomUUID() }, true);
      return;
    }
    try {
      await this.options.deliver(target, event, rule, targetInput(target, event));
    } catch (error) {
      fail(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    }
  }

  /** Keeps `delivery` in flight until it ends; it records its own failures, so it never rejects. */
  private track(delivery: Promise<void>): void {
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  private regionRules(region: string): Map<string, StoredRule> {
    let rules = this.rules.get(region);
    if (!rules) this.rules.set(region, (rules = new Map()));
    return rules;
  }
}

function validation(message: string): ServiceError {
  return new ServiceError('ValidationException', `1 validation error detected: ${message}`);
}

function failedEntry(code: string, message: string): PutEventsResultEntry {
  return { ErrorCode: code, ErrorMessage: message };
}

/** A pattern given as JSON text (as in the API) or as an object (as in a CloudFormation template). */
function parsePatternText(pattern: unknown): unknown {
  if (typeof pattern !== 'string') return pattern;
  try {
    return JSON.parse(pattern) as unknown;
  } catch (error) {
    throw new ServiceError(
      'InvalidEventPatternException',
      `Event pattern is not valid. Reason: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function checkTargets(targets: readonly RuleTarget[]): void {
  if (targets.length > MAX_TARGETS_PER_RULE) {
    throw new ServiceError('LimitExceededException', 'The requested resource exceeds the maximum number allowed.');
  }
  const ids = new Set<string>();
  for (const target of targets) {
    if (!NAME.test(target.id)) {
      throw validation(
        `Value '${target.id}' at 'targets.member.id' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+`,
      );
    }
    if (ids.has(target.id)) throw validation(`Target id ${target.id} is used twice in the rule.`);
    ids.add(target.id);
    if (target.input !== undefined && target.inputPath !== undefined) {
      throw validation(`Target ${target.id}: only one of Input, InputPath or InputTransformer may be set.`);
    }
    if (target.input !== undefined) {
      try {
        JSON.parse(target.input);
      } catch {
        throw validation(`Target ${target.id}: Input is not valid JSON text.`);
      }
    }
    if (target.inputPath !== undefined && jsonPathSteps(target.inputPath) === undefined) {
      throw validation(`Target ${target.id}: InputPath ${target.inputPath} is not a valid JSON path.`);
    }
  }
}

/** What a target receives: its constant `Input`, the part of the event its `InputPath` selects, or the event. */
function targetInput(target: RuleTarget, event: EventEnvelope): unknown {
  if (target.input !== undefined) return JSON.parse(target.input) as unknown;
  if (target.inputPath === undefined) return event;
  let value: unknown = event;
  for (const step of jsonPathSteps(target.inputPath) ?? []) {
    value = value !== null && typeof value === 'object' ? (value as Record<string | number, unknown>)[step] : undefined;
  }
  return value;
}

/** The steps of a simple JSONPath (`$`, `$.detail.key`, `$['detail-type']`, `$.resources[0]`). */
function jsonPathSteps(path: string): (string | number)[] | undefined {
  if (!path.startsWith('$')) return undefined;
  const steps: (string | number)[] = [];
  const step = /^(?:\.([A-Za-z_$][\w$-]*)|\['([^']*)'\]|\[([0-9]+)\])/;
  let rest = path.slice(1);
  while (rest !== '') {
    const match = step.exec(rest);
    if (!match) return undefined;
    steps.push(match[3] !== undefined ? Number(match[3]) : (match[1] ?? match[2]));
    rest = rest.slice(match[0].length);
  }
  return steps;
}

function parseDetail(text: string): Record<string, unknown> | undefined {
  try {
    const detail: unknown = JSON.parse(text);
    return isObject(detail) ? detail : undefined;
  } catch {
    return undefined;
  }
}

/** The event's `time`: the entry's own `Time` when given, else the virtual clock's. */
function entryTime(time: PutEventsRequestEntry['Time'], clock: VirtualClock): string | undefined {
  if (time === undefined) return isoSeconds(clock.now());
  const ms = time instanceof Date ? time.getTime() : typeof time === 'number' ? time * 1000 : Date.parse(String(time));
  return Number.isFinite(ms) ? isoSeconds(ms) : undefined;
}

/** EventBridge's timestamps have no fraction of a second. */
function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The entry size EventBridge counts towards the 256 KB request limit (user guide, "Calculating PutEvents size"). */
function entrySize(entry: PutEventsRequestEntry): number {
  const bytes = (text: string | undefined): number => (text === undefined ? 0 : Buffer.byteLength(text));
  return (
    (entry.Time !== undefined ? 14 : 0) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    (entry.Resources ?? []).reduce((sum, resource) => sum + bytes(resource), 0)
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
