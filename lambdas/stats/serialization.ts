/**
 * Partial results as JSON, so that the children of a Step Functions Distributed Map can hand what they counted over a
 * byte range to the step that merges them: {@link DatasetValidator} and {@link BiasCounts} states, exactly.
 *
 * Exactly means every number comes back with the same bits: finite numbers are written as JSON numbers (JavaScript
 * prints the shortest text that reads back to the same double), while -0, ±Infinity and NaN, which JSON cannot
 * express, are the strings "-0", "Infinity", "-Infinity", "NaN". Typed arrays (sketch levels, HyperLogLog registers,
 * count cells) are base64 of their little-endian bytes, dictionaries base64 of their raw keys. A document carries the
 * contract or bias spec it was counted under; reading it under another one is refused, as is any malformed document.
 */
import * as z from 'zod';
import { InputError } from '../shared/errors';
import { ByteDictionary } from './byte-dictionary';
import { BiasCounts, type BiasCountsState, type BiasSpec } from './bias-counts';
import type { ColumnProfileState } from './column-profile';
import type { DataContract } from './contract';
import type { MomentsState } from './moments';
import type { DistinctValueCountsState, QuantileSketchState } from './quantile-sketch';
import { DatasetValidator, type ColumnCheckState, type DatasetValidatorState, type RuleCounterState } from './validate';

const VALIDATOR_FORMAT = 'warden.dataset-validator-state';
const BIAS_FORMAT = 'warden.bias-counts-state';
const VERSION = 1;

/** The JSON text of a validator's state, under the contract it validates. */
export function serializeValidator(validator: DatasetValidator): string {
  const state = validator.state();
  return JSON.stringify({
    format: VALIDATOR_FORMAT,
    version: VERSION,
    contract: validator.contract,
    salt: state.salt,
    header: state.header,
    rows: encodeNumber(state.rows),
    checks: state.checks.map(encodeCheck),
  });
}

/** A validator that continues from serialized state; `contract` must be the one the state was built under. */
export function deserializeValidator(
  text: string,
  contract: DataContract,
  source = 'The validator state',
): DatasetValidator {
  const document = parseDocument(ValidatorDocument, text, source);
  if (stableJson(document.contract) !== stableJson(contract)) {
    throw unusable(source, 'it was counted under a different data contract');
  }
  const state: DatasetValidatorState = {
    salt: document.salt,
    header: document.header,
    rows: document.rows,
    checks: document.checks.map((check) => decodeCheck(check, source)),
  };
  return restoring(source, () => DatasetValidator.fromState(contract, state));
}

/** The JSON text of bias counts' state, with the spec they were counted under. */
export function serializeBiasCounts(counts: BiasCounts): string {
  const state = counts.state();
  return JSON.stringify({
    format: BIAS_FORMAT,
    version: VERSION,
    spec: counts.spec,
    rows: encodeNumber(state.rows),
    skipped: encodeNumber(state.skipped),
    facets: encodeDictionary(state.facets),
    labels: encodeDictionary(state.labels),
    predictions: encodeDictionary(state.predictions),
    groups: encodeDictionary(state.groups),
    facetCells: encodeFloat64(state.facetCells),
    groupCells: encodeFloat64(state.groupCells),
    fields: state.fields,
  });
}

/** Bias counts that continue from serialized state; `spec` must be the one the state was counted under. */
export function deserializeBiasCounts(
  text: string,
  spec: BiasSpec,
  source = 'The bias counts state',
  csvSource?: string,
): BiasCounts {
  const document = parseDocument(BiasDocument, text, source);
  if (stableJson(normalizedSpec(document.spec)) !== stableJson(normalizedSpec(spec))) {
    throw unusable(source, 'it was counted under a different bias spec');
  }
  const state: BiasCountsState = {
    rows: document.rows,
    skipped: document.skipped,
    facets: decodeDictionary(document.facets, source),
    labels: decodeDictionary(document.labels, source),
    predictions: decodeDictionary(document.predictions, source),
    groups: decodeDictionary(document.groups, source),
    facetCells: decodeFloat64(document.facetCells, source),
    groupCells: decodeFloat64(document.groupCells, source),
    fields: document.fields,
  };
  return restoring(source, () => BiasCounts.fromState(spec, state, csvSource));
}

