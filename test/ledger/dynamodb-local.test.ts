/** The DynamoDB Local test support: a missing Java runtime is one clear sentence, not a spawn stack trace. */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDynamoDbLocal } from '../../local/emulators/dynamodb-local';

describe('startDynamoDbLocal', () => {
  it('says how to install Java when there is none', async () => {
    const started = startDynamoDbLocal({ java: join(tmpdir(), 'no-java-here', 'java') }).then(async (db) => {
      await db.stop();
      return 'started anyway';
    });
    await expect(started).rejects.toThrow(
      /^DynamoDB Local needs a Java runtime ≥ 11 and none was found .*apt-get install openjdk-17-jre-headless.*\.$/,
    );
  });
});
