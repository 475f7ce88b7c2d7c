/**
 * The progress reporter of `warden validate`, `bias` and `drift` with a fake clock and a fake stderr: which style a
 * flag, a terminal and `TERM` give, throttled redraws that end at 100 % and leave a clean line, plain lines per tenth.
 */
import {
  LINE_HEARTBEAT_MS,
  REDRAW_INTERVAL_MS,
  ProgressReporter,
  type ProgressStream,
  type ProgressStyle,
  formatBytes,
  progressStyle,
} from '../../local/commands/progress';

interface Write {
  readonly at: number;
  readonly text: string;
}

class FakeClock {
  time = 1_000;
  readonly now = (): number => this.time;
}

class FakeStream implements ProgressStream {
  readonly writes: Write[] = [];
  constructor(
    private readonly clock: FakeClock,
    readonly isTTY?: boolean,
    readonly columns?: number,
  ) {}
  write(text: string): boolean {
    this.writes.push({ at: this.clock.time, text });
    return true;
  }
  get output(): string {
    return this.writes.map((write) => write.text).join('');
  }
}

/** What a terminal shows after the output: `\r` returns to the start of the line, characters overwrite. */
function screen(output: string): string[] {
  const lines: string[][] = [[]];
  let column = 0;
  for (const char of output) {
    if (char === '\r') column = 0;
    else if (char === '\n') {
      lines.push([]);
      column = 0;
    } else lines[lines.length - 1][column++] = char;
  }
  return lines.map((line) => line.join(''));
}

/** Chunks of the given sizes, the clock moving `stepMs` before each. */
async function* chunks(clock: FakeClock, sizes: readonly number[], stepMs: number): AsyncIterable<Uint8Array> {
  for (const size of sizes) {
    clock.time += stepMs;
    yield new Uint8Array(size);
  }
}

async function drain(source: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const seen: Uint8Array[] = [];
  for await (const chunk of source) seen.push(chunk);
  return seen;
}

function setUp(style: ProgressStyle, columns?: number) {
  const clock = new FakeClock();
  const stream = new FakeStream(clock, style === 'redraw', columns);
  const reporter = new ProgressReporter({ style, stream, now: clock.now });
  return { clock, stream, reporter };
}

const percentOf = (text: string): number => Number(/(\d+) %\s*$/.exec(text)?.[1]);

describe('progressStyle', () => {
  it.each<[boolean | undefined, boolean | undefined, string | undefined, ProgressStyle]>([
    [undefined, true, 'xterm-256color', 'redraw'],
    [undefined, true, undefined, 'redraw'],
    [undefined, true, 'dumb', 'lines'],
    [undefined, false, 'xterm', 'off'],
    [undefined, undefined, 'xterm', 'off'],
    [true, false, 'xterm', 'lines'],
    [true, undefined, 'dumb', 'lines'],
    [true, true, 'xterm', 'redraw'],
    [true, true, 'dumb', 'lines'],
    [false, true, 'xterm', 'off'],
    [false, false, undefined, 'off'],
  ])('flag %s, TTY %s, TERM %s: %s', (flag, isTTY, term, expected) => {
    expect(progressStyle(flag, { isTTY, write: () => true }, { TERM: term })).toBe(expected);
  });
});

describe('ProgressReporter off', () => {
  it('returns the source itself and writes nothing', async () => {
    const { clock, stream, reporter } = setUp('off');
    const source = chunks(clock, [10, 10], 1_000);
    expect(reporter.track(source, 'validating a.csv', 20)).toBe(source);
    await drain(source);
    reporter.end();
    expect(stream.writes).toEqual([]);
  });
});