// Numbers -----------------------------------------------------------------------------------------------------------

const SPECIAL_NUMBERS = ['-0', 'Infinity', '-Infinity', 'NaN'] as const;

function encodeNumber(value: number): number | string {
  if (Object.is(value, -0)) return '-0';
  return Number.isFinite(value) ? value : String(value);
}

const Num = z
  .union([z.number(), z.enum(SPECIAL_NUMBERS)])
  .transform((value) => (typeof value === 'number' ? value : Number(value)));
const Count = Num.refine((value) => Number.isSafeInteger(value) && value >= 0, 'expected a count');

// Typed arrays and dictionaries -------------------------------------------------------------------------------------

const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64');

function encodeFloat64(values: Float64Array): string {
  const bytes = Buffer.alloc(values.length * 8);
  for (let i = 0; i < values.length; i++) bytes.writeDoubleLE(values[i], i * 8);
  return bytes.toString('base64');
}

function decodeFloat64(text: string, source: string): Float64Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 8 !== 0) throw unusable(source, 'a float64 array has a partial element');
  const values = new Float64Array(bytes.length / 8);
  for (let i = 0; i < values.length; i++) values[i] = bytes.readDoubleLE(i * 8);
  return values;
}

function encodeUint32(values: Uint32Array): string {
  const bytes = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) bytes.writeUInt32LE(values[i], i * 4);
  return bytes.toString('base64');
}

function decodeUint32(text: string, source: string): Uint32Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 4 !== 0) throw unusable(source, 'a uint32 array has a partial element');
  const values = new Uint32Array(bytes.length / 4);
  for (let i = 0; i < values.length; i++) values[i] = bytes.readUInt32LE(i * 4);
  return values;
}

function encodeBytes(values: Uint8Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

function decodeBytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

const Dictionary = z.strictObject({ keys: Base64, lengths: z.array(Count), counts: z.array(Count) });
type DictionaryJson = z.infer<typeof Dictionary>;

/** Keys concatenated and split by length: first-seen order is kept, since ids (and count cells) depend on it. */
function encodeDictionary(dictionary: ByteDictionary): {
  keys: string;
  lengths: number[];
  counts: (number | string)[];
} {
  const keys: Buffer[] = [];
  const counts: (number | string)[] = [];
  for (let id = 0; id < dictionary.size; id++) {
    keys.push(dictionary.keyBytes(id));
    counts.push(encodeNumber(dictionary.count(id)));
  }
  return { keys: Buffer.concat(keys).toString('base64'), lengths: keys.map((key) => key.length), counts };
}

function decodeDictionary(json: DictionaryJson, source: string): ByteDictionary {
  const bytes = Buffer.from(json.keys, 'base64');
  if (json.lengths.length !== json.counts.length) throw unusable(source, 'a dictionary has as many counts as keys');
  const dictionary = new ByteDictionary();
  let offset = 0;
  json.lengths.forEach((length, id) => {
    if (offset + length > bytes.length) throw unusable(source, 'a dictionary key runs past its bytes');
    dictionary.add(bytes, offset, offset + length, json.counts[id]);
    offset += length;
    if (dictionary.size !== id + 1) throw unusable(source, 'a dictionary holds the same key twice');
  });
  if (offset !== bytes.length) throw unusable(source, 'a dictionary has bytes after its last key');
  return dictionary;
}

// Validator state ---------------------------------------------------------------------------------------------------

const RuleCounterJson = z.strictObject({ count: Count, exampleRow: Count, exampleValue: z.string().optional() });

const MomentsJson = z.strictObject({
  count: Count,
  min: Num,
  max: Num,
  sum: z.array(Num),
  shift: Num,
  scale: Num,
  scaledMean: Num,
  scaledM2: Num,
});

const SketchJson = z.strictObject({
  k: Count,
  count: Count,
  random: Count,
  compacted: z.boolean(),
  level0: Base64,
  levels: z.array(Base64),
  exact: z.strictObject({ slots: Base64, values: Base64, counts: Base64 }).optional(),
});

const ProfileJson = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('numeric'), missing: Count, moments: MomentsJson, sketch: SketchJson }),
  z.strictObject({
    kind: z.literal('categorical'),
    count: Count,
    missing: Count,
    categories: Dictionary,
    overflow: Base64.optional(),
  }),
  z.strictObject({ kind: z.literal('boolean'), missing: Count, trueCount: Count, falseCount: Count }),
  z.strictObject({
    kind: z.literal('string'),
    count: Count,
    missing: Count,
    minLength: Num,
    maxLength: Num,
    distinct: Base64,
  }),
  z.strictObject({ kind: z.literal('timestamp'), count: Count, missing: Count, minMs: Num, maxMs: Num }),
]);

