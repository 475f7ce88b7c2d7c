/**
 * The local learner and inference container: a real model (it learns a separable rule, deterministically), its
 * `model.tar.gz` round trip, which columns it may use, and the hosting contract of the model server.
 */
import { gunzipSync } from 'node:zlib';
import {
  fitLogisticModel,
  loadPredictor,
  MODEL_FILE,
  packModel,
  predictorFor,
  type LearnerState,
  type LogisticModel,
  type TrainingTable,
} from '../../local/emulators/sagemaker/model-artifact';
import { startModelServer, type ModelServer } from '../../local/emulators/sagemaker/model-server';
import { packTar, packTarGz, unpackTar, unpackTarGz } from '../../local/emulators/sagemaker/tar';

const COLUMNS = ['label', 'age', 'income', 'debt_ratio', 'sex', 'region', 'email'];

/** Applications whose label is a linear rule of income, debt ratio and region, with a margin: separable. */
function applications(rows: number, seed: number): string[][] {
  let state = seed;
  const next = () => {
    state = (Math.imul(state, 48271) + 11) % 2147483647;
    return Math.abs(state) / 2147483647;
  };
  const out: string[][] = [];
  while (out.length < rows) {
    const age = 18 + Math.floor(next() * 60);
    const income = Math.round(20000 + next() * 80000);
    const debt = next() * 2;
    const sex = ['F', 'M', 'X'][Math.floor(next() * 3)];
    const region = ['north', 'south', 'east'][Math.floor(next() * 3)];
    const score = (income - 60000) / 20000 - (debt - 1) * 1.5 + (region === 'north' ? 0.5 : 0);
    if (Math.abs(score) < 0.2) continue;
    const missing = out.length % 97 === 0;
    out.push([
      score > 0 ? '1' : '0',
      String(age),
      missing ? '' : String(income),
      debt.toFixed(3),
      sex,
      region,
      `person${out.length}@example.com`,
    ]);
  }
  return out;
}

function table(rows: number, seed: number): TrainingTable {
  return { columns: COLUMNS, rows: applications(rows, seed) };
}

function record(row: readonly string[]): Record<string, string> {
  return Object.fromEntries(COLUMNS.map((name, index) => [name, row[index]]));
}

function accuracy(model: LogisticModel, rows: readonly string[][]): number {
  const predictor = predictorFor(model);
  return rows.filter((row) => predictor.predict(record(row)).label === row[0]).length / rows.length;
}

