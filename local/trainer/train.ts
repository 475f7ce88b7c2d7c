/**
 * The local training "container": what SageMaker runs for a training job, honouring the container contract with the
 * local directories in place of `/opt/ml`:
 *
 * - reads every file of the `train` channel (`SM_CHANNEL_TRAIN`), CSV as the built-in algorithms take it: no header
 *   and the label first (the layout `validate-data` writes), unless the hyperparameters say otherwise;
 * - reads the hyperparameters from `<SM_INPUT_DIR>/config/hyperparameters.json` (string values, as SageMaker writes
 *   them), else from `SM_HPS`;
 * - writes `model.json` to `SM_MODEL_DIR` (the platform packs that directory into `model.tar.gz`) and the final
 *   metrics to `<SM_OUTPUT_DATA_DIR>/metrics.json`;
 * - resumes from and writes to the checkpoint directory of `<SM_INPUT_DIR>/config/checkpointconfig.json`, so a job
 *   restarted on the same data (managed spot) continues where it stopped;
 * - on failure writes the reason to `<SM_OUTPUT_DIR>/failure` and exits 1.
 *
 * Hyperparameters: `label` (default `label`), `columns` (names of the header-less columns: a comma list or a JSON
 * array; without them and a contract, the label is the first column and the features are named `f1`, `f2`, …),
 * `header` (`true` when every file starts with a header row), `contract` (the data contract as JSON: names the
 * columns as `validate-data` lays them out, marks categorical columns and excludes PII), `exclude` and `categorical`
 * (comma lists), `epochs`, `learning_rate`, `l2`, `batch_size`, `seed`, `positive`, `max_levels`.
 */
