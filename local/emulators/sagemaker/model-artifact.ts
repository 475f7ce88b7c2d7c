/**
 * The model the local trainer learns and the local inference container serves: multinomial logistic regression
 * (softmax; two classes reduce to ordinary logistic regression) with L2 regularization, fitted by mini-batch gradient
 * descent in a seeded order, so the same data and hyperparameters always give the same weights.
 *
 * Features are encoded as a tabular built-in algorithm would: numeric columns standardized with the training mean and
 * standard deviation (a missing value is imputed with the mean, i.e. 0 after scaling), categorical columns one-hot
 * over their most frequent training levels (a missing or unseen level is all zeros). The label and excluded columns
 * (PII) are never features.
 *
 * The artifact is `model.json` inside `model.tar.gz`, as SageMaker packs the model directory.
 */
import * as z from 'zod';
import { packTarGz, unpackTarGz } from './tar';
import { seededRandom } from '../../runtime/random';

/** File name of the model inside the model directory and `model.tar.gz`. */
export const MODEL_FILE = 'model.json';
export const MODEL_FORMAT = 'warden-logistic-regression/1';

export interface Prediction {
  /** Probability of the positive class (two classes), of the predicted class otherwise. */
  readonly score: number;
  readonly label: string;
}

export interface Predictor {
  /** Input columns the model reads, in the order a header-less request carries them. */
  readonly features: readonly string[];
  predict(record: Readonly<Record<string, string>>): Prediction;
}

/** A predictor of the local learner, which also knows the layout of the files it was trained on. */
export interface TrainedPredictor extends Predictor {
  /** The training files' columns in order, the label included. */
  readonly columns: readonly string[];
  readonly label: string;
  readonly classes: readonly string[];
  readonly model: LogisticModel;
}

const NumericEncoding = z.object({
  name: z.string(),
  kind: z.literal('numeric'),
  mean: z.number(),
  scale: z.number().positive(),
});
const CategoricalEncoding = z.object({ name: z.string(), kind: z.literal('categorical'), levels: z.array(z.string()) });
const FeatureEncoding = z.discriminatedUnion('kind', [NumericEncoding, CategoricalEncoding]);
export type FeatureEncoding = z.infer<typeof FeatureEncoding>;

const LogisticModel = z.object({
  format: z.literal(MODEL_FORMAT),
  label: z.string(),
  columns: z.array(z.string()),
  features: z.array(FeatureEncoding).min(1),
  classes: z.array(z.string()).min(2),
  /** The class whose probability a two-class model reports as its score. */
  positive: z.string(),
  /** One row per class over the encoded features. */
  weights: z.array(z.array(z.number())),
  intercepts: z.array(z.number()),
  training: z.object({
    rows: z.number().int(),
    epochs: z.number().int(),
    loss: z.number(),
    accuracy: z.number(),
  }),
});
export type LogisticModel = z.infer<typeof LogisticModel>;

