/**
 * Checks a CSV stream against a data contract and profiles its columns in the same single pass
 * (`warden validate`, the `validate-data` handler). Rules and report shape: CONTRACTS.md.
 */
import { randomBytes } from 'node:crypto';
import { InputError } from '../shared/errors';
import {
  BooleanProfile,
  CategoricalProfile,
  type ColumnProfile,
  type ColumnProfileJson,
  type ColumnProfileState,
  NumericProfile,
  StringProfile,
  TimestampProfile,
  restoreColumnProfile,
} from './column-profile';
import type { ColumnContract, DataContract } from './contract';
import { ByteDictionary } from './byte-dictionary';
import type { CsvHandler, CsvRow } from './csv';

export type ViolationRule =
  'missing-column' | 'extra-column' | 'type' | 'null' | 'min' | 'max' | 'allowed' | 'missing-fraction' | 'min-rows';

export interface Violation {
  readonly rule: ViolationRule;
  /** Absent for table-level rules (`min-rows`). */
  readonly column?: string;
  /** Offending rows (for `min-rows`, the rows present; for column-presence rules, every row). */
  readonly count: number;
  /** The first offending row (1-based, header excluded); `value` is left out for PII columns. */
  readonly example?: { readonly row: number; readonly value?: string };
  /** The contract's limit that was crossed, where the rule has one. */
  readonly limit?: number;
  /** For `missing-fraction`: the observed fraction. */
  readonly observed?: number;
}

export interface ValidationReport {
  readonly rows: number;
  readonly passed: boolean;
  readonly columns: Record<string, ColumnProfileJson>;
  readonly violations: Violation[];
}

const EXAMPLE_MAX_CHARS = 200;

/** One rule's count for one column and its first example. */
export interface RuleCounterState {
  readonly count: number;
  readonly exampleRow: number;
  readonly exampleValue?: string;
}

/** The rule counters and profile of one contract column present in the file. */
export interface ColumnCheckState {
  readonly typeErrors: RuleCounterState;
  readonly nulls: RuleCounterState;
  readonly belowMin: RuleCounterState;
  readonly aboveMax: RuleCounterState;
  readonly notAllowed: RuleCounterState;
  readonly profile: ColumnProfileState;
}

/**
 * Everything a validator has accumulated, so that the validator of one part of a file can be stored and merged with
 * the others elsewhere (the Distributed Map of `validate-data`). The contract is not part of it: whoever restores a
 * state supplies the contract, and a state whose checks do not fit that contract is refused.
 */
export interface DatasetValidatorState {
  readonly salt: string;
  readonly header: readonly string[];
  readonly rows: number;
  /** One per contract column present in the header, in contract order. */
  readonly checks: readonly ColumnCheckState[];
}

/** Counts one rule's offending rows for one column and keeps the first example. */
class RuleCounter {
  count = 0;
  exampleRow = 0;
  exampleValue: string | undefined;

  hit(row: CsvRow, field: number, keepValue: boolean): void {
    if (this.count++ === 0) {
      this.exampleRow = row.number;
      this.exampleValue = keepValue ? truncate(row.text(field)) : undefined;
    }
  }

  merge(other: RuleCounter): void {
    if (this.count === 0) {
      this.exampleRow = other.exampleRow;
      this.exampleValue = other.exampleValue;
    }
    this.count += other.count;
  }

  state(): RuleCounterState {
    const { count, exampleRow, exampleValue } = this;
    return exampleValue === undefined ? { count, exampleRow } : { count, exampleRow, exampleValue };
  }

  restore(state: RuleCounterState): void {
    this.count = state.count;
    this.exampleRow = state.exampleRow;
    this.exampleValue = state.exampleValue;
  }

  toViolation(rule: ViolationRule, column: string, limit?: number): Violation {
    const example =
      this.exampleValue === undefined ? { row: this.exampleRow } : { row: this.exampleRow, value: this.exampleValue };
    return { rule, column, count: this.count, example, ...(limit === undefined ? {} : { limit }) };
  }
}

