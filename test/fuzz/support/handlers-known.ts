/**
 * Defects the handler fuzz suite found and that are not fixed yet, each with the events it applies to and a minimal
 * reproduction. For an event its handler's schema accepts and a defect applies to, the suite checks only what must hold
 * regardless (no unhandled rejection, no prototype pollution); everything else stays strict. Each reproduction runs as
 * a test that asserts the defect is still there: once the handler is fixed that test fails, and the entry must go.
 */
export interface KnownDefect {
  readonly id: string;
  readonly handler: string;
  /** What goes wrong, for people: the input, and what the handler does instead of a result or a Warden error. */
  readonly summary: string;
  applies(event: unknown): boolean;
  /** The smallest event that shows it, and the configuration it needs besides the suite's. */
  readonly example: unknown;
  readonly env?: Readonly<Record<string, string>>;
  /**
   * The error the reproduction fails with today (`name message`); absent when it does not fail but stores a corrupted
   * entry (append-audit).
   */
  readonly shows?: RegExp;
  /** Objects the reproduction reads, written first. */
  readonly objects?: readonly { readonly bucket: string; readonly key: string; readonly body: string }[];
}

/** None: every defect the suite found is fixed, and every event is held to the strict check. */
export const KNOWN_DEFECTS: readonly KnownDefect[] = [];

/** The known defect of `handler` that applies to `event`, if any. */
export function knownDefect(handler: string, event: unknown): KnownDefect | undefined {
  return KNOWN_DEFECTS.find((defect) => defect.handler === handler && defect.applies(event));
}
