/**
 * Drift between CSV files, or between a stored baseline profile and a CSV file: profile the files, recount the
 * categories that a column's late turn to categorical requires, compare.
 */
import { InputError } from '../shared/errors';
import { profileCsv, recountCategories } from './drift-collector';
import { computeDrift, isNumericInBoth, type DriftReport } from './drift';
import { findColumn, type DatasetProfile } from './drift-profile';
import type { DriftThresholds } from './drift-thresholds';

/** A CSV file that can be read more than once. */
export interface CsvSource {
  /** Name used in messages (e.g. the path as the user typed it). */
  readonly name: string;
  open(): AsyncIterable<Uint8Array>;
}

export interface DriftOptions {
  readonly thresholds: DriftThresholds;
  /** Columns to compare; every baseline column when absent. */
  readonly columns?: readonly string[];
}

/** Profiles a baseline CSV completely: categorical columns always carry their category counts. */
export async function profileBaseline(baseline: CsvSource, columns?: readonly string[]): Promise<DatasetProfile> {
  const profile = requireRows(await profileCsv(baseline.open(), { source: baseline.name, columns }));
  const uncounted = profile.columns.filter((column) => !column.numeric && column.categories === undefined);
  if (uncounted.length === 0) return profile;
  return recountCategories(
    profile,
    baseline.open(),
    uncounted.map((column) => column.name),
  );
}

/** Drift of `current` against the baseline CSV. */
export async function driftBetweenCsv(
  baseline: CsvSource,
  current: CsvSource,
  options: DriftOptions,
): Promise<DriftReport> {
  const profile = requireRows(await profileCsv(baseline.open(), { source: baseline.name, columns: options.columns }));
  return driftAgainst(profile, baseline, current, options);
}

/**
 * Drift of `current` against a stored baseline profile. Exact as long as the profile kept the categories of every
 * column that `current` makes categorical; otherwise an input error names the column.
 */
export async function driftAgainstProfile(
  baseline: DatasetProfile,
  current: CsvSource,
  options: DriftOptions,
): Promise<DriftReport> {
  return driftAgainst(requireRows(baseline), undefined, current, options);
}

async function driftAgainst(
  baselineProfile: DatasetProfile,
  baselineSource: CsvSource | undefined,
  current: CsvSource,
  options: DriftOptions,
): Promise<DriftReport> {
  const columns = options.columns ?? baselineProfile.columns.map((column) => column.name);
  for (const name of columns) {
    if (findColumn(baselineProfile, name) === undefined) {
      throw new InputError(`Column "${name}" is not in ${baselineProfile.source}.`);
    }
  }
  const knownCategorical = new Set(
    baselineProfile.columns.filter((column) => !column.numeric).map((column) => column.name),
  );
  let baseline = baselineProfile;
  let currentProfile = requireRows(
    await profileCsv(current.open(), { source: current.name, columns, categorical: knownCategorical }),
  );
  const categorical = columns.filter((name) => {
    const base = findColumn(baseline, name);
    const cur = findColumn(currentProfile, name);
    return base !== undefined && cur !== undefined && !isNumericInBoth(base, cur);
  });
  const baselineMissing = categorical.filter((name) => findColumn(baseline, name)?.categories === undefined);
  if (baselineMissing.length > 0 && baselineSource !== undefined) {
    baseline = await recountCategories(baseline, baselineSource.open(), baselineMissing);
  }
  const currentMissing = categorical.filter((name) => findColumn(currentProfile, name)?.categories === undefined);
  if (currentMissing.length > 0) {
    currentProfile = await recountCategories(currentProfile, current.open(), currentMissing);
  }
  return computeDrift(baseline, currentProfile, options.thresholds, columns);
}

function requireRows(profile: DatasetProfile): DatasetProfile {
  if (profile.rows === 0) throw new InputError(`${profile.source} has a header but no data rows.`);
  return profile;
}
