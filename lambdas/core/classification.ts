/**
 * Quality of a classifier from its predictions next to the true labels (the batch transform output joined with the
 * holdout), counted in one pass: accuracy over every class, and precision, recall and F1 of the positive class.
 */
import { InputError } from '../shared/errors';
import type { CsvHandler, CsvRow } from '../stats/csv';

export interface ClassificationSpec {
  /** Column of the true label. */
  readonly label: string;
  /** Column of the predicted label. */
  readonly prediction: string;
  /** Label value of the positive class (string comparison). @default '1' */
  readonly positive?: string;
}

/** Confusion counts of the positive class, plus the rows whose predicted label equals the true one. */
export interface ConfusionCounts {
  readonly rows: number;
  /** Rows left out because the label or the prediction was empty. */
  readonly skippedRows: number;
  readonly correct: number;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly tn: number;
}

export interface ClassificationMetrics {
  /** correct / rows counted. */
  readonly accuracy: number;
  /** tp / (tp + fp); NaN when nothing was predicted positive. */
  readonly precision: number;
  /** tp / (tp + fn); NaN when no label is positive. */
  readonly recall: number;
  /** Harmonic mean of precision and recall; 0 when both are 0, NaN when either is undefined. */
  readonly f1: number;
  /** Rows the metrics are computed from. */
  readonly rows: number;
}

/** A {@link CsvHandler} counting {@link ConfusionCounts}. */
export class ConfusionCounter implements CsvHandler {
  private labelField = -1;
  private predictionField = -1;
  private readonly positive: Buffer;
  private counts = { rows: 0, skippedRows: 0, correct: 0, tp: 0, fp: 0, fn: 0, tn: 0 };

  constructor(
    readonly spec: ClassificationSpec,
    private readonly source = 'the file',
  ) {
    this.positive = Buffer.from(spec.positive ?? '1', 'utf8');
  }

  header(names: readonly string[]): void {
    const missing = [this.spec.label, this.spec.prediction].filter((name) => !names.includes(name));
    if (missing.length > 0) {
      throw new InputError(
        `Column${missing.length === 1 ? '' : 's'} ${missing.map((name) => `"${name}"`).join(' and ')} ` +
          `${missing.length === 1 ? 'is' : 'are'} not in ${this.source}; its columns are ${names.join(', ')}.`,
      );
    }
    this.labelField = names.indexOf(this.spec.label);
    this.predictionField = names.indexOf(this.spec.prediction);
  }

  row(row: CsvRow): void {
    const counts = this.counts;
    counts.rows++;
    if (row.isEmpty(this.labelField) || row.isEmpty(this.predictionField)) {
      counts.skippedRows++;
      return;
    }
    const label = row.bytes(this.labelField);
    const prediction = row.bytes(this.predictionField);
    if (label.equals(prediction)) counts.correct++;
    const actual = label.equals(this.positive);
    const predicted = prediction.equals(this.positive);
    if (actual) {
      if (predicted) counts.tp++;
      else counts.fn++;
    } else if (predicted) counts.fp++;
    else counts.tn++;
  }

  result(): ConfusionCounts {
    return { ...this.counts };
  }
}

/** The metrics of counted rows; a file with no usable row is an input error. */
export function classificationMetrics(counts: ConfusionCounts, source = 'the file'): ClassificationMetrics {
  const rows = counts.rows - counts.skippedRows;
  if (rows === 0) {
    throw new InputError(`${source} has no row with both a label and a prediction, so the model cannot be evaluated.`);
  }
  const precision = ratio(counts.tp, counts.tp + counts.fp);
  const recall = ratio(counts.tp, counts.tp + counts.fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { accuracy: counts.correct / rows, precision, recall, f1, rows };
}

function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? NaN : numerator / denominator;
}
