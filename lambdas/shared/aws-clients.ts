/**
 * AWS SDK clients, one per service and region for the life of the sandbox (connection reuse across invocations).
 *
 * Handlers create their clients through {@link awsClient} with the SDK constructor they import themselves, so a bundle
 * contains only the clients its handler uses. Endpoints follow the SDK's own configuration (`AWS_ENDPOINT_URL_S3`,
 * `AWS_ENDPOINT_URL_DYNAMODB`, …), which is how tests point S3 and DynamoDB at local servers. Services without a local
 * equivalent are replaced with {@link overrideAwsClients}: tests pass recording fakes, the local runtime its
 * emulators.
 */

export type AwsService = 'S3' | 'DynamoDB' | 'EventBridge' | 'CloudWatch' | 'SageMaker' | 'SFN';

/** Anything with the SDK's `send(command)`. */
export interface CommandSender {
  send(command: unknown): Promise<unknown>;
}

type Factory = (region: string) => CommandSender;

interface Registry {
  readonly overrides: Map<AwsService, Factory>;
  /** Bumped by every override change, so each module copy drops the clients it cached before. */
  version: number;
}

/**
 * Overrides live on the global object under a registered symbol, not in module state: the local runtime runs the
 * bundled handlers (each with its own copy of this module and of the SDK) in its own process, and one
 * `overrideAwsClients` call must reach all of them. Clients stay per module copy, made with that copy's SDK.
 */
const REGISTRY = Symbol.for('cdk-ml-warden.aws-clients');

const clients = new Map<string, unknown>();
let clientsVersion = -1;

function registry(): Registry {
  const global = globalThis as { [REGISTRY]?: Registry };
  global[REGISTRY] ??= { overrides: new Map(), version: 0 };
  return global[REGISTRY];
}

/** The client of `service` in `region`, created with `create` the first time unless an override is installed. */
export function awsClient<T>(service: AwsService, region: string, create: (region: string) => T): T {
  const { overrides, version } = registry();
  if (version !== clientsVersion) {
    clients.clear();
    clientsVersion = version;
  }
  const key = `${service}\u0000${region}`;
  if (!clients.has(key)) {
    const override = overrides.get(service);
    clients.set(key, override === undefined ? create(region) : override(region));
  }
  return clients.get(key) as T;
}

/**
 * Makes {@link awsClient} return the given clients (by service, per region) until the returned function is called.
 * Clients created before are forgotten either way.
 */
export function overrideAwsClients(factories: Partial<Record<AwsService, Factory>>): () => void {
  const current = registry();
  const { overrides } = current;
  const previous = new Map(overrides);
  for (const [service, factory] of Object.entries(factories) as [AwsService, Factory][])
    overrides.set(service, factory);
  current.version++;
  return () => {
    overrides.clear();
    for (const [service, factory] of previous) overrides.set(service, factory);
    current.version++;
  };
}
