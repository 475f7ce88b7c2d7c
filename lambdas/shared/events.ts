/**
 * Publishing `warden` events: the detail is checked against its detail-type's schema before it is sent, so a handler
 * can never put an event that consumers' patterns and schemas would not recognise. Re-exports the schemas.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { awsClient } from './aws-clients';
import { describeIssues } from './config';
import { EVENT_SOURCE, WARDEN_EVENT_SCHEMAS, type WardenDetailType, type WardenEventDetail } from './event-schemas';

export * from './event-schemas';

export function eventBridgeClient(region: string): EventBridgeClient {
  return awsClient('EventBridge', region, (clientRegion) => new EventBridgeClient({ region: clientRegion }));
}

export interface PutWardenEventOptions {
  /** Bus name or ARN. @default 'default' */
  readonly eventBus?: string;
  /** Event time. @default when EventBridge receives it */
  readonly time?: Date;
}

/** Puts one `warden` event; an invalid detail or an entry EventBridge rejects is an error. */
export async function putWardenEvent<T extends WardenDetailType>(
  client: EventBridgeClient,
  detailType: T,
  detail: WardenEventDetail<T>,
  options: PutWardenEventOptions = {},
): Promise<string | undefined> {
  const parsed = WARDEN_EVENT_SCHEMAS[detailType].safeParse(detail);
  if (!parsed.success) throw new Error(`Invalid "${detailType}" detail: ${describeIssues(parsed.error)}.`);
  const response = await client.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: EVENT_SOURCE,
          DetailType: detailType,
          Detail: JSON.stringify(parsed.data),
          EventBusName: options.eventBus ?? 'default',
          Time: options.time,
        },
      ],
    }),
  );
  const entry = response.Entries?.[0];
  if ((response.FailedEntryCount ?? 0) > 0 || entry?.ErrorCode !== undefined) {
    throw new Error(
      `EventBridge rejected "${detailType}": ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`,
    );
  }
  return entry?.EventId;
}
