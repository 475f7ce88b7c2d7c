/**
 * `npm run bench:fanout`: how validating one dataset and counting its pre-training bias grow with its size in one
 * process (the single path: two passes, as ValidateData then PreTrainingBias), against the modelled Distributed Map
 * fan-out (plan the byte ranges; each child validates its range, then counts its bias; merge both serialized states).
 * Everything runs in this process on the same files; the fan-out's wall time is modelled as
 * plan + the slowest child + merges, since Step Functions runs the children side by side.
 */
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SplitPlanner } from '../lambdas/core/split-plan';
import { BiasCounts, type BiasSpec } from '../lambdas/stats/bias-counts';
import { parseContract } from '../lambdas/stats/contract';
import { parseCsv, readCsv } from '../lambdas/stats/csv';
import {
  deserializeBiasCounts,
  deserializeValidator,
  serializeBiasCounts,
  serializeValidator,
} from '../lambdas/stats/serialization';
import { DatasetValidator } from '../lambdas/stats/validate';

const PART_BYTES = Number(process.env.BENCH_PART_BYTES ?? 16 * 1024 * 1024);
const SIZES = (process.env.BENCH_FANOUT_ROWS ?? '250000,500000,1000000,2000000').split(',').map(Number);
const out = join(__dirname, 'out');
const BIAS: BiasSpec = { label: 'label', facet: 'sex', facetValue: 'F', group: 'group' };

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  const { MIXED_CONTRACT, writeMixed } = (await import(join(__dirname, 'generate.mjs'))) as {
    MIXED_CONTRACT: unknown;
    writeMixed: (path: string, rows: number, seed: number) => Promise<void>;
  };
  const contract = parseContract(MIXED_CONTRACT);
  const results = [];
  for (const rows of SIZES) {
    const file = join(out, `mixed-${rows}.csv`);
    if (!existsSync(file)) await writeMixed(file, rows, 7);
    const salt = 'bench';

    let start = performance.now();
    const single = new DatasetValidator(contract, { piiSalt: salt });
    await readCsv(createReadStream(file, { highWaterMark: 1 << 20 }), single);
    const singleBias = new BiasCounts(BIAS);
    await readCsv(createReadStream(file, { highWaterMark: 1 << 20 }), singleBias);
    const singleSeconds = (performance.now() - start) / 1000;

    start = performance.now();
    const planner = new SplitPlanner({ partBytes: PART_BYTES });
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) planner.push(chunk as Buffer);
    const plan = planner.end();
    const planSeconds = (performance.now() - start) / 1000;

    const bytes = readFileSync(file);
    const states: string[] = [];
    const biasStates: string[] = [];
    let slowestPart = 0;
    for (const [index, part] of plan.parts.entries()) {
      const partStart = performance.now();
      const range = bytes.subarray(part.start, part.end);
      const options = index === 0 ? {} : { header: plan.header, firstRow: part.firstRow };
      const validator = new DatasetValidator(contract, { piiSalt: salt });
      parseCsv(range, validator, options);
      states.push(serializeValidator(validator));
      const bias = new BiasCounts(BIAS);
      parseCsv(range, bias, options);
      biasStates.push(serializeBiasCounts(bias));
      slowestPart = Math.max(slowestPart, (performance.now() - partStart) / 1000);
    }

    start = performance.now();
    const merged = deserializeValidator(states[0], contract);
    for (const state of states.slice(1)) merged.merge(deserializeValidator(state, contract));
    const report = merged.report();
    const mergedBias = deserializeBiasCounts(biasStates[0], BIAS);
    for (const state of biasStates.slice(1)) mergedBias.merge(deserializeBiasCounts(state, BIAS));
    const mergeSeconds = (performance.now() - start) / 1000;
    if (report.rows !== single.report().rows) throw new Error('The merged validation disagrees with the single pass.');
    if (serializeBiasCounts(mergedBias) !== serializeBiasCounts(singleBias)) {
      throw new Error('The merged bias counts disagree with the single pass.');
    }

    results.push({
      rows,
      mebibytes: statSync(file).size / 2 ** 20,
      parts: plan.parts.length,
      singleProcessSeconds: singleSeconds,
      fanOut: {
        planSeconds,
        slowestPartSeconds: slowestPart,
        mergeSeconds,
        modelledSeconds: planSeconds + slowestPart + mergeSeconds,
      },
    });
  }
  const base = results[0];
  process.stdout.write(
    `${JSON.stringify(
      {
        partBytes: PART_BYTES,
        results: results.map((result) => ({
          ...result,
          singleGrowth: result.singleProcessSeconds / base.singleProcessSeconds,
          fanOutGrowth: result.fanOut.modelledSeconds / base.fanOut.modelledSeconds,
        })),
        note: 'The plan is one streaming scan of the object, so it grows with size too; Map child start-up latency is not modelled.',
      },
      null,
      2,
    )}\n`,
  );
}

void main();
