/**
 * One local inference container: the SageMaker hosting contract (`GET /ping`, `POST /invocations`) over HTTP on
 * 127.0.0.1, serving a {@link Predictor}. Endpoints (each production variant instance) and batch transform jobs run
 * their records through it.
 *
 * Requests:
 * - `text/csv`: one record per line. Header-less lines carry the `columns` in order (default: the model's features;
 *   a model of the local trainer also accepts lines in its training layout, label included, and ignores the label,
 *   so a transform on the holdout split needs no input filter). A first line equal to the column names is a header
 *   and then names the fields of every line.
 * - `application/json`: `{"instances": [...]}` (or a bare array), each instance an object by column name or an array
 *   in `columns` order.
 *
 * Responses follow `Accept` (default: the request's type): `text/csv` is one predicted label per line, as the built-in
 * algorithms answer; `application/json` is `{"predictions": [{"score", "label"}]}`.
 *
 * Latency is simulated, never slept: each answer carries the modelled model latency (a small deterministic cost per
 * record plus whatever the fault hook injects) in the `X-Warden-Model-Latency-Ms` header, which {@link
 * ModelServer.invoke} returns as `latencyMs`.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseCsv } from '../../../lambdas/stats/csv';
import type { Prediction, Predictor, TrainedPredictor } from './model-artifact';
import { readBody } from '../http';

export interface ModelServer {
  readonly url: string;
  /** POSTs `body` to `/invocations`. `contentType` defaults to `text/csv`; `accept` to the content type. */
  invoke(body: string, contentType?: string, accept?: string): Promise<InvocationResult>;
  close(): Promise<void>;
}

export interface InvocationResult {
  readonly status: number;
  readonly body: string;
  /** Simulated model latency, not wall time. */
  readonly latencyMs: number;
}

/** What a fault hook injects into one invocation: an error status and/or extra latency. */
export interface InjectedFault {
  /** HTTP status to answer with instead of the predictions (5xx for a container error). */
  readonly status?: number;
  /** Latency added to the modelled one. */
  readonly latencyMs?: number;
}

export interface ModelServerOptions {
  /** Column order of header-less CSV lines and array instances. @default the predictor's features */
  readonly columns?: readonly string[];
  /** Asked once per invocation; `undefined` for none. */
  readonly fault?: () => InjectedFault | undefined;
}

export const LATENCY_HEADER = 'x-warden-model-latency-ms';
/** Modelled latency: a fixed per-request cost plus a per-record one, in milliseconds. */
const BASE_LATENCY_MS = 4;
const LATENCY_PER_RECORD_MS = 0.02;

