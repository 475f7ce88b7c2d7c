/**
 * The sufficient statistics of `warden bias` (CONTRACTS.md), gathered in one pass: for every facet-column value and for
 * every (group value, facet d or a) pair, the rows by label class and prediction class. Every bias metric is a pure
 * function of these counts, and counts of split files merge into exactly the counts of the whole file.
 *
 * Rows missing any of the columns used (label, facet, prediction, group) are skipped and counted in `skippedRows`:
 * a row without a label or a facet cannot be placed in a facet's distribution, and dropping it only from some metrics
 * would make the metrics describe different populations.
 */
import { InputError } from '../shared/errors';
import { ByteDictionary } from './byte-dictionary';
import type { CsvHandler, CsvRow } from './csv';

/** Which columns and values define the facets and the positive outcome. */
export interface BiasSpec {
  /** Column holding the observed outcome. */
  readonly label: string;
  /** Column whose value splits the rows into facets. */
  readonly facet: string;
  /** Value of the facet column that marks the disadvantaged facet d; every other value is facet a. */
  readonly facetValue: string;
  /** Column holding the model's predicted outcome. @default no post-training metrics */
  readonly prediction?: string;
  /** Column whose values condition CDDL and CDDPL. @default no conditional metrics */
  readonly group?: string;
  /** Label and prediction value that counts as the positive outcome (string comparison). @default '1' */
  readonly positive?: string;
}

/** Rows of one slice by (label, prediction) class; without a prediction column every row counts as predicted negative. */
export interface Outcomes {
  /** Label negative, predicted negative. */
  readonly tn: number;
  /** Label negative, predicted positive. */
  readonly fp: number;
  /** Label positive, predicted negative. */
  readonly fn: number;
  /** Label positive, predicted positive. */
  readonly tp: number;
}

/** Outcomes of one group value, split by facet. */
export interface GroupOutcomes {
  readonly a: Outcomes;
  readonly d: Outcomes;
}

/** The validated count table that the metrics are computed from. */
export interface BiasTable {
  /** Data rows read, skipped ones included. */
  readonly rows: number;
  /** Rows left out because the label, facet, prediction or group value was missing. */
  readonly skippedRows: number;
  /** Whether predictions were counted (post-training metrics apply). */
  readonly predicted: boolean;
  readonly a: Outcomes;
  readonly d: Outcomes;
  /** Every value of the facet column with its outcomes (AccuracyGap compares them all). */
  readonly facetValues: ReadonlyMap<string, Outcomes>;
  /** Outcomes per group value; absent without a group column. */
  readonly groups?: ReadonlyMap<string, GroupOutcomes>;
}

/**
 * Everything a {@link BiasCounts} has accumulated, so that the counts of one part of a dataset can be stored and merged
 * with the others elsewhere. Dictionaries keep their first-seen order, which is what the cells are indexed by.
 */
export interface BiasCountsState {
  readonly rows: number;
  readonly skipped: number;
  readonly facets: ByteDictionary;
  readonly labels: ByteDictionary;
  readonly predictions: ByteDictionary;
  readonly groups: ByteDictionary;
  /** {@link Outcomes} cells per facet id (4 per id). */
  readonly facetCells: Float64Array;
  /** Facet a's, then facet d's outcome cells per group id (8 per id). */
  readonly groupCells: Float64Array;
  /** Field indexes of the label, facet, prediction and group columns (-1 when unused or before the header). */
  readonly fields: {
    readonly label: number;
    readonly facet: number;
    readonly prediction: number;
    readonly group: number;
  };
}

/** Cell offsets inside one slice: label class × 2 + prediction class. */
const TN = 0;
const FP = 1;
const FN = 2;
const TP = 3;
const SLICE = 4;
/** Group cells hold facet a's slice, then facet d's. */
const GROUP_SLICE = 2 * SLICE;
/** Seeded keys take id 0, so "is positive" and "is facet d" are id comparisons in the row loop. */
const SEEDED_ID = 0;
/**
 * A label or prediction column with more distinct values than this stops the pass early: it is clearly not binary, and a
 * continuous column must not fill memory with its values.
 */
const MAX_TRACKED_VALUES = 20;
const MAX_LISTED_VALUES = 10;