describe('ProgressReporter redraw (a terminal)', () => {
  it('passes every chunk through unchanged, in order', async () => {
    const { clock, reporter } = setUp('redraw');
    const sent = [new Uint8Array([1, 2]), new Uint8Array([3]), new Uint8Array([4, 5, 6])];
    async function* source() {
      for (const chunk of sent) {
        clock.time += 50;
        yield chunk;
      }
    }
    expect(await drain(reporter.track(source(), 'validating a.csv', 6))).toEqual(sent);
  });

  it('redraws one line at most every 100 ms, never with a newline, and ends at 100 %', async () => {
    const { clock, stream, reporter } = setUp('redraw');
    // 200 chunks 7 ms apart: 1.4 s of reading.
    await drain(reporter.track(chunks(clock, new Array(200).fill(5), 7), 'validating big.csv', 1_000));

    expect(stream.writes.length).toBeGreaterThanOrEqual(10);
    expect(stream.writes.length).toBeLessThanOrEqual(1 + (200 * 7) / REDRAW_INTERVAL_MS);
    for (const write of stream.writes) {
      expect(write.text.startsWith('\r')).toBe(true);
      expect(write.text).not.toContain('\n');
    }
    const beforeLast = stream.writes.slice(0, -1);
    for (let i = 1; i < beforeLast.length; i++) {
      expect(beforeLast[i].at - beforeLast[i - 1].at).toBeGreaterThanOrEqual(REDRAW_INTERVAL_MS);
    }
    const percents = stream.writes.map((write) => percentOf(write.text));
    expect([...percents].sort((a, b) => a - b)).toEqual(percents);
    expect(screen(stream.output)).toEqual(['validating big.csv  1000 B / 1000 B  100 %']);
  });

  it('draws 100 % out of turn when the last chunk arrives within the interval', async () => {
    const { clock, stream, reporter } = setUp('redraw');
    await drain(reporter.track(chunks(clock, [50, 49, 1], 60), 'validating a.csv', 100));
    // 60 ms: too early; 120 ms: drawn (99 %); 180 ms: only 60 ms later, but it is the end.
    expect(stream.writes.map((write) => percentOf(write.text))).toEqual([99, 100]);
    expect(screen(stream.output).at(-1)?.trimEnd()).toBe('validating a.csv  100 B / 100 B  100 %');
  });

  it('clears the line at the end, so the report starts on a clean line', async () => {
    const { clock, stream, reporter } = setUp('redraw');
    await drain(reporter.track(chunks(clock, [300, 300, 424], 150), 'validating a.csv', 1024));
    expect(screen(stream.output)[0]).toContain('100 %');
    reporter.end();
    expect(stream.writes.at(-1)?.text).toMatch(/^\r +\r$/);
    expect(screen(stream.output)).toEqual([' '.repeat('validating a.csv  1.0 KiB / 1.0 KiB  100 %'.length)]);
    expect(screen(stream.output)[0].trim()).toBe('');
    reporter.end();
    expect(stream.writes.filter((write) => /^\r +\r$/.test(write.text))).toHaveLength(1);
  });

  it('shows and clears nothing when the reading is over within the first interval (no flicker)', async () => {
    const { clock, stream, reporter } = setUp('redraw');
    await drain(reporter.track(chunks(clock, [10, 10, 10], 20), 'validating small.csv', 30));
    reporter.end();
    expect(stream.writes).toEqual([]);
  });

  it('overwrites a longer line of an earlier file completely', async () => {
    const { clock, stream, reporter } = setUp('redraw');
    await drain(reporter.track(chunks(clock, [512, 512], 150), 'reading baseline a-rather-long-name.csv', 1024));
    await drain(reporter.track(chunks(clock, [100, 100], 150), 'reading current b.csv', 200));
    expect(screen(stream.output)[0].trimEnd()).toBe('reading current b.csv  200 B / 200 B  100 %');
    reporter.end();
    expect(screen(stream.output)[0].trim()).toBe('');
  });

  it('keeps the line narrower than the terminal, shortening the label from the left', async () => {
    const { clock, stream, reporter } = setUp('redraw', 40);
    const label = 'validating data/2024/credit-applications-full-export.csv';
    await drain(reporter.track(chunks(clock, [1 << 20, 1 << 20], 150), label, 2 << 20));
    expect(stream.writes.length).toBeGreaterThan(0);
    for (const write of stream.writes) {
      const visible = write.text.replace(/\r/g, '').trimEnd();
      expect(visible.length).toBeLessThan(40);
      expect(visible).toMatch(/^….*\.csv {2}\d/);
    }
    expect(screen(stream.output)[0].trimEnd()).toMatch(/….*\.csv {2}2\.0 MiB \/ 2\.0 MiB {2}100 %$/);
  });

  it('clears the line when the read fails, and lets the error through', async () => {
    const { clock, stream, reporter } = setUp('redraw');
    async function* failing() {
      clock.time += 150;
      yield new Uint8Array(10);
      throw new Error('Row 2 of a.csv has 2 fields but the header has 3.');
    }
    await expect(drain(reporter.track(failing(), 'validating a.csv', 100))).rejects.toThrow('Row 2');
    expect(screen(stream.output)[0]).toContain('10 %');
    reporter.end();
    expect(screen(stream.output)[0].trim()).toBe('');
  });
});

