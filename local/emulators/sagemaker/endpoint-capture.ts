/**
 * Data capture as SageMaker writes it for a real-time endpoint: JSON Lines files, one line per sampled request,
 * under `<DestinationS3Uri>/<EndpointName>/<VariantName>/yyyy/mm/dd/hh/<mm-ss-SSS>-<uuid>.jsonl` (UTC, virtual time),
 * each line `{"captureData":{"endpointInput":{…},"endpointOutput":{…}},"eventMetadata":{…},"eventVersion":"0"}`.
 * Payloads whose content type the config lists as CSV or JSON are stored as text (`encoding` `CSV`/`JSON`); any other
 * payload — and every payload when the config lists no content types — is stored base64-encoded (`BASE64`).
 *
 * SageMaker buffers captured requests and uploads a file every few minutes; here records are buffered per hour folder
 * and written when the virtual clock leaves that hour, or on {@link CaptureWriter.flush}.
 */
import { randomUUID } from 'node:crypto';
import type { DataCaptureConfig } from '@aws-sdk/client-sagemaker';
import type { Cancel, VirtualClock } from '../../runtime/clock';
import { EvenSpread } from './endpoint-routing';

const HOUR_MS = 3_600_000;

/** A config's `DataCaptureConfig`, resolved. */
export interface CaptureSettings {
  readonly bucket: string;
  /** Key prefix of the destination, empty or ending in `/`. */
  readonly prefix: string;
  readonly samplingPercentage: number;
  readonly captureInput: boolean;
  readonly captureOutput: boolean;
  /** Media types (lower case, no parameters) stored as text with encoding `CSV`. */
  readonly csvContentTypes: readonly string[];
  /** Media types stored as text with encoding `JSON`. */
  readonly jsonContentTypes: readonly string[];
}

/** The capture settings of a config, or undefined when it captures nothing. */
export function captureSettings(config: DataCaptureConfig | undefined): CaptureSettings | undefined {
  if (config === undefined || config.EnableCapture === false) return undefined;
  const { bucket, prefix } = parseS3Uri(config.DestinationS3Uri ?? '');
  const modes = new Set((config.CaptureOptions ?? []).map((option) => option.CaptureMode));
  const mediaTypes = (types: readonly string[] | undefined) => (types ?? []).map(mediaType);
  return {
    bucket,
    prefix,
    samplingPercentage: config.InitialSamplingPercentage ?? 0,
    captureInput: modes.has('Input') || modes.has('InputAndOutput'),
    captureOutput: modes.has('Output') || modes.has('InputAndOutput'),
    csvContentTypes: mediaTypes(config.CaptureContentTypeHeader?.CsvContentTypes),
    jsonContentTypes: mediaTypes(config.CaptureContentTypeHeader?.JsonContentTypes),
  };
}

/** `s3://bucket/some/prefix` → bucket and `some/prefix/`. Throws a TypeError for anything else. */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (match === null) throw new TypeError(`Not an s3:// URI: "${uri}".`);
  const path = match[2].replace(/\/+$/, '');
  return { bucket: match[1], prefix: path === '' ? '' : `${path}/` };
}

/** One request as the endpoint saw it. */
export interface CapturedRequest {
  readonly endpointName: string;
  readonly variantName: string;
  /** Virtual epoch milliseconds. */
  readonly inferenceTime: number;
  readonly input: Payload;
  readonly output: Payload;
  /** The caller's `InferenceId`, when it gave one. */
  readonly inferenceId?: string;
}

export interface Payload {
  readonly contentType: string;
  readonly body: string;
}

interface Buffered {
  readonly endpointName: string;
  readonly bucket: string;
  readonly folder: string;
  readonly firstAt: number;
  readonly lines: string[];
  readonly cancel: Cancel;
}

export class CaptureWriter {
  private readonly buffers = new Map<string, Buffered>();
  private readonly sampling = new Map<string, EvenSpread>();

  constructor(
    private readonly clock: VirtualClock,
    private readonly write: (bucket: string, key: string, body: string) => Promise<void>,
  ) {}