/** State of one contract column that exists in the file. */
abstract class ColumnCheck {
  readonly typeErrors = new RuleCounter();
  readonly nulls = new RuleCounter();
  readonly belowMin = new RuleCounter();
  readonly aboveMax = new RuleCounter();
  readonly notAllowed = new RuleCounter();
  protected readonly keepValues: boolean;
  private readonly nullable: boolean;

  constructor(
    readonly contract: ColumnContract,
    readonly field: number,
  ) {
    this.keepValues = contract.pii !== true;
    this.nullable = contract.nullable !== false;
  }

  abstract get profile(): ColumnProfile;

  accept(row: CsvRow): void {
    const field = this.field;
    if (row.isEmpty(field)) {
      this.profile.missing++;
      if (!this.nullable) this.nulls.hit(row, field, this.keepValues);
      return;
    }
    this.acceptValue(row, field);
  }

  protected abstract acceptValue(row: CsvRow, field: number): void;

  mergeRules(other: ColumnCheck): void {
    this.typeErrors.merge(other.typeErrors);
    this.nulls.merge(other.nulls);
    this.belowMin.merge(other.belowMin);
    this.aboveMax.merge(other.aboveMax);
    this.notAllowed.merge(other.notAllowed);
  }

  abstract merge(other: ColumnCheck): void;

  state(): ColumnCheckState {
    return {
      typeErrors: this.typeErrors.state(),
      nulls: this.nulls.state(),
      belowMin: this.belowMin.state(),
      aboveMax: this.aboveMax.state(),
      notAllowed: this.notAllowed.state(),
      profile: this.profile.state(),
    };
  }

  restore(state: ColumnCheckState): void {
    this.typeErrors.restore(state.typeErrors);
    this.nulls.restore(state.nulls);
    this.belowMin.restore(state.belowMin);
    this.aboveMax.restore(state.aboveMax);
    this.notAllowed.restore(state.notAllowed);
    restoreColumnProfile(this.profile, state.profile);
  }

  violations(rows: number): Violation[] {
    const { name } = this.contract;
    const found: Violation[] = [];
    if (this.typeErrors.count > 0) found.push(this.typeErrors.toViolation('type', name));
    if (this.nulls.count > 0) found.push(this.nulls.toViolation('null', name));
    if (this.belowMin.count > 0) found.push(this.belowMin.toViolation('min', name, limitOf(this.contract, 'min')));
    if (this.aboveMax.count > 0) found.push(this.aboveMax.toViolation('max', name, limitOf(this.contract, 'max')));
    if (this.notAllowed.count > 0) found.push(this.notAllowed.toViolation('allowed', name));
    const limit = this.contract.maxMissingFraction;
    const missing = this.profile.missing;
    if (limit !== undefined && rows > 0 && missing / rows > limit) {
      found.push({ rule: 'missing-fraction', column: name, count: missing, limit, observed: missing / rows });
    }
    return found;
  }
}

class NumericCheck extends ColumnCheck {
  readonly profile: NumericProfile;
  private readonly min: number;
  private readonly max: number;
  private readonly integer: boolean;

  constructor(contract: ColumnContract & { type: 'integer' | 'number' }, field: number) {
    super(contract, field);
    this.profile = new NumericProfile(contract.type, contract.pii === true);
    this.min = contract.min ?? -Infinity;
    this.max = contract.max ?? Infinity;
    this.integer = contract.type === 'integer';
  }

  protected acceptValue(row: CsvRow, field: number): void {
    const value = this.integer ? row.integer(field) : row.decimal(field);
    if (Number.isNaN(value)) {
      this.typeErrors.hit(row, field, this.keepValues);
      return;
    }
    this.profile.add(value);
    if (value < this.min) this.belowMin.hit(row, field, this.keepValues);
    else if (value > this.max) this.aboveMax.hit(row, field, this.keepValues);
  }

  merge(other: NumericCheck): void {
    this.mergeRules(other);
    this.profile.merge(other.profile);
  }
}

class CategoricalCheck extends ColumnCheck {
  readonly profile: CategoricalProfile;
  private readonly allowed: ByteDictionary | undefined;