/** Accumulates {@link BiasTable} counts from CSV rows; pass it to `readCsv` as the handler. */
export class BiasCounts implements CsvHandler {
  private readonly positive: string;
  private rowCount = 0;
  private skipped = 0;
  private readonly facets = new ByteDictionary();
  private readonly labels = new ByteDictionary();
  private readonly predictions = new ByteDictionary();
  private readonly groups = new ByteDictionary();
  private facetCells = new Float64Array(16 * SLICE);
  private groupCells = new Float64Array(16 * GROUP_SLICE);
  private labelField = -1;
  private facetField = -1;
  private predictionField = -1;
  private groupField = -1;

  constructor(
    readonly spec: BiasSpec,
    private readonly source = 'the file',
  ) {
    this.positive = spec.positive ?? '1';
    this.facets.addText(spec.facetValue, 0);
    this.labels.addText(this.positive, 0);
    this.predictions.addText(this.positive, 0);
  }

  header(names: readonly string[]): void {
    const roles: [string, string | undefined][] = [
      ['label', this.spec.label],
      ['facet', this.spec.facet],
      ['prediction', this.spec.prediction],
      ['group', this.spec.group],
    ];
    const missing = roles
      .filter(([, column]) => column !== undefined && !names.includes(column))
      .map(([role, column]) => `${role} column "${column}"`);
    if (missing.length > 0) {
      const verb = missing.length === 1 ? 'is' : 'are';
      throw new InputError(
        `${capitalize(missing.join(' and '))} ${verb} not in ${this.source}; available columns: ${listValues(names, 30)}.`,
      );
    }
    this.labelField = names.indexOf(this.spec.label);
    this.facetField = names.indexOf(this.spec.facet);
    this.predictionField = this.spec.prediction === undefined ? -1 : names.indexOf(this.spec.prediction);
    this.groupField = this.spec.group === undefined ? -1 : names.indexOf(this.spec.group);
  }

  row(row: CsvRow): void {
    this.rowCount++;
    const labelField = this.labelField;
    const predictionField = this.predictionField;
    const groupField = this.groupField;
    if (
      row.isEmpty(labelField) ||
      row.isEmpty(this.facetField) ||
      (predictionField >= 0 && row.isEmpty(predictionField)) ||
      (groupField >= 0 && row.isEmpty(groupField))
    ) {
      this.skipped++;
      return;
    }
    const labelId = intern(this.labels, row, labelField);
    if (labelId > MAX_TRACKED_VALUES) throw this.tooManyValues('Label', this.spec.label, this.labels);
    let predictedPositive = 0;
    if (predictionField >= 0) {
      const predictionId = intern(this.predictions, row, predictionField);
      if (predictionId > MAX_TRACKED_VALUES) {
        throw this.tooManyValues('Prediction', this.spec.prediction, this.predictions);
      }
      predictedPositive = predictionId === SEEDED_ID ? 1 : 0;
    }
    const outcome = (labelId === SEEDED_ID ? FN : TN) + predictedPositive;
    const facetId = intern(this.facets, row, this.facetField);
    if ((facetId + 1) * SLICE > this.facetCells.length) this.facetCells = grow(this.facetCells);
    this.facetCells[facetId * SLICE + outcome]++;
    if (groupField >= 0) {
      const groupId = intern(this.groups, row, groupField);
      if ((groupId + 1) * GROUP_SLICE > this.groupCells.length) this.groupCells = grow(this.groupCells);
      this.groupCells[groupId * GROUP_SLICE + (facetId === SEEDED_ID ? SLICE : 0) + outcome]++;
    }
  }

  /** Adds the counts of `other` (another part of the same dataset, counted with the same spec). */
  merge(other: BiasCounts): void {
    if (!sameSpec(this.spec, other.spec)) {
      throw new Error('Bias counts can only be merged when label, facet, prediction, group and positive value match.');
    }
    this.rowCount += other.rowCount;
    this.skipped += other.skipped;
    this.labels.merge(other.labels);
    this.predictions.merge(other.predictions);
    for (let id = 0; id < other.facets.size; id++) {
      const key = other.facets.keyBytes(id);
      const target = this.facets.add(key, 0, key.length, other.facets.count(id));
      if ((target + 1) * SLICE > this.facetCells.length) this.facetCells = grow(this.facetCells);
      addCells(this.facetCells, target * SLICE, other.facetCells, id * SLICE, SLICE);
    }
    for (let id = 0; id < other.groups.size; id++) {
      const key = other.groups.keyBytes(id);
      const target = this.groups.add(key, 0, key.length, other.groups.count(id));
      if ((target + 1) * GROUP_SLICE > this.groupCells.length) this.groupCells = grow(this.groupCells);
      addCells(this.groupCells, target * GROUP_SLICE, other.groupCells, id * GROUP_SLICE, GROUP_SLICE);
    }
  }