const CheckJson = z.strictObject({
  typeErrors: RuleCounterJson,
  nulls: RuleCounterJson,
  belowMin: RuleCounterJson,
  aboveMax: RuleCounterJson,
  notAllowed: RuleCounterJson,
  profile: ProfileJson,
});

const ValidatorDocument = z.strictObject({
  format: z.literal(VALIDATOR_FORMAT),
  version: z.literal(VERSION),
  contract: z.unknown(),
  salt: z.string(),
  header: z.array(z.string()),
  rows: Count,
  checks: z.array(CheckJson),
});

function encodeRule(state: RuleCounterState): object {
  return { ...state, count: encodeNumber(state.count), exampleRow: encodeNumber(state.exampleRow) };
}

function encodeMoments(state: MomentsState): object {
  return {
    count: encodeNumber(state.count),
    min: encodeNumber(state.min),
    max: encodeNumber(state.max),
    sum: state.sum.map(encodeNumber),
    shift: encodeNumber(state.shift),
    scale: encodeNumber(state.scale),
    scaledMean: encodeNumber(state.scaledMean),
    scaledM2: encodeNumber(state.scaledM2),
  };
}

function encodeSketch(state: QuantileSketchState): object {
  return {
    k: state.k,
    count: encodeNumber(state.count),
    random: state.random,
    compacted: state.compacted,
    level0: encodeFloat64(state.level0),
    levels: state.levels.map(encodeFloat64),
    ...(state.exact === undefined
      ? {}
      : {
          exact: {
            slots: encodeUint32(state.exact.slots),
            values: encodeFloat64(state.exact.values),
            counts: encodeFloat64(state.exact.counts),
          },
        }),
  };
}

function encodeProfile(state: ColumnProfileState): object {
  switch (state.kind) {
    case 'numeric':
      return {
        kind: state.kind,
        missing: encodeNumber(state.missing),
        moments: encodeMoments(state.moments),
        sketch: encodeSketch(state.sketch),
      };
    case 'categorical':
      return {
        kind: state.kind,
        count: encodeNumber(state.count),
        missing: encodeNumber(state.missing),
        categories: encodeDictionary(state.categories),
        ...(state.overflow === undefined ? {} : { overflow: encodeBytes(state.overflow) }),
      };
    case 'boolean':
      return {
        kind: state.kind,
        missing: encodeNumber(state.missing),
        trueCount: encodeNumber(state.trueCount),
        falseCount: encodeNumber(state.falseCount),
      };
    case 'string':
      return {
        kind: state.kind,
        count: encodeNumber(state.count),
        missing: encodeNumber(state.missing),
        minLength: encodeNumber(state.minLength),
        maxLength: encodeNumber(state.maxLength),
        distinct: encodeBytes(state.distinct),
      };
    case 'timestamp':
      return {
        kind: state.kind,
        count: encodeNumber(state.count),
        missing: encodeNumber(state.missing),
        minMs: encodeNumber(state.minMs),
        maxMs: encodeNumber(state.maxMs),
      };
  }
}