  constructor(contract: ColumnContract & { type: 'categorical' }, field: number) {
    super(contract, field);
    this.profile = new CategoricalProfile(contract.pii === true);
    if (contract.allowed !== undefined) {
      const allowed = new ByteDictionary();
      for (const value of contract.allowed) allowed.addText(value);
      this.allowed = allowed;
    }
  }

  protected acceptValue(row: CsvRow, field: number): void {
    const [bytes, start, end] = valueBytes(row, field);
    this.profile.add(bytes, start, end);
    if (this.allowed !== undefined && this.allowed.find(bytes, start, end) < 0) {
      this.notAllowed.hit(row, field, this.keepValues);
    }
  }

  merge(other: CategoricalCheck): void {
    this.mergeRules(other);
    this.profile.merge(other.profile);
  }
}

/** `true`/`false` in any letter case, `1`, `0`. */
function parseBoolean(bytes: Uint8Array, start: number, end: number): boolean | undefined {
  const length = end - start;
  if (length === 1) return bytes[start] === 0x31 ? true : bytes[start] === 0x30 ? false : undefined;
  if (length === 4 && matchesLowercase(bytes, start, 'true')) return true;
  if (length === 5 && matchesLowercase(bytes, start, 'false')) return false;
  return undefined;
}

function matchesLowercase(bytes: Uint8Array, start: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) if ((bytes[start + i] | 0x20) !== word.charCodeAt(i)) return false;
  return true;
}

/** The bytes of a field's value without allocating, unless escaped quotes force a decoded copy. */
function valueBytes(row: CsvRow, field: number): [Uint8Array, number, number] {
  if (!row.hasEscapes(field)) return [row.buffer, row.starts[field], row.ends[field]];
  const bytes = row.bytes(field);
  return [bytes, 0, bytes.length];
}

class BooleanCheck extends ColumnCheck {
  readonly profile = new BooleanProfile();

  protected acceptValue(row: CsvRow, field: number): void {
    const value = row.hasEscapes(field) ? undefined : parseBoolean(row.buffer, row.starts[field], row.ends[field]);
    if (value === undefined) this.typeErrors.hit(row, field, this.keepValues);
    else this.profile.add(value);
  }

  merge(other: BooleanCheck): void {
    this.mergeRules(other);
    this.profile.merge(other.profile);
  }
}

class StringCheck extends ColumnCheck {
  readonly profile: StringProfile;

  constructor(contract: ColumnContract, field: number, salt: string) {
    super(contract, field);
    this.profile = new StringProfile(contract.pii === true, contract.pii === true ? salt : '');
  }

  protected acceptValue(row: CsvRow, field: number): void {
    const [bytes, start, end] = valueBytes(row, field);
    this.profile.add(bytes, start, end);
  }

  merge(other: StringCheck): void {
    this.mergeRules(other);
    this.profile.merge(other.profile);
  }
}

/** ISO 8601 date or date-time; calendar validity is checked by round-tripping the date part. */
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

export function parseTimestamp(text: string): number {
  const match = ISO_8601.exec(text);
  if (match === null) return NaN;
  const [, year, month, day, hour = '0', minute = '0', second = '0'] = match;
  const calendar = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (calendar.getUTCMonth() !== Number(month) - 1 || calendar.getUTCDate() !== Number(day)) return NaN;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return NaN;
  const normalized = (text.length === 10 ? `${text}T00:00` : text.replace(' ', 'T')).replace(
    /([+-]\d{2})(\d{2})$/,
    '$1:$2',
  );
  return Date.parse(/(Z|[+-]\d{2}:\d{2})$/.test(normalized) ? normalized : `${normalized}Z`);
}

class TimestampCheck extends ColumnCheck {
  readonly profile = new TimestampProfile(this.contract.pii === true);

  protected acceptValue(row: CsvRow, field: number): void {
    const value = parseTimestamp(row.text(field));
    if (Number.isNaN(value)) this.typeErrors.hit(row, field, this.keepValues);
    else this.profile.add(value);
  }

  merge(other: TimestampCheck): void {
    this.mergeRules(other);
    this.profile.merge(other.profile);
  }
}

