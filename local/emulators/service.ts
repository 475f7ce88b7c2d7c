/**
 * What every in-process emulator shares: errors shaped like the AWS SDK's service exceptions (so handlers and Catch
 * rules see the same `name`), and the adapter that lets an emulator stand in for an SDK client's `send(command)`.
 */

/** An error as the SDK raises it for a service's error response: `name` is the AWS error code. */
export class ServiceError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata = { httpStatusCode: 400 };

  constructor(
    /** The AWS error code, e.g. `ResourceLimitExceeded`, `ValidationException`, `ResourceNotFound`. */
    readonly code: string,
    message: string,
    fault: 'client' | 'server' = 'client',
  ) {
    super(message);
    this.name = code;
    this.$fault = fault;
    this.$metadata = { httpStatusCode: fault === 'server' ? 500 : 400 };
  }
}

/** An emulator exposes one method per API action, named as the action (`PutEvents`, `DescribeEndpoint`). */
export type ServiceActions = object;

/** Anything with the SDK's `send(command)`, as `overrideAwsClients` expects. */
export interface CommandSender {
  send(command: unknown): Promise<unknown>;
}

/**
 * An SDK-client stand-in that sends each command to the emulator method of the same action name:
 * `new PutEventsCommand(input)` → `emulator.PutEvents(input)`. An action the emulator does not implement fails like
 * an unknown operation would.
 */
export function commandSender(service: string, emulator: ServiceActions): CommandSender {
  return {
    async send(command: unknown): Promise<unknown> {
      const { action, input } = commandParts(command);
      const method = (emulator as Record<string, unknown>)[action];
      if (typeof method !== 'function') {
        throw new ServiceError('UnknownOperationException', `The local ${service} does not implement ${action}.`);
      }
      // A copy, as the wire would make: the emulator must not keep references into the caller's objects.
      const sent = JSON.parse(JSON.stringify(input ?? {}, dateReplacer)) as unknown;
      return (await (method as (input: unknown) => unknown).call(emulator, sent)) ?? {};
    },
  };
}

/**
 * The action name and input of an SDK v3 command object. The name comes from the command's operation schema
 * (`schema[2]`), which survives minification, unlike the class name of a bundled command.
 */
export function commandParts(command: unknown): { action: string; input: unknown } {
  const schema = (command as { schema?: unknown }).schema;
  const operation = Array.isArray(schema) ? schema[2] : undefined;
  const className = (command as { constructor?: { name?: string } }).constructor?.name ?? '';
  const action =
    typeof operation === 'string'
      ? operation
      : className.endsWith('Command')
        ? className.slice(0, -'Command'.length)
        : undefined;
  if (action === undefined) throw new TypeError(`Not an AWS SDK command: ${className || typeof command}.`);
  return { action, input: (command as { input?: unknown }).input };
}

function dateReplacer(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  return raw instanceof Date ? raw.toISOString() : value;
}