function encodeCheck(state: ColumnCheckState): object {
  return {
    typeErrors: encodeRule(state.typeErrors),
    nulls: encodeRule(state.nulls),
    belowMin: encodeRule(state.belowMin),
    aboveMax: encodeRule(state.aboveMax),
    notAllowed: encodeRule(state.notAllowed),
    profile: encodeProfile(state.profile),
  };
}

function decodeSketch(json: z.infer<typeof SketchJson>, source: string): QuantileSketchState {
  let exact: DistinctValueCountsState | undefined;
  if (json.exact !== undefined) {
    exact = {
      slots: decodeUint32(json.exact.slots, source),
      values: decodeFloat64(json.exact.values, source),
      counts: decodeFloat64(json.exact.counts, source),
    };
  }
  return {
    k: json.k,
    count: json.count,
    random: json.random,
    compacted: json.compacted,
    level0: decodeFloat64(json.level0, source),
    levels: json.levels.map((level) => decodeFloat64(level, source)),
    ...(exact === undefined ? {} : { exact }),
  };
}

function decodeProfile(json: z.infer<typeof ProfileJson>, source: string): ColumnProfileState {
  switch (json.kind) {
    case 'numeric': {
      return {
        kind: json.kind,
        missing: json.missing,
        moments: json.moments,
        sketch: decodeSketch(json.sketch, source),
      };
    }
    case 'categorical':
      return {
        kind: json.kind,
        count: json.count,
        missing: json.missing,
        categories: decodeDictionary(json.categories, source),
        ...(json.overflow === undefined ? {} : { overflow: decodeBytes(json.overflow) }),
      };
    case 'string':
      return { ...json, distinct: decodeBytes(json.distinct) };
    case 'boolean':
    case 'timestamp':
      return json;
  }
}

function decodeCheck(json: z.infer<typeof CheckJson>, source: string): ColumnCheckState {
  return { ...json, profile: decodeProfile(json.profile, source) };
}

// Bias counts state -------------------------------------------------------------------------------------------------

const FieldIndex = z.number().int().min(-1);

const BiasDocument = z.strictObject({
  format: z.literal(BIAS_FORMAT),
  version: z.literal(VERSION),
  spec: z.strictObject({
    label: z.string(),
    facet: z.string(),
    facetValue: z.string(),
    prediction: z.string().optional(),
    group: z.string().optional(),
    positive: z.string().optional(),
  }),
  rows: Count,
  skipped: Count,
  facets: Dictionary,
  labels: Dictionary,
  predictions: Dictionary,
  groups: Dictionary,
  facetCells: Base64,
  groupCells: Base64,
  fields: z.strictObject({ label: FieldIndex, facet: FieldIndex, prediction: FieldIndex, group: FieldIndex }),
});

/** The spec with its defaults applied, so that `positive: '1'` and an absent `positive` compare equal. */
function normalizedSpec(spec: BiasSpec): BiasSpec {
  return { ...spec, positive: spec.positive ?? '1' };
}

// Shared ------------------------------------------------------------------------------------------------------------

function parseDocument<T>(schema: z.ZodType<T>, text: string, source: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw unusable(source, `it is not JSON (${(error as Error).message})`);
  }
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw unusable(source, `${issue.path.join('.') || 'top level'}: ${issue.message}`);
}

/** Restoring checks consistency (slot ranges, lengths, kinds); a failure there is a corrupt document too. */
function restoring<T>(source: string, restore: () => T): T {
  try {
    return restore();
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw unusable(source, (error as Error).message.replace(/\.$/, ''));
  }
}

function unusable(source: string, reason: string): InputError {
  return new InputError(`${source} is unusable: ${reason}.`);
}

/** JSON with object keys sorted, so that documents that differ only in key order compare equal. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}
