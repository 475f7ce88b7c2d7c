/**
 * Imported first by the handler fuzz suite, before any handler module: the shared Powertools logger reads its settings
 * when it loads. Unlike the handler tests (harness/quiet.ts keeps them silent), logs are on at INFO and go to the global
 * console (`POWERTOOLS_DEV`), so that {@link captureLogs} sees every line a handler writes. Logs are an output too: they
 * must not echo PII, and formatting them must not crash on what an event carried.
 */
process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
process.env.POWERTOOLS_DEV = 'true';

const METHODS = ['debug', 'info', 'warn', 'error', 'log'] as const;

export interface CapturedLogs {
  /** Every line logged since the last {@link CapturedLogs.clear}. */
  readonly lines: string[];
  clear(): void;
  restore(): void;
}

/** Collects what is written to the console instead of printing it. */
export function captureLogs(): CapturedLogs {
  const lines: string[] = [];
  const spies = METHODS.map((method) =>
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
    }),
  );
  return {
    lines,
    clear: () => {
      lines.length = 0;
    },
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}