describe('ProgressReporter lines (--progress without a terminal, TERM=dumb)', () => {
  it('writes a line at the start and one per tenth read, increasing to 100 %', async () => {
    const { clock, stream, reporter } = setUp('lines');
    await drain(reporter.track(chunks(clock, new Array(100).fill(10), 1), 'validating a.csv', 1_000));
    const lines = stream.output.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map(percentOf)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(lines[0]).toBe('validating a.csv  0 B / 1000 B  0 %');
    expect(lines.at(-1)).toBe('validating a.csv  1000 B / 1000 B  100 %');
    expect(stream.output).not.toContain('\r');
    reporter.end();
    expect(stream.output.endsWith('100 %\n')).toBe(true);
  });

  it('writes the percentage reached when a chunk crosses several tenths at once', async () => {
    const { clock, stream, reporter } = setUp('lines');
    await drain(reporter.track(chunks(clock, [1 << 20, 1 << 20, 1 << 20], 1), 'measuring bias in a.csv', 3 << 20));
    expect(stream.output).toBe(
      [
        'measuring bias in a.csv  0 B / 3.0 MiB  0 %',
        'measuring bias in a.csv  1.0 MiB / 3.0 MiB  33 %',
        'measuring bias in a.csv  2.0 MiB / 3.0 MiB  66 %',
        'measuring bias in a.csv  3.0 MiB / 3.0 MiB  100 %',
        '',
      ].join('\n'),
    );
  });

  it('writes a line every 10 s while a slow read stays below the next tenth', async () => {
    const { clock, stream, reporter } = setUp('lines');
    // One byte a second of 1000: 3 % after 30 s.
    await drain(reporter.track(chunks(clock, new Array(30).fill(1), 1_000), 'validating slow.csv', 1_000));
    const lines = stream.writes.map((write) => write.text);
    expect(lines.map(percentOf)).toEqual([0, 1, 2, 3]);
    expect(stream.writes.map((write) => write.at - 1_000)).toEqual([
      0,
      LINE_HEARTBEAT_MS,
      2 * LINE_HEARTBEAT_MS,
      3 * LINE_HEARTBEAT_MS,
    ]);
  });

  it('gives each file of a run its own lines', async () => {
    const { clock, stream, reporter } = setUp('lines');
    await drain(reporter.track(chunks(clock, [5, 5], 1), 'reading baseline a.csv', 10));
    await drain(reporter.track(chunks(clock, [4], 1), 'reading current b.csv', 4));
    expect(stream.output.split('\n').filter(Boolean)).toEqual([
      'reading baseline a.csv  0 B / 10 B  0 %',
      'reading baseline a.csv  5 B / 10 B  50 %',
      'reading baseline a.csv  10 B / 10 B  100 %',
      'reading current b.csv  0 B / 4 B  0 %',
      'reading current b.csv  4 B / 4 B  100 %',
    ]);
  });

  it('reports an empty file as complete in one line', async () => {
    const { clock, stream, reporter } = setUp('lines');
    await drain(reporter.track(chunks(clock, [], 1), 'validating empty.csv', 0));
    expect(stream.output).toBe('validating empty.csv  0 B / 0 B  100 %\n');
  });

  it('never redraws and never colours under TERM=dumb on a terminal, with NO_COLOR or without', async () => {
    const clock = new FakeClock();
    const stream = new FakeStream(clock, true, 80);
    const style = progressStyle(undefined, stream, { TERM: 'dumb' });
    const reporter = new ProgressReporter({ style, stream, now: clock.now });
    await drain(reporter.track(chunks(clock, new Array(20).fill(50), 200), 'validating a.csv', 1_000));
    reporter.end();
    expect(stream.writes.length).toBeGreaterThan(2);
    expect(stream.output).not.toContain('\r');
    expect(stream.output).not.toContain('\u001b');
  });
});

describe('no escape sequences in any style', () => {
  it.each<ProgressStyle>(['redraw', 'lines'])('%s', async (style) => {
    const { clock, stream, reporter } = setUp(style);
    await drain(reporter.track(chunks(clock, new Array(20).fill(50), 200), 'validating a.csv', 1_000));
    reporter.end();
    expect(stream.writes.length).toBeGreaterThan(2);
    expect(stream.output).not.toContain('\u001b');
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [412 * 1024 * 1024 + 300_000, '412 MiB'],
    [1.2 * 1024 ** 3, '1.2 GiB'],
    [99.94 * 1024 ** 2, '99.9 MiB'],
    [3 * 1024 ** 4, '3.0 TiB'],
  ])('%d bytes: %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
