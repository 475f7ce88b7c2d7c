/**
 * DynamoDB Local (the AWS jar shipped in the `amplify-dynamodb-simulator` package) for tests: one in-memory instance
 * per test file, on a free port, with a client that uses dummy credentials. Tables are created with the exact key
 * schemas of docs/wiring.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  /** Another client of the same instance (e.g. one per simulated Lambda invocation); `stop()` destroys it too. */
  newClient(): DynamoDBClient;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** The Java executable. @default `$JAVA_HOME/bin/java` when JAVA_HOME is set, else `java` on the PATH */
  readonly java?: string;
}

const JAVA_MISSING =
  'DynamoDB Local needs a Java runtime ≥ 11 and none was found (neither JAVA_HOME nor `java` on the PATH): install ' +
  'one (e.g. `apt-get install openjdk-17-jre-headless` or `brew install openjdk@17`) and try again.';
const STARTUP_TIMEOUT_MS = 30_000;
const PORT_ATTEMPTS = 3;

/** The folder with DynamoDBLocal.jar, found through Node's module resolution rather than a fixed path. */
export function emulatorDirectory(): string {
  return join(dirname(require.resolve('amplify-dynamodb-simulator')), 'emulator');
}

/** Starts an in-memory DynamoDB Local and resolves once it answers requests. */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const java = options.java ?? (process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java');
  let lastError: unknown;
  // A free port can be taken between probing and the JVM binding it; another port is then tried.
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    try {
      return await startOnPort(java, await freePort());
    } catch (error) {
      if (error instanceof Error && error.message === JAVA_MISSING) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

async function startOnPort(java: string, port: number): Promise<DynamoDbLocal> {
  const emulator = emulatorDirectory();
  const child = spawn(
    java,
    [
      `-Djava.library.path=${join(emulator, 'DynamoDBLocal_lib')}`,
      // The tests run for seconds: the C1 compiler alone starts the JVM faster.
      '-XX:TieredStopAtLevel=1',
      '-jar',
      join(emulator, 'DynamoDBLocal.jar'),
      '-inMemory',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    { cwd: emulator, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  // Neither the JVM nor its stderr pipe keeps this process alive, so a test that forgot stop() still lets the run end;
  // the exit hook then takes the JVM down with it.
  child.unref();
  if (child.stderr instanceof Socket) child.stderr.unref();
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const endpoint = `http://127.0.0.1:${port}`;
  const clients = [localClient(endpoint)];
  const newClient = () => {
    const client = localClient(endpoint);
    clients.push(client);
    return client;
  };
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    for (const client of clients) client.destroy();
    await terminate(child);
  };
  try {
    await waitUntilReady(child, endpoint);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, client: clients[0], newClient, stop };
}

function localClient(endpoint: string, maxAttempts?: number): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts,
  });
}

async function waitUntilReady(child: ChildProcess, endpoint: string): Promise<void> {
  // Probes fail fast while the JVM starts; the SDK's own retries would only add their backoff to the wait.
  const probe = localClient(endpoint, 1);
  try {
    await pollUntilReady(child, probe);
  } finally {
    probe.destroy();
  }
}

async function pollUntilReady(child: ChildProcess, client: DynamoDBClient): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<never>((_resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new Error(JAVA_MISSING) : error),
    );
    child.once('exit', (code) => reject(new Error(`DynamoDB Local exited with code ${code}: ${stderr.trim()}`)));
  });
  // Keeps an early exit from surfacing as an unhandled rejection once readiness has won the race.
  exited.catch(() => undefined);
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    try {
      await Promise.race([client.send(new ListTablesCommand({})), exited]);
      return;
    } catch (error) {
      if (isStartupFailure(error) || Date.now() > deadline) throw error;
      await Promise.race([new Promise((resolve) => setTimeout(resolve, 50)), exited]);
    }
  }
}

function isStartupFailure(error: unknown): boolean {
  return error instanceof Error && (error.message === JAVA_MISSING || error.message.startsWith('DynamoDB Local'));
}

function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 2000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** The lineage table of docs/wiring.md: `pk`/`sk` strings, GSIs `by-dataset` and `live-by-region`. */
export async function createLineageTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'datasetSha256', AttributeType: 'S' },
        { AttributeName: 'livePk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'by-dataset',
          KeySchema: [
            { AttributeName: 'datasetSha256', KeyType: 'HASH' },
            { AttributeName: 'pk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          IndexName: 'live-by-region',
          KeySchema: [
            { AttributeName: 'livePk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
}

/** The audit table of docs/wiring.md: `stream` string, `seq` number, stream with new images. */
export async function createAuditTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'stream', AttributeType: 'S' },
        { AttributeName: 'seq', AttributeType: 'N' },
      ],
      KeySchema: [
        { AttributeName: 'stream', KeyType: 'HASH' },
        { AttributeName: 'seq', KeyType: 'RANGE' },
      ],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    }),
  );
}
