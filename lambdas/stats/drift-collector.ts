/**
 * Builds a {@link DatasetProfile} from a CSV stream in one pass: per column the finite numbers go into a growable
 * Float64Array and the raw values into a byte-keyed category dictionary, so no string is built per row.
 *
 * Whether a column is numeric is only known once both files are read, so a column that still looks numeric keeps its
 * categories too, but only up to a limit: a million distinct floats would cost far more as categories than as numbers.
 * If such a column later turns out categorical, its categories are recounted exactly by a second pass
 * ({@link recountCategories}); that needs a non-numeric value beyond the limit and is rare.
 */
import { InputError } from '../shared/errors';
import { ByteDictionary } from './byte-dictionary';
import { readCsv, type CsvRow } from './csv';
import type { ColumnProfile, DatasetProfile } from './drift-profile';

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
  const limit = options.categoryLimit ?? DEFAULT_CATEGORY_LIMIT;
  let collectors: ColumnCollector[] = [];
  const rows = await readCsv(
    source,
    {
      header: (names) => {
        collectors = (options.columns ?? names).map(
          (name) =>
            new ColumnCollector(
              name,
              columnIndex(names, name, options.source),
              options.categorical?.has(name) ?? false,
              limit,
            ),
        );
      },
      row: (row) => {
        for (let k = 0; k < collectors.length; k++) collectors[k].add(row);
      },
    },
    { source: options.source },
  );
  return { source: options.source, rows, columns: collectors.map((collector) => collector.finish()) };
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

class ColumnCollector {
  private values: Float64Array;
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
    this.values = categorical ? NO_VALUES : new Float64Array(1024);
  }

  add(row: CsvRow): void {
    const i = this.index;
    if (row.isEmpty(i)) return;
    this.count++;
    if (this.numeric) {
      const value = row.decimal(i);
      if (!Number.isNaN(value)) {
        this.push(value);
        const categories = this.categories;
        if (categories !== undefined) {
          // A field that parsed as a number has no escaped quotes, so its bytes in the buffer are the value.
          categories.add(row.buffer, row.starts[i], row.ends[i]);
          if (categories.size > this.categoryLimit) this.categories = undefined;
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
    return {
      name: this.name,
      count: this.count,
      numeric: this.numeric,
      sortedValues: this.values.subarray(0, this.length).sort(),
      categories: this.categories,
    };
  }

  private push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }
}
