/**
 * Imported first by every handler test: Powertools reads its settings when the shared logger module loads, so they
 * must be in place before any handler is imported. Logs stay quiet unless a test run asks for them; metrics are not
 * printed (they are embedded-metric-format lines on stdout).
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_SERVICE_NAME = 'warden';
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_ACCESS_KEY_ID = 'local';
process.env.AWS_SECRET_ACCESS_KEY = 'local';