export async function startModelServer(predictor: Predictor, options: ModelServerOptions = {}): Promise<ModelServer> {
  const server = createServer((request, response) => {
    serve(predictor, options, request, response).catch((error: Error) => {
      if (!response.headersSent) reply(response, 500, 'text/plain', `Internal server error: ${error.message}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    invoke: (body, contentType = 'text/csv', accept = contentType) =>
      post(`${url}/invocations`, body, contentType, accept),
    close: () => closeServer(server),
  };
}

class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function serve(
  predictor: Predictor,
  options: ModelServerOptions,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  if (path === '/ping' && request.method === 'GET') return reply(response, 200, 'text/plain', '');
  if (path !== '/invocations' || request.method !== 'POST') {
    return reply(response, 404, 'text/plain', `No route for ${request.method ?? ''} ${path}.`);
  }
  const body = (await readBody(request)).toString('utf8');
  const contentType = mediaType(request.headers['content-type']) || 'text/csv';
  const accept = mediaType(request.headers.accept) || contentType;
  const fault = options.fault?.();
  try {
    const records = parseRecords(predictor, options.columns, contentType, body);
    if (accept !== 'text/csv' && accept !== 'application/json' && accept !== '*/*') {
      throw new RequestError(406, `Accept ${accept} is not supported; use text/csv or application/json.`);
    }
    const latency = BASE_LATENCY_MS + LATENCY_PER_RECORD_MS * records.length + (fault?.latencyMs ?? 0);
    const headers = { [LATENCY_HEADER]: latency.toFixed(3) };
    if (fault?.status !== undefined && fault.status >= 400) {
      const message = `Injected fault: the container answered ${fault.status}.`;
      return reply(response, fault.status, 'text/plain', message, headers);
    }
    const predictions = records.map((record) => predictor.predict(record));
    const asJson = accept === 'application/json' || (accept === '*/*' && contentType === 'application/json');
    if (asJson) return reply(response, 200, 'application/json', JSON.stringify({ predictions }), headers);
    return reply(response, 200, 'text/csv', predictions.map(csvLine).join(''), headers);
  } catch (error) {
    const status = error instanceof RequestError ? error.status : 400;
    const latency = BASE_LATENCY_MS + (fault?.latencyMs ?? 0);
    return reply(response, status, 'text/plain', (error as Error).message, { [LATENCY_HEADER]: latency.toFixed(3) });
  }
}

function csvLine(prediction: Prediction): string {
  return `${/[",\r\n]/.test(prediction.label) ? `"${prediction.label.replace(/"/g, '""')}"` : prediction.label}\n`;
}

type InputRecord = Record<string, string>;

function parseRecords(
  predictor: Predictor,
  columns: readonly string[] | undefined,
  contentType: string,
  body: string,
): InputRecord[] {
  const layouts = inputLayouts(predictor, columns);
  if (contentType === 'text/csv') return csvRecords(layouts, body);
  if (contentType === 'application/json') return jsonRecords(layouts[0], body);
  throw new RequestError(415, `Content type ${contentType} is not supported; use text/csv or application/json.`);
}

/** Column orders a header-less record may come in, the preferred one first. */
function inputLayouts(predictor: Predictor, columns: readonly string[] | undefined): (readonly string[])[] {
  if (columns !== undefined) return [columns];
  const trained = (predictor as Partial<TrainedPredictor>).columns;
  return trained === undefined ? [predictor.features] : [predictor.features, trained];
}

function csvRecords(layouts: readonly (readonly string[])[], body: string): InputRecord[] {
  if (body.trim() === '') return [];
  const lines: string[][] = [];
  try {
    parseCsv(body, {
      header: (names) => lines.push([...names]),
      row: (row) => {
        const fields: string[] = [];
        for (let i = 0; i < row.length; i++) fields.push(row.text(i));
        lines.push(fields);
      },
    });
  } catch (error) {
    throw new RequestError(400, `The CSV payload cannot be parsed: ${(error as Error).message}`);
  }
  const first = lines[0];
  const header = layouts.find((layout) => sameNames(layout, first));
  const names = header ?? layouts.find((layout) => layout.length === first.length);
  if (names === undefined) {
    throw new RequestError(
      400,
      `A record has ${first.length} fields; the model expects ${layouts.map((layout) => layout.length).join(' or ')} ` +
        `(${layouts[0].join(', ')}).`,
    );
  }
  return (header === undefined ? lines : lines.slice(1)).map((fields) => toRecord(names, fields));
}

function jsonRecords(columns: readonly string[], body: string): InputRecord[] {
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch (error) {
    throw new RequestError(400, `The JSON payload cannot be parsed: ${(error as Error).message}`);
  }
  const instances = Array.isArray(document) ? document : (document as { instances?: unknown } | null)?.instances;
  if (!Array.isArray(instances)) throw new RequestError(400, 'A JSON payload is {"instances": [...]}.');
  return instances.map((instance: unknown, index) => {
    if (Array.isArray(instance)) {
      if (instance.length !== columns.length) {
        throw new RequestError(400, `Instance ${index} has ${instance.length} values; expected ${columns.length}.`);
      }
      return toRecord(columns, instance.map(text));
    }
    if (typeof instance !== 'object' || instance === null) {
      throw new RequestError(400, `Instance ${index} is neither an object nor an array.`);
    }
    return Object.fromEntries(Object.entries(instance).map(([name, value]) => [name, text(value)]));
  });
}

function text(value: unknown): string {
  return value === null || value === undefined ? '' : typeof value === 'string' ? value : String(value);
}

function toRecord(names: readonly string[], fields: readonly string[]): InputRecord {
  if (fields.length !== names.length) {
    throw new RequestError(400, `A record has ${fields.length} fields; expected ${names.length}.`);
  }
  const record: InputRecord = {};
  names.forEach((name, index) => (record[name] = fields[index]));
  return record;
}

function sameNames(layout: readonly string[], fields: readonly string[]): boolean {
  return layout.length === fields.length && layout.every((name, index) => name === fields[index].trim());
}

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0].trim().toLowerCase();
}

function reply(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), ...headers });
  response.end(body);
}

/** One request on its own connection, so that closing the server leaves no pooled socket behind. */
function post(url: string, body: string, contentType: string, accept: string): Promise<InvocationResult> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { 'Content-Type': contentType, Accept: accept, 'Content-Length': Buffer.byteLength(body) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            latencyMs: Number(response.headers[LATENCY_HEADER] ?? 0),
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