function createCheck(contract: ColumnContract, field: number, salt: string): ColumnCheck {
  switch (contract.type) {
    case 'integer':
    case 'number':
      return new NumericCheck(contract, field);
    case 'categorical':
      return new CategoricalCheck(contract, field);
    case 'boolean':
      return new BooleanCheck(contract, field);
    case 'string':
      return new StringCheck(contract, field, salt);
    case 'timestamp':
      return new TimestampCheck(contract, field);
  }
}

export interface DatasetValidatorOptions {
  /** Salt for the distinct count of PII string columns; parts of one file that are merged must share it. */
  readonly piiSalt?: string;
}

/** A {@link CsvHandler} that validates and profiles; read the outcome with {@link report}. */
export class DatasetValidator implements CsvHandler {
  private checks: ColumnCheck[] = [];
  private columnNames: readonly string[] = [];
  private dataRows = 0;
  private readonly salt: string;

  constructor(
    readonly contract: DataContract,
    options: DatasetValidatorOptions = {},
  ) {
    this.salt = options.piiSalt ?? randomSalt();
  }

  header(names: readonly string[]): void {
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name)) throw new InputError(`The header names column "${name}" twice; column names must be unique.`);
      seen.add(name);
    }
    this.columnNames = names;
    this.checks = this.contract.columns
      .filter((column) => seen.has(column.name))
      .map((column) => createCheck(column, names.indexOf(column.name), this.salt));
  }

  row(row: CsvRow): void {
    this.dataRows++;
    const checks = this.checks;
    for (let i = 0; i < checks.length; i++) checks[i].accept(row);
  }

  /** Folds in the validator of the next part of the same file (same contract, same header, same salt). */
  merge(other: DatasetValidator): void {
    this.dataRows += other.dataRows;
    this.checks.forEach((check, i) => check.merge(other.checks[i] as never));
  }

  state(): DatasetValidatorState {
    return {
      salt: this.salt,
      header: [...this.columnNames],
      rows: this.dataRows,
      checks: this.checks.map((check) => check.state()),
    };
  }

  /** A validator that continues from `state` under `contract` (the contract the state was built with). */
  static fromState(contract: DataContract, state: DatasetValidatorState): DatasetValidator {
    const validator = new DatasetValidator(contract, { piiSalt: state.salt });
    validator.header(state.header);
    if (validator.checks.length !== state.checks.length) {
      throw new Error(
        `A validator state with ${state.checks.length} column checks does not fit a contract that checks ${validator.checks.length} of its columns.`,
      );
    }
    validator.dataRows = state.rows;
    validator.checks.forEach((check, i) => check.restore(state.checks[i]));
    return validator;
  }

  report(): ValidationReport {
    const rows = this.dataRows;
    const violations: Violation[] = [];
    const present = new Set(this.columnNames);
    for (const column of this.contract.columns) {
      if (!present.has(column.name)) violations.push({ rule: 'missing-column', column: column.name, count: rows });
    }
    if (this.contract.allowExtraColumns === false) {
      const expected = new Set(this.contract.columns.map((column) => column.name));
      for (const name of this.columnNames) {
        if (!expected.has(name)) violations.push({ rule: 'extra-column', column: name, count: rows });
      }
    }
    const columns: Record<string, ColumnProfileJson> = {};
    for (const check of this.checks) {
      columns[check.contract.name] = check.profile.toJSON();
      violations.push(...check.violations(rows));
    }
    const minRows = this.contract.minRows;
    if (minRows !== undefined && rows < minRows) violations.push({ rule: 'min-rows', count: rows, limit: minRows });
    return { rows, passed: violations.length === 0, columns, violations };
  }
}

function limitOf(contract: ColumnContract, key: 'min' | 'max'): number | undefined {
  return contract.type === 'integer' || contract.type === 'number' ? contract[key] : undefined;
}

function truncate(text: string): string {
  return text.length <= EXAMPLE_MAX_CHARS ? text : `${text.slice(0, EXAMPLE_MAX_CHARS)}…`;
}

function randomSalt(): string {
  return randomBytes(16).toString('hex');
}