/** Rows of a training file as text, by column. */
export interface TrainingTable {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export interface LearnerOptions {
  readonly label: string;
  /** Columns that are never features (PII, identifiers). */
  readonly exclude?: readonly string[];
  /** Columns one-hot encoded even when every value is a number. @default inferred: numeric when all values are */
  readonly categorical?: readonly string[];
  readonly epochs?: number;
  readonly learningRate?: number;
  readonly l2?: number;
  readonly batchSize?: number;
  readonly seed?: number;
  /** The positive class of a two-class label. @default the larger of the two in sort order ("1" of "0"/"1") */
  readonly positive?: string;
  /** Most one-hot levels kept per categorical column (the most frequent ones). */
  readonly maxLevels?: number;
}

export const LEARNER_DEFAULTS = {
  epochs: 30,
  learningRate: 0.1,
  l2: 0.001,
  batchSize: 32,
  seed: 1,
  maxLevels: 50,
} as const;

/** Weights after a number of epochs: what a checkpoint holds and a resumed fit starts from. */
export interface LearnerState {
  readonly epoch: number;
  readonly weights: readonly (readonly number[])[];
  readonly intercepts: readonly number[];
}

export interface FitHooks {
  /** Where to continue from (a checkpoint of the same data and encoding). */
  readonly resume?: LearnerState;
  /** Called after every epoch, e.g. to write a checkpoint. */
  readonly onEpoch?: (state: LearnerState, loss: number) => void;
}

/** Fits the model on `table`; throws an `Error` whose message is the failure reason when the data cannot be learnt. */
export function fitLogisticModel(table: TrainingTable, options: LearnerOptions, hooks: FitHooks = {}): LogisticModel {
  const settings = { ...LEARNER_DEFAULTS, ...definedOnly(options) };
  const labelIndex = table.columns.indexOf(options.label);
  if (labelIndex < 0) throw new Error(`The label column "${options.label}" is not among ${table.columns.join(', ')}.`);
  const excluded = new Set([options.label, ...(options.exclude ?? [])]);
  const featureColumns = table.columns.map((name, index) => ({ name, index })).filter((c) => !excluded.has(c.name));
  if (featureColumns.length === 0) throw new Error('There are no feature columns left to train on.');
  const rows = table.rows.filter((row) => (row[labelIndex] ?? '').trim() !== '');
  if (rows.length === 0) throw new Error('There are no rows with a label to train on.');
  const classes = [...new Set(rows.map((row) => row[labelIndex].trim()))].sort(compareLabels);
  if (classes.length < 2) throw new Error(`The label "${options.label}" has a single class (${classes[0]}).`);
  const positive = options.positive ?? classes[classes.length - 1];
  if (!classes.includes(positive)) throw new Error(`The positive class "${positive}" does not occur in the label.`);

  const categorical = new Set(options.categorical ?? []);
  const features = featureColumns.map(({ name, index }) =>
    fitEncoding(
      name,
      rows.map((row) => row[index] ?? ''),
      categorical.has(name),
      settings.maxLevels,
    ),
  );
  const encoder = new Encoder(features);
  const width = encoder.width;
  const x = new Float64Array(rows.length * width);
  const y = new Int32Array(rows.length);
  const classIndex = new Map(classes.map((name, index) => [name, index]));
  rows.forEach((row, r) => {
    const record: Record<string, string> = {};
    for (const { name, index } of featureColumns) record[name] = row[index] ?? '';
    encoder.encode(record, x, r * width);
    y[r] = classIndex.get(row[labelIndex].trim()) as number;
  });

  const k = classes.length;
  const resume = hooks.resume;
  if (resume !== undefined && (resume.weights.length !== k || resume.weights.some((w) => w.length !== width))) {
    throw new Error('The checkpoint does not match the data: its weights have a different shape.');
  }
  const weights = resume?.weights.map((w) => Float64Array.from(w)) ?? classes.map(() => new Float64Array(width));
  const intercepts = Float64Array.from(resume?.intercepts ?? classes.map(() => 0));
  const order = new Int32Array(rows.length);
  const probabilities = new Float64Array(k);
  const weightGradient = classes.map(() => new Float64Array(width));
  const interceptGradient = new Float64Array(k);
  let loss = meanLoss(x, y, weights, intercepts, settings.l2, probabilities);
  for (let epoch = resume?.epoch ?? 0; epoch < settings.epochs; epoch++) {
    for (let i = 0; i < order.length; i++) order[i] = i;
    shuffle(order, random(settings.seed, epoch));
    for (let start = 0; start < order.length; start += settings.batchSize) {
      const end = Math.min(start + settings.batchSize, order.length);
      for (const gradient of weightGradient) gradient.fill(0);
      interceptGradient.fill(0);
      for (let i = start; i < end; i++) {
        const r = order[i];
        softmax(x, r * width, width, weights, intercepts, probabilities);
        for (let c = 0; c < k; c++) {
          // Cross-entropy gradient of the softmax: predicted probability minus the one-hot target.
          const error = probabilities[c] - (y[r] === c ? 1 : 0);
          interceptGradient[c] += error;
          const gradient = weightGradient[c];
          for (let j = 0; j < width; j++) gradient[j] += error * x[r * width + j];
        }
      }
      const step = settings.learningRate / (end - start);
      for (let c = 0; c < k; c++) {
        const w = weights[c];
        const gradient = weightGradient[c];
        for (let j = 0; j < width; j++) w[j] -= step * gradient[j] + settings.learningRate * settings.l2 * w[j];
        intercepts[c] -= step * interceptGradient[c];
      }
    }
    loss = meanLoss(x, y, weights, intercepts, settings.l2, probabilities);
    if (!Number.isFinite(loss)) throw new Error(`Training diverged at epoch ${epoch + 1}; lower the learning rate.`);
    hooks.onEpoch?.({ epoch: epoch + 1, weights: weights.map((w) => [...w]), intercepts: [...intercepts] }, loss);
  }

  let correct = 0;
  for (let r = 0; r < rows.length; r++) {
    softmax(x, r * width, width, weights, intercepts, probabilities);
    if (argmax(probabilities) === y[r]) correct++;
  }
  return {
    format: MODEL_FORMAT,
    label: options.label,
    columns: [...table.columns],
    features,
    classes,
    positive,
    weights: weights.map((w) => [...w]),
    intercepts: [...intercepts],
    training: { rows: rows.length, epochs: settings.epochs, loss, accuracy: correct / rows.length },
  };
}

/** A predictor for a fitted model. */
export function predictorFor(model: LogisticModel): TrainedPredictor {
  const encoder = new Encoder(model.features);
  const width = encoder.width;
  if (model.weights.length !== model.classes.length || model.weights.some((w) => w.length !== width)) {
    throw new Error('The model weights do not match its feature encoding.');
  }
  const weights = model.weights.map((w) => Float64Array.from(w));
  const intercepts = Float64Array.from(model.intercepts);
  const positive = model.classes.indexOf(model.positive);
  const x = new Float64Array(width);
  const probabilities = new Float64Array(model.classes.length);
  return {
    features: model.features.map((feature) => feature.name),
    columns: model.columns,
    label: model.label,
    classes: model.classes,
    model,
    predict(record) {
      encoder.encode(record, x, 0);
      softmax(x, 0, width, weights, intercepts, probabilities);
      const best = argmax(probabilities);
      const score = model.classes.length === 2 ? probabilities[positive] : probabilities[best];
      return { score, label: model.classes[best] };
    },
  };
}

/** Checks a parsed `model.json` against the format; throws with what is wrong. */
export function parseModel(document: unknown): LogisticModel {
  const parsed = LogisticModel.safeParse(document);
  if (!parsed.success) throw new Error(`Not a ${MODEL_FORMAT} model: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** The `model.tar.gz` of a model directory holding only `model.json`. */
export function packModel(model: LogisticModel): Buffer {
  return packTarGz([{ path: MODEL_FILE, body: Buffer.from(JSON.stringify(model)) }]);
}

/** Reads a `model.tar.gz` produced by the local trainer. */
export function loadPredictor(modelTarGz: Uint8Array): TrainedPredictor {
  const entry = unpackTarGz(modelTarGz).find((file) => file.path === MODEL_FILE);
  if (entry === undefined) throw new Error(`The model archive has no ${MODEL_FILE}.`);
  return predictorFor(parseModel(JSON.parse(Buffer.from(entry.body).toString('utf8'))));
}

/** Numeric labels in numeric order ("2" before "10"), others as text. */
function compareLabels(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (Number.isFinite(x) && Number.isFinite(y) && x !== y) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

function fitEncoding(name: string, values: readonly string[], categorical: boolean, maxLevels: number) {
  const present = values.map((value) => value.trim()).filter((value) => value !== '');
  const numbers = present.map(Number);
  if (!categorical && numbers.every(Number.isFinite)) {
    const mean = numbers.length === 0 ? 0 : numbers.reduce((sum, value) => sum + value, 0) / numbers.length;
    const variance =
      numbers.length === 0 ? 0 : numbers.reduce((sum, value) => sum + (value - mean) ** 2, 0) / numbers.length;
    const scale = Math.sqrt(variance);
    return { name, kind: 'numeric' as const, mean, scale: scale > 0 ? scale : 1 };
  }
  const counts = new Map<string, number>();
  for (const value of present) counts.set(value, (counts.get(value) ?? 0) + 1);
  const levels = [...counts.entries()]
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, maxLevels)
    .map(([level]) => level);
  return { name, kind: 'categorical' as const, levels };
}

/** Turns a record into the model's input vector. */
class Encoder {
  readonly width: number;
  private readonly offsets: number[] = [];
  private readonly levelIndex: (Map<string, number> | undefined)[];

  constructor(private readonly features: readonly FeatureEncoding[]) {
    let width = 0;
    for (const feature of features) {
      this.offsets.push(width);
      width += feature.kind === 'numeric' ? 1 : feature.levels.length;
    }
    this.width = width;
    this.levelIndex = features.map((feature) =>
      feature.kind === 'categorical' ? new Map(feature.levels.map((level, index) => [level, index])) : undefined,
    );
  }

  encode(record: Readonly<Record<string, string>>, out: Float64Array, at: number): void {
    out.fill(0, at, at + this.width);
    this.features.forEach((feature, f) => {
      const raw = record[feature.name];
      const value = raw === undefined || raw === null ? '' : String(raw).trim();
      if (feature.kind === 'numeric') {
        const number = value === '' ? NaN : Number(value);
        out[at + this.offsets[f]] = Number.isFinite(number) ? (number - feature.mean) / feature.scale : 0;
        return;
      }
      const level = this.levelIndex[f]?.get(value);
      if (level !== undefined) out[at + this.offsets[f] + level] = 1;
    });
  }
}

function softmax(
  x: Float64Array,
  at: number,
  width: number,
  weights: readonly Float64Array[],
  intercepts: Float64Array,
  out: Float64Array,
): void {
  let max = -Infinity;
  for (let c = 0; c < weights.length; c++) {
    let z = intercepts[c];
    const w = weights[c];
    for (let j = 0; j < width; j++) z += w[j] * x[at + j];
    out[c] = z;
    if (z > max) max = z;
  }
  let sum = 0;
  for (let c = 0; c < weights.length; c++) {
    out[c] = Math.exp(out[c] - max);
    sum += out[c];
  }
  for (let c = 0; c < weights.length; c++) out[c] /= sum;
}

/** Mean cross-entropy plus the L2 penalty (l2 / 2 · ‖W‖²), the objective the descent minimizes. */
function meanLoss(
  x: Float64Array,
  y: Int32Array,
  weights: readonly Float64Array[],
  intercepts: Float64Array,
  l2: number,
  scratch: Float64Array,
): number {
  const width = weights[0].length;
  let total = 0;
  for (let r = 0; r < y.length; r++) {
    softmax(x, r * width, width, weights, intercepts, scratch);
    total -= Math.log(Math.max(scratch[y[r]], 1e-15));
  }
  let norm = 0;
  for (const w of weights) for (const value of w) norm += value * value;
  return total / y.length + 0.5 * l2 * norm;
}

function argmax(values: Float64Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** A generator seeded per epoch, so that a resumed fit shuffles exactly as an uninterrupted one. */
function random(seed: number, epoch: number): () => number {
  return seededRandom(Math.imul(seed, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b));
}

/** Fisher–Yates. */
function shuffle(order: Int32Array, next: () => number): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const swap = order[i];
    order[i] = order[j];
    order[j] = swap;
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}
