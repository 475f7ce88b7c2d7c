/**
 * `warden drift` on profiles: per column numeric or categorical metrics, and which columns drifted
 * (CONTRACTS.md `warden drift`).
 */
import { InputError } from '../shared/errors';
import { categoricalDrift } from './drift-categorical';
import { numericDrift } from './drift-numeric';
import { findColumn, type ColumnProfile, type DatasetProfile } from './drift-profile';
import { crossedCategorical, crossedNumeric, type DriftMetricName, type DriftThresholds } from './drift-thresholds';

export interface DriftCount {
  readonly baseline: number;
  readonly current: number;
}

export interface NumericColumnDrift {
  readonly type: 'numeric';
  readonly count: DriftCount;
  readonly ks: { readonly statistic: number; readonly pValue: number };
  readonly wasserstein: number;
  readonly wassersteinNorm: number;
  readonly psi: number;
}

export interface CategoricalColumnDrift {
  readonly type: 'categorical';
  readonly count: DriftCount;
  readonly psi: number;
  readonly jsDistance: number;
}

export type ColumnDrift = NumericColumnDrift | CategoricalColumnDrift;

/** The `--json` document of `warden drift`. */
export interface DriftReport {
  readonly columns: Readonly<Record<string, ColumnDrift>>;
  /** Drifted columns, in column order. */
  readonly drifted: readonly string[];
  readonly thresholds: DriftThresholds;
}

/** A column is numeric only when every non-missing value of both files is a finite number (CONTRACTS.md). */
export function isNumericInBoth(base: ColumnProfile, current: ColumnProfile): boolean {
  return base.numeric && current.numeric;
}

/**
 * Compares the `columns` of two profiles (every baseline column when absent). Categorical columns need the category
 * counts of both sides (see `recountCategories`).
 */
export function computeDrift(
  baseline: DatasetProfile,
  current: DatasetProfile,
  thresholds: DriftThresholds,
  columns: readonly string[] = baseline.columns.map((column) => column.name),
): DriftReport {
  const entries: [string, ColumnDrift][] = [];
  const drifted: string[] = [];
  for (const name of columns) {
    const base = requireValues(baseline, name);
    const cur = requireValues(current, name);
    const count = { baseline: base.count, current: cur.count };
    let drift: ColumnDrift;
    let crossed: DriftMetricName[];
    if (isNumericInBoth(base, cur)) {
      const metrics = numericDrift(base.sortedValues, cur.sortedValues);
      drift = { type: 'numeric', count, ...metrics };
      crossed = crossedNumeric(metrics, thresholds);
    } else {
      const metrics = categoricalDrift(requireCategories(baseline, base), requireCategories(current, cur));
      drift = { type: 'categorical', count, ...metrics };
      crossed = crossedCategorical(metrics, thresholds);
    }
    entries.push([name, drift]);
    if (crossed.length > 0) drifted.push(name);
  }
  // fromEntries defines own properties, so a column named "__proto__" is a key like any other.
  return { columns: Object.fromEntries(entries), drifted, thresholds };
}

function requireValues(profile: DatasetProfile, name: string): ColumnProfile {
  const column = findColumn(profile, name);
  if (column === undefined) throw new InputError(`Column "${name}" is not in ${profile.source}.`);
  if (column.count === 0) {
    throw new InputError(`Column "${name}" has no values in ${profile.source}, so its drift cannot be measured.`);
  }
  return column;
}

function requireCategories(profile: DatasetProfile, column: ColumnProfile): NonNullable<ColumnProfile['categories']> {
  if (column.categories !== undefined) return column.categories;
  throw new InputError(
    `Column "${column.name}" is categorical, but the profile of ${profile.source} kept no category counts for it (too many distinct numbers); compare against the CSV file instead.`,
  );
}
