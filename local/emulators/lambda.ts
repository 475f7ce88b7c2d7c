/**
 * The local Lambda: the functions of the synthesized template, each running its deployed artifact (the staged bundle,
 * `index.mjs`) in this process with the environment the template gives it.
 *
 * Environment variables are process-wide, so invocations of different functions never overlap: a function's
 * invocations may run concurrently with each other (same environment), and another function waits until they are
 * done. Nothing a handler calls waits for another invocation, so this cannot deadlock.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ServiceError } from './service';

export interface LocalFunctionDefinition {
  /** Physical name (what `Ref` gives). */
  readonly name: string;
  readonly region: string;
  readonly arn: string;
  /** The staged asset directory holding `index.mjs`. */
  readonly codeDirectory: string;
  /** `file.export`, e.g. `index.handler`. */
  readonly handler: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
}

/** What a handler threw, as Lambda reports it: `errorType` becomes the Step Functions error name. */
export class FunctionError extends Error {
  constructor(
    readonly errorType: string,
    readonly errorMessage: string,
  ) {
    super(errorMessage);
    this.name = errorType;
  }
}

export interface InvocationRecord {
  readonly functionName: string;
  readonly region: string;
  readonly requestId: string;
  readonly ok: boolean;
  readonly errorType?: string;
}

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

// tsc compiles `import()` to `require()` for CommonJS output, which cannot load an ES module bundle on every Node 20.
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

export class LocalLambda {
  private readonly functions = new Map<string, LocalFunctionDefinition>();
  private readonly modules = new Map<string, Promise<Handler>>();
  private readonly invocations: InvocationRecord[] = [];
  /** Wall time spent inside handlers, in milliseconds (overlapping invocations counted each). */
  busyMs = 0;
  /** The function whose environment is installed, and how many of its invocations are running. */
  private owner: { name: string; running: number } | undefined;
  private waiting: Array<() => void> = [];

  /**
   * @param baseEnvironment what every function sees (endpoints of the local services, credentials)
   * @param forcedEnvironment set over each function's own variables (e.g. log levels of a local run)
   */
  constructor(
    private readonly baseEnvironment: Readonly<Record<string, string>>,
    private readonly forcedEnvironment: Readonly<Record<string, string>> = {},
  ) {}

  define(definition: LocalFunctionDefinition): void {
    this.functions.set(definition.name, definition);
    this.functions.set(definition.arn, definition);
  }

  /** Every function, once each. */
  definitions(): LocalFunctionDefinition[] {
    return [...new Set(this.functions.values())];
  }

  history(): readonly InvocationRecord[] {
    return this.invocations;
  }

  /** Finds a function by name, ARN or partial ARN (`…:function:name`), as the Invoke API accepts. */
  find(identifier: string): LocalFunctionDefinition {
    const direct = this.functions.get(identifier);
    if (direct) return direct;
    const name = identifier.includes(':function:') ? identifier.split(':function:')[1].split(':')[0] : identifier;
    const found = this.functions.get(name);
    if (!found) throw new ServiceError('ResourceNotFoundException', `Function not found: ${identifier}`);
    return found;
  }

  /** Invokes synchronously (RequestResponse): resolves with the handler's result, rejects with a FunctionError. */
  async invoke(identifier: string, payload: unknown): Promise<unknown> {
    const definition = this.find(identifier);
    const requestId = randomUUID();
    // The event travels as JSON, as it does between Lambda and its callers.
    const event = JSON.parse(JSON.stringify(payload ?? null)) as unknown;
    const release = await this.acquire(definition);
    const started = Date.now();
    try {
      // Loaded under the function's own environment: module-level code (loggers, clients) reads it at init.
      const handler = await this.load(definition);
      const result = await handler(event, this.context(definition, requestId));
      this.invocations.push({ functionName: definition.name, region: definition.region, requestId, ok: true });
      return result === undefined ? null : (JSON.parse(JSON.stringify(result)) as unknown);
    } catch (error) {
      const errorType = error instanceof Error ? error.name || 'Error' : 'Error';
      const message = error instanceof Error ? error.message : String(error);
      this.invocations.push({
        functionName: definition.name,
        region: definition.region,
        requestId,
        ok: false,
        errorType,
      });
      throw new FunctionError(errorType, message);
    } finally {
      this.busyMs += Date.now() - started;
      release();
    }
  }

  private load(definition: LocalFunctionDefinition): Promise<Handler> {
    const [file, exported] = definition.handler.split('.');
    const path = join(definition.codeDirectory, `${file}.mjs`);
    let loading = this.modules.get(path);
    if (loading === undefined) {
      loading = importModule(pathToFileURL(path).href).then((module) => {
        const handler = (module as Record<string, unknown>)[exported];
        if (typeof handler !== 'function') {
          throw new ServiceError('InvalidParameterValueException', `${definition.handler} is not a function.`);
        }
        return handler as Handler;
      });
      this.modules.set(path, loading);
    }
    return loading;
  }

  private context(definition: LocalFunctionDefinition, requestId: string): Record<string, unknown> {
    const deadline = Date.now() + definition.timeoutSeconds * 1000;
    return {
      functionName: definition.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: definition.arn,
      memoryLimitInMB: String(definition.memoryMb),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${definition.name}`,
      logStreamName: `local/${requestId}`,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
  }

  /** Waits until `definition`'s environment can be installed, installs it, and returns the release. */
  private async acquire(definition: LocalFunctionDefinition): Promise<() => void> {
    while (this.owner !== undefined && this.owner.name !== definition.name) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    if (this.owner === undefined) {
      this.install(definition);
      this.owner = { name: definition.name, running: 0 };
    }
    this.owner.running++;
    return () => {
      if (this.owner === undefined) return;
      this.owner.running--;
      if (this.owner.running > 0) return;
      this.owner = undefined;
      const waiting = this.waiting;
      this.waiting = [];
      for (const wake of waiting) wake();
    };
  }

  private install(definition: LocalFunctionDefinition): void {
    for (const name of Object.keys(process.env)) {
      if (!(name in this.baseEnvironment)) Reflect.deleteProperty(process.env, name);
    }
    Object.assign(process.env, this.baseEnvironment, definition.environment, this.forcedEnvironment, {
      AWS_REGION: definition.region,
      AWS_DEFAULT_REGION: definition.region,
      AWS_LAMBDA_FUNCTION_NAME: definition.name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(definition.memoryMb),
    });
  }
}
