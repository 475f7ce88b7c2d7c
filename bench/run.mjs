// `npm run bench`: generates its own data, runs Warden and the pandas/scipy references on the same files in this one
// run, and prints ratios (times on shared machines are noisy; ratios taken side by side are what we compare).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MIXED_CONTRACT, writeDrift, writeMixed } from './generate.mjs';

const root = join(import.meta.dirname, '..');
const out = join(root, 'bench', 'out');
const cli = join(root, 'dist', 'local', 'cli.js');
const repeats = Number(process.env.BENCH_REPEATS ?? 3);
const rows = Number(process.env.BENCH_ROWS ?? 1_000_000);
mkdirSync(out, { recursive: true });

function findPython() {
  for (const candidate of [process.env.WARDEN_BENCH_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean)) {
    const probe = spawnSync(candidate, ['-c', 'import pandas, scipy'], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

function run(command, args) {
  const start = performance.now();
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const seconds = (performance.now() - start) / 1000;
  if (result.status !== 0 && result.status !== 1) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  }
  return { seconds, stdout: result.stdout };
}

/** Best of `repeats` wall times of the whole `warden` process (start-up included: the conservative side). */
function timeWarden(args) {
  let best = Infinity;
  for (let i = 0; i < repeats; i++) best = Math.min(best, run(process.execPath, [cli, ...args]).seconds);
  return best;
}

/** Best of `repeats` in-process times reported by the reference (interpreter start and imports excluded). */
function timeReference(python, args, key = 'seconds') {
  let best = Infinity;
  for (let i = 0; i < repeats; i++) {
    const report = JSON.parse(run(python, [join(root, 'bench', 'reference.py'), ...args]).stdout);
    best = Math.min(best, report[key]);
  }
  return best;
}

function peakRss(file, contract) {
  const result = spawnSync(process.execPath, [join(root, 'bench', 'validate-rss.mjs'), file, contract], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout);
}

async function ensure(name, write) {
  const path = join(out, name);
  if (!existsSync(path)) {
    process.stderr.write(`generating ${name} …\n`);
    await write(path);
  }
  return path;
}

const mib = (path) => statSync(path).size / 2 ** 20;
const python = findPython();
const results = { rows, repeats, python: python ?? null, benchmarks: {} };

const mixed = await ensure(`mixed-${rows}.csv`, (path) => writeMixed(path, rows, 1));
const mixed4 = await ensure(`mixed-${rows * 4}.csv`, (path) => writeMixed(path, rows * 4, 2));
const base = await ensure(`drift-base-${rows}.csv`, (path) => writeDrift(path, rows, 3, 0));
const cur = await ensure(`drift-cur-${rows}.csv`, (path) => writeDrift(path, rows, 4, 0.3));
const contract = join(out, 'mixed-contract.json');
writeFileSync(contract, JSON.stringify(MIXED_CONTRACT));

process.stderr.write('validate …\n');
const validateSeconds = timeWarden(['validate', mixed, '--contract', contract, '--json']);
const validate = {
  file: `${mixed.split('/').pop()} (${mib(mixed).toFixed(1)} MiB)`,
  wardenSeconds: validateSeconds,
  wardenMiBs: mib(mixed) / validateSeconds,
};
if (python) {
  validate.pandasSeconds = timeReference(python, ['validate', mixed]);
  validate.pandasMiBs = mib(mixed) / validate.pandasSeconds;
  validate.throughputRatio = validate.wardenMiBs / validate.pandasMiBs;
  validate.pandasNumericOnlySeconds = timeReference(python, ['validate', mixed, 'number']);
  validate.throughputRatioVsNumericOnly = validate.pandasNumericOnlySeconds / validate.wardenSeconds;
  validate.goal =
    'throughputRatio >= 1.0 (pandas read_csv + describe(include="all"); numeric-only describe listed too)';
}
results.benchmarks.validate = validate;

process.stderr.write('peak RSS …\n');
const rss1 = peakRss(mixed, contract);
const rss4 = peakRss(mixed4, contract);
results.benchmarks.validateMemory = {
  [`${rows} rows`]: { peakRssMB: rss1.peakRssMB, fileMiB: mib(mixed) },
  [`${rows * 4} rows`]: { peakRssMB: rss4.peakRssMB, fileMiB: mib(mixed4) },
  growthRatio: rss4.peakRssMB / rss1.peakRssMB,
  goal: 'peakRssMB <= 200 on the 4x file, flat in file size',
};

process.stderr.write('bias …\n');
const biasArgs = [
  '--label',
  'label',
  '--prediction',
  'prediction',
  '--facet',
  'sex',
  '--facet-value',
  'F',
  '--group',
  'group',
];
const bias = { wardenSeconds: timeWarden(['bias', mixed, ...biasArgs, '--json']) };
if (python) {
  bias.pandasSeconds = timeReference(python, ['bias', mixed, 'label', 'sex', 'F', 'prediction', 'group']);
  bias.timeRatio = bias.wardenSeconds / bias.pandasSeconds;
  bias.goal = 'timeRatio <= 0.1';
}
results.benchmarks.bias = bias;

process.stderr.write('drift …\n');
const drift = { wardenSeconds: timeWarden(['drift', base, cur, '--columns', 'x,y', '--json']) };
if (python) {
  drift.scipySeconds = timeReference(python, ['drift', base, cur]);
  drift.scipyComputeSeconds = timeReference(python, ['drift', base, cur], 'computeSeconds');
  drift.timeRatio = drift.wardenSeconds / drift.scipySeconds;
  drift.goal = 'timeRatio <= 1.0 (both read the CSV files; scipy compute-only time listed for reference)';
}
results.benchmarks.drift = drift;

writeFileSync(join(out, 'results.json'), JSON.stringify(results, null, 2));
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
if (!python)
  process.stderr.write(
    'No Python with pandas and scipy found (apt-get install python3-pandas python3-scipy): ratios skipped.\n',
  );