import { createHash, type Hash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { splitColumns } from '../../lambdas/core/training-split';
import { parseContract, type DataContract } from '../../lambdas/stats/contract';
import { parseCsv } from '../../lambdas/stats/csv';
import {
  fitLogisticModel,
  MODEL_FILE,
  type LearnerOptions,
  type LearnerState,
  type TrainingTable,
} from '../emulators/sagemaker/model-artifact';

/** The checkpoint file inside the checkpoint directory. */
export const CHECKPOINT_FILE = 'warden-checkpoint.json';
/** The final metrics file inside the output data directory. */
export const METRICS_FILE = 'metrics.json';

/** Thrown for problems with the data or the hyperparameters; its message is the failure reason. */
class TrainingError extends Error {}

/**
 * Trains on the channel and writes the model; throws with the failure reason. `log` receives the lines a metric
 * definition's regex would read from the container's stdout.
 */
export function train(env: NodeJS.ProcessEnv, log: (line: string) => void = (line) => console.log(line)): void {
  const channel = required(env, 'SM_CHANNEL_TRAIN');
  const modelDir = required(env, 'SM_MODEL_DIR');
  const outputDataDir = required(env, 'SM_OUTPUT_DATA_DIR');
  const hyperparameters = readHyperparameters(env);
  const settings = parseHyperparameters(hyperparameters);
  const files = channelFiles(channel);
  if (files.length === 0) throw new TrainingError(`The train channel (${channel}) holds no files.`);
  const hash = createHash('sha256').update(JSON.stringify(hyperparameters));
  const table = readTable(files, settings, hash);
  const checkpoints = checkpointDirectory(env);
  const fingerprint = hash.digest('hex');
  const resume = checkpoints === undefined ? undefined : readCheckpoint(checkpoints, fingerprint);
  const model = fitLogisticModel(table, settings.learner, {
    resume,
    onEpoch: (state, loss) => {
      log(`#metrics epoch=${state.epoch} train:loss=${loss.toFixed(6)}`);
      if (checkpoints !== undefined) writeAtomically(join(checkpoints, CHECKPOINT_FILE), { fingerprint, state });
    },
  });
  mkdirSync(modelDir, { recursive: true });
  writeFileSync(join(modelDir, MODEL_FILE), JSON.stringify(model));
  mkdirSync(outputDataDir, { recursive: true });
  const metrics = {
    'train:loss': model.training.loss,
    'train:accuracy': model.training.accuracy,
    rows: model.training.rows,
    epochs: model.training.epochs,
    resumedFromEpoch: resume?.epoch ?? 0,
  };
  writeFileSync(join(outputDataDir, METRICS_FILE), JSON.stringify(metrics));
  log(`#metrics train:loss=${model.training.loss.toFixed(6)} train:accuracy=${model.training.accuracy}`);
}

interface TrainerSettings {
  readonly learner: LearnerOptions;
  /** Names of the columns of a header-less file, when known. */
  readonly columns?: readonly string[];
  readonly header: boolean;
}

export function parseHyperparameters(hyperparameters: Readonly<Record<string, string>>): TrainerSettings {
  const problems: string[] = [];
  const number = (name: string, check: (value: number) => boolean, rule: string): number | undefined => {
    const raw = hyperparameters[name];
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (raw.trim() === '' || !check(value)) problems.push(`${name} must be ${rule}, got "${raw}"`);
    return value;
  };
  const positiveInteger = (value: number) => Number.isInteger(value) && value > 0;
  const list = (name: string) =>
    (hyperparameters[name] ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  const label = hyperparameters.label ?? 'label';
  const contract = parseContractHyperparameter(hyperparameters.contract, problems);
  const header = (hyperparameters.header ?? 'false').toLowerCase();
  if (header !== 'true' && header !== 'false') problems.push(`header must be true or false, got "${header}"`);
  const learner: LearnerOptions = {
    label,
    exclude: [...list('exclude'), ...(contract?.columns.filter((c) => c.pii === true).map((c) => c.name) ?? [])],
    categorical: [
      ...list('categorical'),
      ...(contract?.columns
        .filter((c) => c.type === 'categorical' || c.type === 'string' || c.type === 'boolean')
        .map((c) => c.name) ?? []),
    ],
    epochs: number('epochs', positiveInteger, 'a positive integer'),
    learningRate: number('learning_rate', (value) => value > 0 && Number.isFinite(value), 'a positive number'),
    l2: number('l2', (value) => value >= 0 && Number.isFinite(value), 'a number ≥ 0'),
    batchSize: number('batch_size', positiveInteger, 'a positive integer'),
    seed: number('seed', Number.isInteger, 'an integer'),
    maxLevels: number('max_levels', positiveInteger, 'a positive integer'),
    positive: hyperparameters.positive,
  };
  const named = columnNames(hyperparameters.columns, problems);
  const columns = named.length > 0 ? named : contract === undefined ? undefined : splitColumns(contract, label);
  if (problems.length > 0) throw new TrainingError(`Invalid hyperparameters: ${problems.join('; ')}.`);
  return { learner, columns, header: header === 'true' };
}

/**
 * `columns` as a comma list, or as a JSON array of strings, which is what a state machine can pass without string
 * functions: `"columns.$": "States.JsonToString($.validation.columns)"`.
 */
function columnNames(raw: string | undefined, problems: string[]): string[] {
  const text = (raw ?? '').trim();
  if (!text.startsWith('[')) {
    return text
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '');
  }
  try {
    const names: unknown = JSON.parse(text);
    if (Array.isArray(names) && names.every((name) => typeof name === 'string' && name !== '')) return names;
  } catch {
    // Reported below with the rule.
  }
  problems.push('columns must be a comma-separated list or a JSON array of column names');
  return [];
}

function parseContractHyperparameter(raw: string | undefined, problems: string[]): DataContract | undefined {
  if (raw === undefined) return undefined;
  try {
    return parseContract(JSON.parse(raw), 'The contract hyperparameter');
  } catch (error) {
    problems.push(`contract: ${(error as Error).message}`);
    return undefined;
  }
}

/** The hyperparameters file SageMaker writes, else the toolkit's `SM_HPS`; values as strings either way. */
function readHyperparameters(env: NodeJS.ProcessEnv): Record<string, string> {
  const file = env.SM_INPUT_DIR === undefined ? undefined : join(env.SM_INPUT_DIR, 'config', 'hyperparameters.json');
  const text = file !== undefined && existsSync(file) ? readFileSync(file, 'utf8') : (env.SM_HPS ?? '{}');
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new TrainingError(`The hyperparameters are not JSON: ${(error as Error).message}.`);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new TrainingError('The hyperparameters are not a JSON object.');
  }
  return Object.fromEntries(
    Object.entries(document).map(([name, value]) => [name, typeof value === 'string' ? value : JSON.stringify(value)]),
  );
}

