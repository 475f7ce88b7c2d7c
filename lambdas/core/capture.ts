/**
 * SageMaker data capture as CSV: the capture files of an endpoint are JSON Lines, one line per request, written under
 * `<prefix>/<endpoint>/<variant>/yyyy/mm/dd/hh/` (UTC). A request's input is the CSV the endpoint received, without a
 * header, possibly several rows; this module keeps the requests of a time window and turns them into one CSV stream
 * with the feature names as its header, which is what the drift statistics read.
 */
import * as z from 'zod';
import { parseCsv } from '../stats/csv';

/** What is kept of one capture line; everything else (output, metadata) is ignored. */
const CaptureLine = z.object({
  captureData: z.object({
    endpointInput: z.object({
      observedContentType: z.string().optional(),
      data: z.string(),
      encoding: z.string(),
    }),
  }),
  eventMetadata: z.object({ inferenceTime: z.string() }),
});

/** Requests read, and why some were left out. */
export interface CaptureTally {
  /** Requests inside the window whose rows were used. */
  requests: number;
  /** Rows taken from them. */
  rows: number;
  /** Requests outside the window (files of an hour hold a little of the next). */
  outsideWindow: number;
  /** Lines that are not capture records, inputs that are not CSV, and inputs whose rows do not fit the features. */
  unusable: number;
}

export interface CaptureWindow {
  /** Inclusive. */
  readonly start: Date;
  /** Exclusive. */
  readonly end: Date;
}

/** The hour folders (`yyyy/mm/dd/hh/`) of a window, oldest first. */
export function captureHours(window: CaptureWindow): string[] {
  const hours: string[] = [];
  const hour = new Date(window.start);
  hour.setUTCMinutes(0, 0, 0);
  for (; hour < window.end; hour.setUTCHours(hour.getUTCHours() + 1)) {
    const pad = (value: number) => String(value).padStart(2, '0');
    hours.push(
      `${hour.getUTCFullYear()}/${pad(hour.getUTCMonth() + 1)}/${pad(hour.getUTCDate())}/${pad(hour.getUTCHours())}/`,
    );
  }
  return hours;
}

/**
 * The CSV stream of the captured requests of `window`: the feature header, then the rows of every usable request in the
 * order of `files` (whole capture files). Counts go to `tally` as the stream is read.
 */
export async function* captureCsv(
  files: AsyncIterable<Buffer>,
  features: readonly string[],
  window: CaptureWindow,
  tally: CaptureTally,
): AsyncGenerator<Buffer> {
  yield Buffer.from(`${features.map(csvField).join(',')}\n`, 'utf8');
  const start = window.start.getTime();
  const end = window.end.getTime();
  for await (const file of files) {
    const rows: Buffer[] = [];
    for (const line of file.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      const input = requestInput(line);
      if (input === undefined) {
        tally.unusable++;
        continue;
      }
      if (!(input.time >= start && input.time < end)) {
        tally.outsideWindow++;
        continue;
      }
      const count = rowsFitting(input.csv, features);
      if (count === undefined) {
        tally.unusable++;
        continue;
      }
      tally.requests++;
      tally.rows += count;
      rows.push(input.csv.at(-1) === 0x0a ? input.csv : Buffer.concat([input.csv, NEWLINE]));
    }
    if (rows.length > 0) yield Buffer.concat(rows);
  }
}

const NEWLINE = Buffer.from('\n');

/** The CSV input of one capture line and its time, or undefined when the line is not a CSV capture record. */
function requestInput(line: string): { csv: Buffer; time: number } | undefined {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return undefined;
  }
  const parsed = CaptureLine.safeParse(json);
  if (!parsed.success) return undefined;
  const { endpointInput } = parsed.data.captureData;
  const contentType = endpointInput.observedContentType?.toLowerCase() ?? 'text/csv';
  if (!contentType.startsWith('text/csv')) return undefined;
  const time = Date.parse(parsed.data.eventMetadata.inferenceTime);
  if (Number.isNaN(time)) return undefined;
  switch (endpointInput.encoding.toUpperCase()) {
    case 'CSV':
      return { csv: Buffer.from(endpointInput.data, 'utf8'), time };
    case 'BASE64':
      return { csv: Buffer.from(endpointInput.data, 'base64'), time };
    default:
      return undefined;
  }
}

/** Rows in `csv` when every one has as many fields as there are features, else undefined. */
function rowsFitting(csv: Buffer, features: readonly string[]): number | undefined {
  try {
    return parseCsv(csv, { header: () => undefined, row: () => undefined }, { header: features });
  } catch {
    return undefined;
  }
}

function csvField(name: string): string {
  return /[",\r\n]/.test(name) ? `"${name.replace(/"/g, '""')}"` : name;
}