  state(): BiasCountsState {
    return {
      rows: this.rowCount,
      skipped: this.skipped,
      facets: copyDictionary(this.facets),
      labels: copyDictionary(this.labels),
      predictions: copyDictionary(this.predictions),
      groups: copyDictionary(this.groups),
      facetCells: this.facetCells.slice(0, this.facets.size * SLICE),
      groupCells: this.groupCells.slice(0, this.groups.size * GROUP_SLICE),
      fields: {
        label: this.labelField,
        facet: this.facetField,
        prediction: this.predictionField,
        group: this.groupField,
      },
    };
  }

  /** Counts that continue from `state`, which must have been taken from counts with the same spec. */
  static fromState(spec: BiasSpec, state: BiasCountsState, source = 'the file'): BiasCounts {
    const counts = new BiasCounts(spec, source);
    const seeded: [ByteDictionary, ByteDictionary][] = [
      [counts.facets, state.facets],
      [counts.labels, state.labels],
      [counts.predictions, state.predictions],
    ];
    for (const [own, stored] of seeded) {
      if (stored.size === 0 || !own.keyBytes(SEEDED_ID).equals(stored.keyBytes(SEEDED_ID))) {
        throw new Error('A bias counts state does not match the spec: its facet value or positive value differs.');
      }
      own.merge(stored);
    }
    counts.groups.merge(state.groups);
    if (
      state.facetCells.length !== state.facets.size * SLICE ||
      state.groupCells.length !== state.groups.size * GROUP_SLICE
    ) {
      throw new Error('A bias counts state has cells that do not match its dictionaries.');
    }
    counts.facetCells = withCapacity(state.facetCells, counts.facetCells.length);
    counts.groupCells = withCapacity(state.groupCells, counts.groupCells.length);
    counts.rowCount = state.rows;
    counts.skipped = state.skipped;
    counts.labelField = state.fields.label;
    counts.facetField = state.fields.facet;
    counts.predictionField = state.fields.prediction;
    counts.groupField = state.fields.group;
    return counts;
  }

  /** The counts, after checking that they can support the metrics (binary outcomes, two non-empty facets). */
  table(): BiasTable {
    const { label, facet, facetValue, prediction } = this.spec;
    if (this.rowCount === 0) {
      throw new InputError(`There are no data rows in ${this.source}; bias metrics need rows of both facets.`);
    }
    if (this.skipped === this.rowCount) {
      const columns = [label, facet, prediction, this.spec.group].filter((column) => column !== undefined);
      throw new InputError(
        `Every row of ${this.source} has an empty value in one of the columns ${columns.map(quote).join(', ')}.`,
      );
    }
    this.checkBinary('Label', label, this.labels);
    if (prediction !== undefined) this.checkBinary('Prediction', prediction, this.predictions);
    const facetValues = new Map<string, Outcomes>();
    for (let id = 0; id < this.facets.size; id++) {
      if (this.facets.count(id) > 0) facetValues.set(this.facets.key(id), outcomesAt(this.facetCells, id * SLICE));
    }
    const d = facetValues.get(facetValue);
    if (d === undefined) {
      throw new InputError(
        `Facet value "${facetValue}" does not occur in column "${facet}" of ${this.source}; ` +
          `its values are ${listValues([...facetValues.keys()].sort(), MAX_LISTED_VALUES)}.`,
      );
    }
    if (facetValues.size === 1) {
      throw new InputError(
        `Every row of ${this.source} has "${facetValue}" in column "${facet}", so facet a (all other values) is empty ` +
          'and there is nothing to compare facet d with.',
      );
    }
    let a: Outcomes = { tn: 0, fp: 0, fn: 0, tp: 0 };
    for (const [value, outcomes] of facetValues) if (value !== facetValue) a = addOutcomes(a, outcomes);
    let groups: Map<string, GroupOutcomes> | undefined;
    if (this.spec.group !== undefined) {
      groups = new Map();
      for (let id = 0; id < this.groups.size; id++) {
        const offset = id * GROUP_SLICE;
        groups.set(this.groups.key(id), {
          a: outcomesAt(this.groupCells, offset),
          d: outcomesAt(this.groupCells, offset + SLICE),
        });
      }
    }
    return {
      rows: this.rowCount,
      skippedRows: this.skipped,
      predicted: prediction !== undefined,
      a,
      d,
      facetValues,
      groups,
    };
  }

