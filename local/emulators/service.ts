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

/** The action name and input of an SDK v3 command object (`XxxCommand` with `.input`). */
export function commandParts(command: unknown): { action: string; input: unknown } {
  const name = (command as { constructor?: { name?: string } }).constructor?.name ?? '';
  if (!name.endsWith('Command')) throw new TypeError(`Not an AWS SDK command: ${name || typeof command}.`);
  return { action: name.slice(0, -'Command'.length), input: (command as { input?: unknown }).input };
}

function dateReplacer(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  return raw instanceof Date ? raw.toISOString() : value;
}
