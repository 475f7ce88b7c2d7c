/**
 * The one Powertools logger and metrics instance every handler shares. Structured JSON logs carry the handler name and
 * the workflow's correlation id; metrics go out as CloudWatch embedded metric format at the end of each invocation.
 * Service name, log level and namespace come from the Powertools variables the construct sets
 * (`POWERTOOLS_SERVICE_NAME`, `POWERTOOLS_LOG_LEVEL`, `POWERTOOLS_METRICS_NAMESPACE`).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export { MetricUnit } from '@aws-lambda-powertools/metrics';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'warden' });

export const metrics = new Metrics({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'warden',
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? process.env.WARDEN_METRICS_NAMESPACE ?? 'Warden',
});
