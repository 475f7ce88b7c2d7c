// Validates one file in this fresh process and prints its peak resident set size, so memory is measured per file.
import { createReadStream, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const dist = join(import.meta.dirname, '..', 'dist', 'lambdas', 'stats');
const { readCsv } = require(join(dist, 'csv.js'));
const { parseContract } = require(join(dist, 'contract.js'));
const { DatasetValidator } = require(join(dist, 'validate.js'));

const [file, contractPath] = process.argv.slice(2);
const validator = new DatasetValidator(parseContract(JSON.parse(readFileSync(contractPath, 'utf8'))));
await readCsv(createReadStream(file, { highWaterMark: 1024 * 1024 }), validator);
const report = validator.report();
process.stdout.write(JSON.stringify({ rows: report.rows, peakRssMB: process.resourceUsage().maxRSS / 1024 }));