  /** Buffers the request when the settings capture it, sampling included. */
  record(settings: CaptureSettings, request: CapturedRequest): void {
    if (!settings.captureInput && !settings.captureOutput) return;
    const stream = `${settings.bucket}\u0000${settings.prefix}${request.endpointName}/${request.variantName}`;
    let spread = this.sampling.get(stream);
    if (spread === undefined) this.sampling.set(stream, (spread = new EvenSpread()));
    if (!spread.next(settings.samplingPercentage / 100)) return;
    const folder = `${settings.prefix}${request.endpointName}/${request.variantName}/${hourFolder(request.inferenceTime)}`;
    const key = `${settings.bucket}\u0000${folder}`;
    let buffer = this.buffers.get(key);
    if (buffer === undefined) {
      const hourEnd = Math.floor(request.inferenceTime / HOUR_MS) * HOUR_MS + HOUR_MS;
      buffer = {
        endpointName: request.endpointName,
        bucket: settings.bucket,
        folder,
        firstAt: request.inferenceTime,
        lines: [],
        cancel: this.clock.at(hourEnd, () => this.flushBuffer(key)),
      };
      this.buffers.set(key, buffer);
    }
    buffer.lines.push(JSON.stringify(captureLine(settings, request)));
  }

  /** Writes every buffered record now, one file per hour folder; `endpointName` limits it to that endpoint's. */
  async flush(endpointName?: string): Promise<void> {
    for (const [key, buffer] of [...this.buffers]) {
      if (endpointName === undefined || buffer.endpointName === endpointName) await this.flushBuffer(key);
    }
  }

  /** Drops pending flush timers (buffered records are lost; flush first to keep them). */
  close(): void {
    for (const buffer of this.buffers.values()) buffer.cancel();
    this.buffers.clear();
  }

  private async flushBuffer(key: string): Promise<void> {
    const buffer = this.buffers.get(key);
    if (buffer === undefined) return;
    this.buffers.delete(key);
    buffer.cancel();
    const started = new Date(buffer.firstAt);
    const name = `${pad(started.getUTCMinutes())}-${pad(started.getUTCSeconds())}-${pad(started.getUTCMilliseconds(), 3)}-${randomUUID()}.jsonl`;
    await this.write(buffer.bucket, `${buffer.folder}${name}`, `${buffer.lines.join('\n')}\n`);
  }
}

/** `yyyy/mm/dd/hh/` of an epoch time, UTC. */
export function hourFolder(epochMs: number): string {
  const date = new Date(epochMs);
  return `${date.getUTCFullYear()}/${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())}/${pad(date.getUTCHours())}/`;
}

function captureLine(settings: CaptureSettings, request: CapturedRequest): unknown {
  const captureData: Record<string, unknown> = {};
  if (settings.captureInput) captureData.endpointInput = capturedPayload(settings, request.input, 'INPUT');
  if (settings.captureOutput) captureData.endpointOutput = capturedPayload(settings, request.output, 'OUTPUT');
  return {
    captureData,
    eventMetadata: {
      eventId: randomUUID(),
      ...(request.inferenceId === undefined ? {} : { inferenceId: request.inferenceId }),
      // SageMaker writes whole seconds.
      inferenceTime: new Date(Math.floor(request.inferenceTime / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    },
    eventVersion: '0',
  };
}

function capturedPayload(settings: CaptureSettings, payload: Payload, mode: 'INPUT' | 'OUTPUT'): unknown {
  const type = mediaType(payload.contentType);
  const encoding = settings.csvContentTypes.includes(type)
    ? 'CSV'
    : settings.jsonContentTypes.includes(type)
      ? 'JSON'
      : 'BASE64';
  return {
    observedContentType: payload.contentType,
    mode,
    data: encoding === 'BASE64' ? Buffer.from(payload.body, 'utf8').toString('base64') : payload.body,
    encoding,
  };
}

function mediaType(contentType: string): string {
  return contentType.split(';')[0].trim().toLowerCase();
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}