describe('the local learner', () => {
  const training = table(1500, 7);
  const model = fitLogisticModel(training, { label: 'label', exclude: ['email'] });

  it('learns a separable rule: high accuracy on the training rows and on unseen ones', () => {
    expect(model.training.accuracy).toBeGreaterThan(0.95);
    expect(model.training.rows).toBe(1500);
    expect(accuracy(model, applications(1000, 99))).toBeGreaterThan(0.95);
  });

  it('is deterministic for a seed and differs for another', () => {
    const again = fitLogisticModel(training, { label: 'label', exclude: ['email'] });
    expect(again).toEqual(model);
    const reseeded = fitLogisticModel(training, { label: 'label', exclude: ['email'], seed: 2 });
    expect(reseeded.weights).not.toEqual(model.weights);
  });

  it('never uses the label or excluded (PII) columns as features', () => {
    const names = model.features.map((feature) => feature.name);
    expect(names).toEqual(['age', 'income', 'debt_ratio', 'sex', 'region']);
    expect(predictorFor(model).features).not.toContain('email');
    expect(predictorFor(model).features).not.toContain('label');
    const kinds = Object.fromEntries(model.features.map((feature) => [feature.name, feature.kind]));
    expect(kinds).toEqual({
      age: 'numeric',
      income: 'numeric',
      debt_ratio: 'numeric',
      sex: 'categorical',
      region: 'categorical',
    });
    // The e-mail cannot change a prediction: it is not read.
    const predictor = predictorFor(model);
    const row = record(training.rows[1]);
    expect(predictor.predict({ ...row, email: 'someone-else@example.com' })).toEqual(predictor.predict(row));
  });

  it('imputes missing values and ignores unseen levels instead of failing', () => {
    const predictor = predictorFor(model);
    const income = model.features.find((feature) => feature.name === 'income');
    expect(income).toMatchObject({ kind: 'numeric' });
    const prediction = predictor.predict({ age: '40', debt_ratio: '0.5', sex: 'Q', region: 'mars' });
    expect(Number.isFinite(prediction.score)).toBe(true);
    expect(['0', '1']).toContain(prediction.label);
  });

  it('reports the probability of the positive class as the score of a two-class model', () => {
    expect(model.classes).toEqual(['0', '1']);
    expect(model.positive).toBe('1');
    const predictor = predictorFor(model);
    const rich = predictor.predict({ age: '40', income: '99000', debt_ratio: '0.1', sex: 'F', region: 'north' });
    const poor = predictor.predict({ age: '40', income: '21000', debt_ratio: '1.9', sex: 'F', region: 'south' });
    expect(rich).toMatchObject({ label: '1' });
    expect(rich.score).toBeGreaterThan(0.9);
    expect(poor).toMatchObject({ label: '0' });
    expect(poor.score).toBeLessThan(0.1);
  });

  it('learns more than two classes with softmax', () => {
    const rows = applications(1200, 3).map((row) => {
      const income = Number(row[2] || '60000');
      return [income < 45000 ? 'low' : income < 75000 ? 'mid' : 'high', ...row.slice(1)];
    });
    const multi = fitLogisticModel({ columns: COLUMNS, rows }, { label: 'label', exclude: ['email'], epochs: 60 });
    expect(multi.classes).toEqual(['high', 'low', 'mid']);
    const predictor = predictorFor(multi);
    const correct = rows.filter((row) => predictor.predict(record(row)).label === row[0]).length;
    expect(correct / rows.length).toBeGreaterThan(0.9);
  });

  it('resumes from a checkpoint to exactly the weights of an uninterrupted fit', () => {
    const states: LearnerState[] = [];
    const options = { label: 'label', exclude: ['email'], epochs: 8 };
    const whole = fitLogisticModel(training, options, { onEpoch: (state) => states.push(state) });
    expect(states.map((state) => state.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const resumed = fitLogisticModel(training, options, { resume: states[3] });
    expect(resumed.weights).toEqual(whole.weights);
    expect(resumed.intercepts).toEqual(whole.intercepts);
  });

  it('fails with a reason on data it cannot learn from', () => {
    const oneClass = {
      columns: ['label', 'x'],
      rows: [
        ['1', '2'],
        ['1', '3'],
      ],
    };
    expect(() => fitLogisticModel(oneClass, { label: 'label' })).toThrow(/single class/);
    expect(() => fitLogisticModel(oneClass, { label: 'target' })).toThrow(/"target" is not among/);
    expect(() => fitLogisticModel({ columns: ['label'], rows: [['0'], ['1']] }, { label: 'label' })).toThrow(
      /no feature columns/,
    );
  });
});

describe('model.tar.gz', () => {
  const model = fitLogisticModel(table(400, 11), { label: 'label', exclude: ['email'], epochs: 5 });

  it('round-trips: the loaded predictor answers exactly as the fitted model', () => {
    const archive = packModel(model);
    const entries = unpackTarGz(archive);
    expect(entries.map((entry) => entry.path)).toEqual([MODEL_FILE]);
    const loaded = loadPredictor(archive);
    expect(loaded.model).toEqual(model);
    expect(loaded.columns).toEqual(COLUMNS);
    const original = predictorFor(model);
    for (const row of applications(50, 5)) expect(loaded.predict(record(row))).toEqual(original.predict(record(row)));
  });

  it('is a standard ustar archive: magic, checksums, 512-byte blocks, two zero blocks at the end', () => {
    const tar = gunzipSync(packModel(model));
    expect(tar.length % 512).toBe(0);
    expect(tar.toString('latin1', 257, 262)).toBe('ustar');
    expect(tar.subarray(tar.length - 1024).every((byte) => byte === 0)).toBe(true);
    expect(packModel(model).equals(packModel(model))).toBe(true);
  });

  it('keeps long paths and several files, and rejects paths that leave the directory', () => {
    const long = `${'nested/'.repeat(20)}weights.bin`;
    const entries = [
      { path: 'a.txt', body: Buffer.from('alpha') },
      { path: long, body: Buffer.alloc(1300, 7) },
      { path: 'empty', body: Buffer.alloc(0) },
    ];
    expect(unpackTar(packTar(entries))).toEqual(entries);
    expect(() => packTar([{ path: '../escape', body: Buffer.alloc(1) }])).toThrow(/Unsafe path/);
    expect(() => packTar([{ path: '/etc/passwd', body: Buffer.alloc(1) }])).toThrow(/Unsafe path/);
  });

  it('detects a corrupt header', () => {
    const tar = packTar([{ path: 'model.json', body: Buffer.from('{}') }]);
    tar[0] = 'x'.charCodeAt(0);
    expect(() => unpackTar(tar)).toThrow(/Corrupt tar header/);
  });

  it('rejects archives without a model or with a model of another format', () => {
    expect(() => loadPredictor(packTarGz([{ path: 'other.json', body: Buffer.from('{}') }]))).toThrow(/no model.json/);
    const foreign = packTarGz([{ path: MODEL_FILE, body: Buffer.from(JSON.stringify({ format: 'xgboost' })) }]);
    expect(() => loadPredictor(foreign)).toThrow(/Not a warden-logistic-regression\/1 model/);
  });
});

describe('the model server', () => {
  const model = fitLogisticModel(table(800, 21), { label: 'label', exclude: ['email'] });
  const predictor = loadPredictor(packModel(model));
  const rows = applications(20, 77);
  const features = (row: readonly string[]) => row.slice(1, 6).join(',');
  const expected = rows.map((row) => predictor.predict(record(row)).label);
  let server: ModelServer;
  let fault: { status?: number; latencyMs?: number } | undefined;

  beforeAll(async () => {
    server = await startModelServer(predictor, { fault: () => fault });
  });
  afterAll(() => server.close());
  afterEach(() => (fault = undefined));

  it('answers /ping with 200', async () => {
    const response = await fetch(`${server.url}/ping`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it('predicts header-less CSV in feature order: one label per line', async () => {
    const response = await server.invoke(rows.map(features).join('\n'), 'text/csv');
    expect(response.status).toBe(200);
    expect(response.body).toBe(expected.map((label) => `${label}\n`).join(''));
  });

  it('accepts lines in the training layout (label first, PII included) and ignores label and PII', async () => {
    const flipped = rows.map((row) => [row[0] === '1' ? '0' : '1', ...row.slice(1)].join(','));
    const response = await server.invoke(`${flipped.join('\n')}\n`);
    expect(response.body.trimEnd().split('\n')).toEqual(expected);
  });

  it('reads a header row when the first line names the columns', async () => {
    const body = `age,income,debt_ratio,sex,region\n${rows.map(features).join('\n')}\n`;
    const response = await server.invoke(body);
    expect(response.body.trimEnd().split('\n')).toEqual(expected);
  });

  it('predicts JSON instances, by name or in column order, with scores', async () => {
    const instances = rows.map((row) => {
      const { age, income, debt_ratio, sex, region } = record(row);
      return { age: Number(age), income, debt_ratio, sex, region };
    });
    const response = await server.invoke(JSON.stringify({ instances }), 'application/json');
    expect(response.status).toBe(200);
    const { predictions } = JSON.parse(response.body) as { predictions: { score: number; label: string }[] };
    expect(predictions.map((p) => p.label)).toEqual(expected);
    expect(predictions[0].score).toBeCloseTo(predictor.predict(record(rows[0])).score, 12);
    const arrays = await server.invoke(
      JSON.stringify({ instances: rows.map((row) => row.slice(1, 6)) }),
      'application/json',
    );
    expect((JSON.parse(arrays.body) as { predictions: { label: string }[] }).predictions.map((p) => p.label)).toEqual(
      expected,
    );
  });

  it('answers CSV with JSON when asked to', async () => {
    const response = await server.invoke(features(rows[0]), 'text/csv', 'application/json');
    expect(JSON.parse(response.body)).toEqual({ predictions: [predictor.predict(record(rows[0]))] });
  });

  it('rejects unsupported media types and malformed records', async () => {
    expect((await server.invoke('x', 'image/png')).status).toBe(415);
    const wrongWidth = await server.invoke('1,2\n');
    expect(wrongWidth.status).toBe(400);
    expect(wrongWidth.body).toMatch(/expects 5 or 7/);
    expect((await server.invoke('{"instances": 3}', 'application/json')).status).toBe(400);
    expect((await server.invoke('not json', 'application/json')).status).toBe(400);
  });

  it('models latency deterministically, without sleeping', async () => {
    const one = await server.invoke(features(rows[0]));
    const twenty = await server.invoke(rows.map(features).join('\n'));
    expect(one.latencyMs).toBeCloseTo(4.02, 6);
    expect(twenty.latencyMs).toBeCloseTo(4.4, 6);
    expect((await server.invoke(features(rows[0]))).latencyMs).toBe(one.latencyMs);
  });

  it('injects faults: an error status, and latency on top of the modelled one', async () => {
    fault = { status: 503 };
    const failed = await server.invoke(features(rows[0]));
    expect(failed.status).toBe(503);
    expect(failed.body).toMatch(/Injected fault/);
    fault = { latencyMs: 2500 };
    const slow = await server.invoke(features(rows[0]));
    expect(slow.status).toBe(200);
    expect(slow.latencyMs).toBeCloseTo(2504.02, 6);
    fault = undefined;
    expect((await server.invoke(features(rows[0]))).status).toBe(200);
  });

  it('serves a predictor in the column order it is given', async () => {
    const columns = ['region', 'sex', 'debt_ratio', 'income', 'age'];
    const reordered = await startModelServer(predictor, { columns });
    try {
      const body = rows.map((row) => columns.map((name) => record(row)[name]).join(',')).join('\n');
      expect((await reordered.invoke(body)).body.trimEnd().split('\n')).toEqual(expected);
    } finally {
      await reordered.close();
    }
  });
});
