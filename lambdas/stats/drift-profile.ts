/**
 * What a drift check needs to know about one file: per column the sorted finite values and the raw category counts.
 * A baseline profile can be stored instead of the baseline CSV (see `baseline-profile.ts`).
 */
import type { ByteDictionary } from './byte-dictionary';

export interface ColumnProfile {
  readonly name: string;
  /** Non-missing (non-empty) values. */
  readonly count: number;
  /** True when every non-missing value parsed as a finite number. */
  readonly numeric: boolean;
  /** The values sorted ascending when `numeric`, else empty. */
  readonly sortedValues: Float64Array;
  /**
   * Occurrences of each distinct raw value (the field's bytes). Undefined when they were not kept: a column that looked
   * numeric with more distinct values than the category limit.
   */
  readonly categories: ByteDictionary | undefined;
}

export interface DatasetProfile {
  /** Name of the profiled file, for messages. */
  readonly source: string;
  /** Data rows (header excluded). */
  readonly rows: number;
  /** Profiled columns, in the order they were asked for (file order by default). */
  readonly columns: readonly ColumnProfile[];
}

/** The profile of column `name`, or undefined. */
export function findColumn(profile: DatasetProfile, name: string): ColumnProfile | undefined {
  return profile.columns.find((column) => column.name === name);
}
