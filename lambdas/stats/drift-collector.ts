/**
 * Builds a {@link DatasetProfile} from a CSV stream in one pass, without building a string per row: numbers are parsed
 * from the field bytes, categories are counted by their bytes.
 *
 * Whether a column is numeric is only known once both files are read, so a column whose values are all numbers so far
 * is counted as categories too, up to a limit of distinct values (which also makes sorting its ties cheap); past the
 * limit its numbers go into a growable Float64Array, since a million distinct floats cost far more as categories. If
 * such a column later turns out categorical, its categories are recounted exactly by a second pass
 * ({@link recountCategories}): rare, as it takes a text value in a column with more distinct numbers than the limit.
 */
import { InputError } from '../shared/errors';
import { ByteDictionary } from './byte-dictionary';
import { readCsv, type CsvHandler, type CsvRow } from './csv';
import type { ColumnProfile, DatasetProfile } from './drift-profile';
import { parseDecimal } from './number';

/** Distinct values a column keeps as categories while all its values are numbers. */
export const DEFAULT_CATEGORY_LIMIT = 10_000;

const NO_VALUES = new Float64Array(0);

export interface ProfileOptions {
  /** Name of the file in messages. */
  readonly source: string;
  /** Columns to profile, in this order; every column is profiled when absent. A name not in the header is an error. */
  readonly columns?: readonly string[];
  /** Columns known to be categorical already (from the other file): only their categories are counted, all of them. */
  readonly categorical?: ReadonlySet<string>;
  /** Distinct values kept per column while its values are all numbers. @default DEFAULT_CATEGORY_LIMIT */
  readonly categoryLimit?: number;
}

/** Reads a whole CSV stream into a profile of the requested columns. */
export async function profileCsv(source: AsyncIterable<Uint8Array>, options: ProfileOptions): Promise<DatasetProfile> {
  const collector = new DatasetProfileCollector(options);
  await readCsv(source, collector, { source: options.source });
  return collector.profile();
}

/**
 * The {@link CsvHandler} behind {@link profileCsv}, for callers that drive the parser themselves (e.g. to validate and
 * profile a file in the same pass).
 */
export class DatasetProfileCollector implements CsvHandler {
  private collectors: ColumnCollector[] = [];
  private rows = 0;

  constructor(private readonly options: ProfileOptions) {}

  header(names: readonly string[]): void {
    const { options } = this;
    const limit = options.categoryLimit ?? DEFAULT_CATEGORY_LIMIT;
    this.collectors = (options.columns ?? names).map(
      (name) =>
        new ColumnCollector(
          name,
          columnIndex(names, name, options.source),
          options.categorical?.has(name) ?? false,
          limit,
        ),
    );
  }

  row(row: CsvRow): void {
    this.rows++;
    const collectors = this.collectors;
    for (let k = 0; k < collectors.length; k++) collectors[k].add(row);
  }

  /** The profile of the rows seen so far. */
  profile(): DatasetProfile {
    return {
      source: this.options.source,
      rows: this.rows,
      columns: this.collectors.map((collector) => collector.finish()),
    };
  }
}

/**
 * Re-reads a CSV stream to count every category of `columns` and returns `profile` with those counts filled in: the
 * exact second pass for columns whose categories were dropped at the limit.
 */
export async function recountCategories(
  profile: DatasetProfile,
  source: AsyncIterable<Uint8Array>,
  columns: readonly string[],
): Promise<DatasetProfile> {
  const recount = await profileCsv(source, { source: profile.source, columns, categorical: new Set(columns) });
  return {
    ...profile,
    columns: profile.columns.map((column) => {
      const counted = recount.columns.find((candidate) => candidate.name === column.name);
      return counted ? { ...column, categories: counted.categories } : column;
    }),
  };
}

function columnIndex(names: readonly string[], name: string, source: string): number {
  const index = names.indexOf(name);
  if (index < 0) throw new InputError(`Column "${name}" is not in ${source}.`);
  if (names.indexOf(name, index + 1) >= 0) throw new InputError(`${source} has more than one column named "${name}".`);
  return index;
}

/**
 * While a numeric-looking column has few distinct values they live only in its category dictionary; its sorted values
 * are then the distinct numbers, sorted, each repeated by its count.
 */
class ColumnCollector {
  private values = NO_VALUES;
  private length = 0;
  private count = 0;
  private numeric: boolean;
  private categories: ByteDictionary | undefined = new ByteDictionary();

  constructor(
    private readonly name: string,
    private readonly index: number,
    categorical: boolean,
    private readonly categoryLimit: number,
  ) {
    this.numeric = !categorical;
  }

  add(row: CsvRow): void {
    const i = this.index;
    if (row.isEmpty(i)) return;
    this.count++;
    if (this.numeric) {
      const value = row.decimal(i);
      if (!Number.isNaN(value)) {
        const categories = this.categories;
        if (categories === undefined) {
          this.push(value);
        } else {
          // A field that parsed as a number has no escaped quotes, so its bytes in the buffer are the value.
          categories.add(row.buffer, row.starts[i], row.ends[i]);
          if (categories.size > this.categoryLimit) this.switchToValues(categories);
        }
        return;
      }
      this.numeric = false;
      this.values = NO_VALUES;
      this.length = 0;
    }
    if (this.categories !== undefined) {
      const bytes = row.bytes(i);
      this.categories.add(bytes, 0, bytes.length);
    }
  }

  finish(): ColumnProfile {
    let sortedValues: Float64Array = NO_VALUES;
    if (this.numeric) {
      sortedValues = this.categories
        ? sortedFromCategories(this.categories)
        : this.values.subarray(0, this.length).sort();
    }
    return { name: this.name, count: this.count, numeric: this.numeric, sortedValues, categories: this.categories };
  }

  /** Past the limit the numbers are kept one by one instead, starting with those the categories hold. */
  private switchToValues(categories: ByteDictionary): void {
    this.categories = undefined;
    for (let id = 0; id < categories.size; id++) {
      const key = categories.keyBytes(id);
      const value = parseDecimal(key, 0, key.length);
      for (let k = categories.count(id); k > 0; k--) this.push(value);
    }
  }

  private push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(Math.max(1024, this.values.length * 2));
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }
}

/** The numbers a category dictionary counts, sorted ascending, each repeated by its count (ties in first-seen order). */
export function sortedFromCategories(categories: ByteDictionary): Float64Array {
  const numbers = new Float64Array(categories.size);
  let total = 0;
  for (let id = 0; id < categories.size; id++) {
    const key = categories.keyBytes(id);
    numbers[id] = parseDecimal(key, 0, key.length);
    total += categories.count(id);
  }
  const order = Array.from(numbers.keys()).sort((a, b) => numbers[a] - numbers[b]);
  const sorted = new Float64Array(total);
  let offset = 0;
  for (const id of order) {
    const end = offset + categories.count(id);
    sorted.fill(numbers[id], offset, end);
    offset = end;
  }
  return sorted;
}