/** Every regular file under the channel directory, in path order (SageMaker keeps the S3 key layout). */
function channelFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (current: string): void => {
    for (const name of readdirSync(current).sort()) {
      const path = join(current, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (statSync(path).size > 0) files.push(path);
    }
  };
  walk(dir);
  return files;
}

/** All rows of the channel; the bytes feed `hash`, which fingerprints the data for checkpoints. */
function readTable(files: readonly string[], settings: TrainerSettings, hash: Hash) {
  let columns = settings.columns;
  const rows: string[][] = [];
  for (const file of files) {
    const bytes = readFileSync(file);
    hash.update(bytes);
    let first = true;
    const fields = (values: readonly string[]) => {
      if (first && settings.header) {
        columns ??= values;
        first = false;
        return;
      }
      first = false;
      columns ??= positionalColumns(values.length, settings.learner.label);
      if (values.length !== columns.length) {
        throw new TrainingError(`${file} has rows of ${values.length} fields; expected ${columns.length}.`);
      }
      rows.push([...values]);
    };
    try {
      parseCsv(bytes, {
        header: fields,
        row: (row) => {
          const values: string[] = [];
          for (let i = 0; i < row.length; i++) values.push(row.text(i));
          fields(values);
        },
      });
    } catch (error) {
      if (error instanceof TrainingError) throw error;
      throw new TrainingError(`${file} is not valid CSV: ${(error as Error).message}`);
    }
  }
  if (columns === undefined || rows.length === 0) throw new TrainingError('The train channel holds no data rows.');
  return { columns, rows } satisfies TrainingTable;
}

/** The built-in algorithms' CSV convention: the label first, then unnamed features. */
function positionalColumns(count: number, label: string): string[] {
  return [label, ...Array.from({ length: count - 1 }, (_, index) => `f${index + 1}`)];
}

function checkpointDirectory(env: NodeJS.ProcessEnv): string | undefined {
  if (env.SM_INPUT_DIR === undefined) return undefined;
  const file = join(env.SM_INPUT_DIR, 'config', 'checkpointconfig.json');
  if (!existsSync(file)) return undefined;
  const config = JSON.parse(readFileSync(file, 'utf8')) as { LocalPath?: string };
  if (config.LocalPath === undefined) return undefined;
  mkdirSync(config.LocalPath, { recursive: true });
  return config.LocalPath;
}

/** The state of a checkpoint written for the same data and hyperparameters; any other checkpoint is ignored. */
function readCheckpoint(dir: string, fingerprint: string): LearnerState | undefined {
  const file = join(dir, CHECKPOINT_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const checkpoint = JSON.parse(readFileSync(file, 'utf8')) as { fingerprint?: string; state?: LearnerState };
    return checkpoint.fingerprint === fingerprint ? checkpoint.state : undefined;
  } catch {
    return undefined;
  }
}

/** A checkpoint is replaced whole, so an interruption never leaves half of one. */
function writeAtomically(path: string, document: unknown): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(document));
  renameSync(`${path}.tmp`, path);
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new TrainingError(`${name} is not set.`);
  return value;
}

/** The container's entry: exit code 0, or the reason in `<SM_OUTPUT_DIR>/failure` and exit code 1. */
function main(): void {
  try {
    train(process.env);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const outputDir = process.env.SM_OUTPUT_DIR;
    if (outputDir !== undefined && outputDir !== '') {
      mkdirSync(outputDir, { recursive: true });
      writeFileSync(join(outputDir, 'failure'), reason);
    }
    console.error(reason);
    process.exitCode = 1;
  }
}

if (require.main === module) main();