  private checkBinary(role: string, column: string, values: ByteDictionary): void {
    const present = presentValues(values);
    if (present.length > 2) {
      throw new InputError(
        `${role} column "${column}" has ${present.length} distinct values (${listValues(present, MAX_LISTED_VALUES)}); ` +
          `bias metrics need a binary ${role.toLowerCase()}.`,
      );
    }
    if (present.length === 2 && values.count(SEEDED_ID) === 0) {
      throw new InputError(
        `${role} column "${column}" has the values ${present.join(' and ')}, neither of which is the positive value ` +
          `"${this.positive}"; name the positive value (--positive).`,
      );
    }
  }

  private tooManyValues(role: string, column: string | undefined, values: ByteDictionary): InputError {
    return new InputError(
      `${role} column "${column}" has more than ${MAX_TRACKED_VALUES} distinct values ` +
        `(${listValues(presentValues(values), MAX_LISTED_VALUES)}); bias metrics need a binary ${role.toLowerCase()}.`,
    );
  }
}

/** Id of field `field` in `dictionary`, counting one occurrence; keyed straight from the row buffer when possible. */
function intern(dictionary: ByteDictionary, row: CsvRow, field: number): number {
  if (!row.hasEscapes(field)) return dictionary.add(row.buffer, row.starts[field], row.ends[field]);
  const bytes = row.bytes(field);
  return dictionary.add(bytes, 0, bytes.length);
}

/** Values that occur, sorted so that messages do not depend on how parts were merged. */
function presentValues(values: ByteDictionary): string[] {
  const present: string[] = [];
  for (let id = 0; id < values.size; id++) if (values.count(id) > 0) present.push(values.key(id));
  return present.sort();
}

function outcomesAt(cells: Float64Array, offset: number): Outcomes {
  return { tn: cells[offset + TN], fp: cells[offset + FP], fn: cells[offset + FN], tp: cells[offset + TP] };
}

function addOutcomes(x: Outcomes, y: Outcomes): Outcomes {
  return { tn: x.tn + y.tn, fp: x.fp + y.fp, fn: x.fn + y.fn, tp: x.tp + y.tp };
}

function addCells(target: Float64Array, at: number, source: Float64Array, from: number, length: number): void {
  for (let i = 0; i < length; i++) target[at + i] += source[from + i];
}

function copyDictionary(dictionary: ByteDictionary): ByteDictionary {
  const copy = new ByteDictionary();
  copy.merge(dictionary);
  return copy;
}

/** `cells` copied into an array of at least `capacity` entries, so that growth continues as it would have. */
function withCapacity(cells: Float64Array, capacity: number): Float64Array<ArrayBuffer> {
  const copy = new Float64Array(Math.max(capacity, cells.length));
  copy.set(cells);
  return copy;
}

function grow(cells: Float64Array): Float64Array<ArrayBuffer> {
  const larger = new Float64Array(cells.length * 2);
  larger.set(cells);
  return larger;
}

function sameSpec(x: BiasSpec, y: BiasSpec): boolean {
  return (
    x.label === y.label &&
    x.facet === y.facet &&
    x.facetValue === y.facetValue &&
    x.prediction === y.prediction &&
    x.group === y.group &&
    (x.positive ?? '1') === (y.positive ?? '1')
  );
}

function listValues(values: readonly string[], limit: number): string {
  return values.length > limit ? `${values.slice(0, limit).join(', ')}, …` : values.join(', ');
}

function quote(text: string): string {
  return `"${text}"`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
