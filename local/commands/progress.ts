/**
 * Progress of long reads, by bytes of the input files, on stderr only (stdout stays the report): one line redrawn in
 * place on an interactive terminal, plain lines for logs with `--progress`, nothing with `--no-progress`. No colour and
 * no escape sequences, so `NO_COLOR` holds trivially; `TERM=dumb` gets plain lines instead of `\r` redraws.
 */
import { statSync } from 'node:fs';
import { openFile } from '../run-command';

/** Where progress goes: `process.stderr` in the CLI, a fake in tests. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  /** Terminal width: a redrawn line that wrapped could not be redrawn. */
  readonly columns?: number;
}

/** `redraw`: one line rewritten with `\r` and cleared at the end; `lines`: newline-terminated lines; `off`: nothing. */
export type ProgressStyle = 'redraw' | 'lines' | 'off';

/** At most ten redraws a second. */
export const REDRAW_INTERVAL_MS = 100;
/** Plain lines come once per tenth of a file read, and while a slow read stalls below the next tenth, this often. */
export const LINE_HEARTBEAT_MS = 10_000;
const LINE_STEP_PERCENT = 10;
const DEFAULT_COLUMNS = 80;

/**
 * `--no-progress` (false) turns progress off; a terminal that can redraw gets the redrawn line; otherwise plain lines
 * when forced with `--progress` (true) or when a `TERM=dumb` terminal is watching, else nothing.
 */
export function progressStyle(
  flag: boolean | undefined,
  stream: ProgressStream,
  env: Readonly<Record<string, string | undefined>>,
): ProgressStyle {
  if (flag === false) return 'off';
  if (stream.isTTY === true && env.TERM !== 'dumb') return 'redraw';
  return flag === true || stream.isTTY === true ? 'lines' : 'off';
}

export interface ProgressOptions {
  readonly style: ProgressStyle;
  readonly stream: ProgressStream;
  /** Milliseconds on a monotonic clock. @default performance.now */
  readonly now?: () => number;
}

/** Counts the bytes of one file read after another (a pass each) and shows how far the current pass is. */
export class ProgressReporter {
  private readonly now: () => number;
  private label = '';
  private totalBytes = 0;
  private readBytes = 0;
  private lastWriteAt: number;
  /** Characters of the redrawn line now on screen; 0 when nothing is. */
  private shownWidth = 0;
  private shownPercent = -1;

  constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? (() => performance.now());
    this.lastWriteAt = this.now();
  }

  /** `source` with each chunk counted towards `totalBytes` as it passes; `source` itself when progress is off. */
  track(source: AsyncIterable<Uint8Array>, label: string, totalBytes: number): AsyncIterable<Uint8Array> {
    return this.options.style === 'off' ? source : this.count(source, label, totalBytes);
  }

  /** Opens a local file (see {@link openFile}) and tracks it against its size. */
  open(path: string, label: string): AsyncIterable<Uint8Array> {
    const source = openFile(path);
    return this.options.style === 'off' ? source : this.track(source, label, statSync(path).size);
  }

  /** Clears the redrawn line, so that whatever is written next starts on a clean line. */
  end(): void {
    if (this.shownWidth === 0) return;
    this.options.stream.write(`\r${' '.repeat(this.shownWidth)}\r`);
    this.shownWidth = 0;
  }

  private async *count(source: AsyncIterable<Uint8Array>, label: string, totalBytes: number) {
    this.begin(label, totalBytes);
    for await (const chunk of source) {
      this.advance(chunk.byteLength);
      yield chunk;
    }
  }

  private begin(label: string, totalBytes: number): void {
    this.label = label;
    this.totalBytes = totalBytes;
    this.readBytes = 0;
    this.shownPercent = -1;
    if (this.options.style === 'lines') this.writeLine(this.now());
  }

  private advance(bytes: number): void {
    this.readBytes += bytes;
    const now = this.now();
    const percent = this.percent();
    if (this.options.style === 'redraw') {
      // 100 % is worth a redraw out of turn when a line is showing: the report may take a while to compute.
      const justFinished = percent === 100 && this.shownPercent !== 100 && this.shownWidth > 0;
      if (justFinished || now - this.lastWriteAt >= REDRAW_INTERVAL_MS) this.redraw(now);
    } else if (
      Math.floor(percent / LINE_STEP_PERCENT) > Math.floor(this.shownPercent / LINE_STEP_PERCENT) ||
      now - this.lastWriteAt >= LINE_HEARTBEAT_MS
    ) {
      this.writeLine(now);
    }
  }

  private percent(): number {
    return this.totalBytes <= 0 ? 100 : Math.min(100, Math.floor((this.readBytes * 100) / this.totalBytes));
  }

  private counts(): string {
    return `${formatBytes(this.readBytes)} / ${formatBytes(this.totalBytes)}  ${this.percent()} %`;
  }

  private writeLine(now: number): void {
    this.options.stream.write(`${this.label}  ${this.counts()}\n`);
    this.lastWriteAt = now;
    this.shownPercent = this.percent();
  }

  private redraw(now: number): void {
    const counts = this.counts();
    // A line as wide as the terminal wraps, and `\r` would only return to its second half.
    const columns = this.options.stream.columns || DEFAULT_COLUMNS; // 0 when the terminal reports no size
    const room = columns - 1 - counts.length - 2;
    const label = this.label.length <= room ? this.label : `…${this.label.slice(this.label.length - room + 1)}`;
    const text = room > 0 ? `${label}  ${counts}` : counts;
    this.options.stream.write(`\r${text}${' '.repeat(Math.max(0, this.shownWidth - text.length))}`);
    this.shownWidth = Math.max(this.shownWidth, text.length);
    this.lastWriteAt = now;
    this.shownPercent = this.percent();
  }
}

/** Bytes in binary units, three significant digits at most: `512 B`, `4.0 KiB`, `412 MiB`, `1.2 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${bytes} B`;
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

/** Help of `--progress`, worded the same for every command that reads files. */
export const PROGRESS_HELP = 'show progress on stderr even when it is not a terminal (a line per 10 % of a file read)';
/** Help of `--no-progress`. */
export const NO_PROGRESS_HELP = 'never show progress (default: a line redrawn on stderr when stderr is a terminal)';

/**
 * Runs `work` with a reporter on stderr styled by `--progress` / `--no-progress` (`flag`), and clears its line however
 * `work` ends, before the report or an error message is written.
 */
export async function withProgress<T>(
  flag: boolean | undefined,
  work: (progress: ProgressReporter) => Promise<T>,
): Promise<T> {
  const stream = process.stderr;
  const progress = new ProgressReporter({ style: progressStyle(flag, stream, process.env), stream });
  try {
    return await work(progress);
  } finally {
    progress.end();
  }
}
