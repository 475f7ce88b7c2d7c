// Deterministic data generators for the benchmarks (no external data): credit-style mixed-type rows and drift pairs.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** mulberry32: small, fast, seeded. */
export function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(next) {
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

async function writeRows(path, header, rows, makeRow) {
  const out = createWriteStream(path);
  let buffer = `${header}\n`;
  for (let i = 0; i < rows; i++) {
    buffer += `${makeRow(i)}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
}

export const MIXED_HEADER = 'id,age,income,score,sex,region,email,approved,label,prediction,group';
const REGIONS = ['north', 'south', 'east', 'west', 'central', 'coast', 'mountain', 'plains', 'islands', 'metro'];
const SEXES = ['F', 'M', 'X'];

/** Mixed integer / decimal / categorical / string / boolean columns, with a sensitive attribute and labels. */
export function writeMixed(path, rows, seed = 1) {
  const next = random(seed);
  return writeRows(path, MIXED_HEADER, rows, (i) => {
    const sex = SEXES[next() < 0.48 ? 0 : next() < 0.96 ? 1 : 2];
    const age = 18 + Math.floor(next() * 62);
    const income = Math.round(Math.exp(10.5 + 0.6 * gaussian(next)) * 100) / 100;
    const score = (0.5 + 0.15 * gaussian(next)).toFixed(5);
    const label = next() < (sex === 'F' ? 0.42 : 0.5) ? 1 : 0;
    const prediction = next() < 0.85 ? label : 1 - label;
    const region = REGIONS[Math.floor(next() * REGIONS.length)];
    return `${i},${age},${income},${score},${sex},${region},user${Math.floor(next() * 1e9)}@example.com,${next() < 0.5},${label},${prediction},${region.charAt(0)}`;
  });
}

/** Two numeric columns (one shifted, one with heavy ties) and one categorical column. */
export function writeDrift(path, rows, seed, shift) {
  const next = random(seed);
  return writeRows(path, 'x,y,c', rows, () => {
    const x = (gaussian(next) + shift).toFixed(6);
    const y = Math.floor(next() * 50 + shift * 5);
    const c = String.fromCharCode(97 + Math.min(25, Math.floor(-Math.log(1 - next()) * (3 + shift))));
    return `${x},${y},${c}`;
  });
}

export const MIXED_CONTRACT = {
  name: 'bench-mixed',
  minRows: 1,
  allowExtraColumns: false,
  columns: [
    { name: 'id', type: 'integer', nullable: false, min: 0 },
    { name: 'age', type: 'integer', min: 18, max: 120 },
    { name: 'income', type: 'number', min: 0 },
    { name: 'score', type: 'number', min: 0, max: 1 },
    { name: 'sex', type: 'categorical', allowed: ['F', 'M', 'X'] },
    { name: 'region', type: 'categorical' },
    { name: 'email', type: 'string', pii: true },
    { name: 'approved', type: 'boolean' },
    { name: 'label', type: 'integer', min: 0, max: 1 },
    { name: 'prediction', type: 'integer', min: 0, max: 1 },
    { name: 'group', type: 'categorical' },
  ],
};
