/**
 * The property every handler must keep: whatever event it gets, it answers with a result or a named Warden error —
 * never a crash. An event its schema refuses is a `Warden.InputError`.
 */
import fc from 'fast-check';
import type { z } from 'zod';
import { InputError, WardenError } from '../../../lambdas/shared/errors';

export async function expectOnlyTypedErrors(
  handler: (event: unknown) => Promise<unknown>,
  schema: z.ZodType,
  events: fc.Arbitrary<unknown>,
  numRuns = 200,
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(events, async (event) => {
      const error = await handler(event).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      if (!schema.safeParse(event).success) expect(error).toBeInstanceOf(InputError);
      else if (error !== undefined) expect(error).toBeInstanceOf(WardenError);
    }),
    { numRuns },
  );
}

/** Events shaped like `shape` with each field either a plausible value or anything at all, fields sometimes missing. */
export function eventsLike(shape: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const fields = Object.fromEntries(
    Object.entries(shape).map(([name, plausible]) => [name, fc.oneof(plausible, fc.anything())]),
  );
  return fc.oneof(fc.anything(), fc.record(fields, { requiredKeys: [] }));
}
