/**
 * One pass over a training dataset that both validates it against its data contract and collects the drift baseline
 * profile, and the exact merge of such passes over byte ranges of the same file.
 *
 * The baseline covers the contract's numeric, categorical and boolean columns, never PII columns (their values would
 * be stored) nor free-text strings and timestamps (every value distinct: nothing a drift metric could use). Each
 * column's kind comes from the contract rather than from the data, so a numeric column of a dataset that passed its
 * contract is numeric in every part, which is what makes the merged profile equal the single-pass one.
 */
import type { DataContract } from '../stats/contract';
import type { CsvHandler, CsvRow } from '../stats/csv';
import { DEFAULT_CATEGORY_LIMIT, DatasetProfileCollector, sortedFromCategories } from '../stats/drift-collector';
import type { ColumnProfile, DatasetProfile } from '../stats/drift-profile';
import { DatasetValidator, type ValidationReport } from '../stats/validate';

/** The contract columns a drift baseline profiles, and which of them are categorical. */
export function baselineColumns(contract: DataContract): { columns: string[]; categorical: Set<string> } {
  const profiled = contract.columns.filter(
    (column) =>
      column.pii !== true &&
      (column.type === 'integer' ||
        column.type === 'number' ||
        column.type === 'categorical' ||
        column.type === 'boolean'),
  );
  return {
    columns: profiled.map((column) => column.name),
    categorical: new Set(
      profiled
        .filter((column) => column.type === 'categorical' || column.type === 'boolean')
        .map((column) => column.name),
    ),
  };
}

/** A {@link CsvHandler} feeding every row to the validator and to the baseline collector. */
export class DatasetScan implements CsvHandler {
  private collector: DatasetProfileCollector | undefined;

  constructor(
    readonly validator: DatasetValidator,
    /** Name of the dataset in the profile (e.g. its S3 URI); parts of one file must use the same. */
    private readonly source: string,
  ) {}

  header(names: readonly string[]): void {
    this.validator.header(names);
    const { columns, categorical } = baselineColumns(this.validator.contract);
    const present = new Set(names);
    // A contract column missing from the file is the validator's violation to report, not a reason to stop the pass.
    this.collector = new DatasetProfileCollector({
      source: this.source,
      columns: columns.filter((name) => present.has(name)),
      categorical,
    });
    this.collector.header(names);
  }

  row(row: CsvRow): void {
    this.validator.row(row);
    this.collector?.row(row);
  }

  report(): ValidationReport {
    return this.validator.report();
  }

  /** The baseline profile of the rows scanned so far. */
  profile(): DatasetProfile {
    return this.collector?.profile() ?? { source: this.source, rows: 0, columns: [] };
  }
}

/**
 * Profiles of consecutive parts of one file (in file order), merged into the profile one pass over the file would have
 * collected: counts add up, sorted values interleave, category counts add up in first-seen order, and a numeric
 * column's categories are dropped once their union passes the category limit, as the collector drops them.
 *
 * Exact whenever every column is either categorical from the start or numeric in every part, which
 * {@link DatasetScan} guarantees for datasets that pass their contract. A column that turns categorical in some part
 * keeps the categories only where every part kept them. `first` is consumed: its category dictionaries grow in place.
 */
export function mergeProfiles(
  first: DatasetProfile,
  second: DatasetProfile,
  categoryLimit = DEFAULT_CATEGORY_LIMIT,
): DatasetProfile {
  if (first.columns.length !== second.columns.length) {
    throw new Error('Profiles of parts of one file must cover the same columns.');
  }
  const columns = first.columns.map((column, i) => {
    const other = second.columns[i];
    if (other.name !== column.name) throw new Error('Profiles of parts of one file must cover the same columns.');
    return mergeColumn(column, other, categoryLimit);
  });
  return { source: first.source, rows: first.rows + second.rows, columns };
}

function mergeColumn(first: ColumnProfile, second: ColumnProfile, categoryLimit: number): ColumnProfile {
  const numeric = first.numeric && second.numeric;
  let categories = undefined;
  if (first.categories !== undefined && second.categories !== undefined) {
    categories = first.categories;
    categories.merge(second.categories);
    if (numeric && categories.size > categoryLimit) categories = undefined;
  }
  let sortedValues: Float64Array = new Float64Array(0);
  if (numeric) {
    // Rebuilt the way the single pass builds it, so that ties between -0 and 0 land in the same order.
    sortedValues =
      categories === undefined
        ? concatenate(first.sortedValues, second.sortedValues).sort()
        : sortedFromCategories(categories);
  }
  return { name: first.name, count: first.count + second.count, numeric, sortedValues, categories };
}

function concatenate(a: Float64Array, b: Float64Array): Float64Array {
  const joined = new Float64Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}
