/** A policy element that may be one value or a list (`Action`, `Resource`, `Statement`, …) as a list. */
export function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** The statements of a resolved policy document. */
export function statementsOf(document: unknown): Record<string, unknown>[] {
  const statements = (document as { Statement?: unknown } | null | undefined)?.Statement;
  return asList(statements).filter(
    (statement): statement is Record<string, unknown> => statement !== null && typeof statement === 'object',
  );
}
