/** Datasets and contracts the handler tests share: small, generated from a seed, with the CSV features that bite. */
import { seededRandom } from '../../support/random';

export { seededRandom };

export const CONTRACT = {
  name: 'credit-applications',
  minRows: 10,
  allowExtraColumns: true,
  columns: [
    { name: 'age', type: 'integer', nullable: false, min: 18, max: 120 },
    { name: 'income', type: 'number', min: 0 },
    { name: 'sex', type: 'categorical', allowed: ['F', 'M', 'X'] },
    { name: 'member', type: 'boolean' },
    { name: 'note', type: 'string' },
    { name: 'email', type: 'string', pii: true },
    { name: 'approved', type: 'categorical', allowed: ['0', '1'] },
  ],
};

export interface DatasetOptions {
  readonly rows: number;
  readonly seed?: number;
  /** Line end between records. @default '\r\n' */
  readonly lineEnd?: string;
  /** Starts with a UTF-8 byte-order mark. @default true */
  readonly bom?: boolean;
  /** Rows (1-based) whose age is out of range, to make the dataset fail its contract. @default none */
  readonly badAgeRows?: readonly number[];
  /** Share of rows in facet F with a positive label (`approved` = 1). @default 0.5 */
  readonly approvalF?: number;
  /** Share of rows in facet M with a positive label. @default 0.5 */
  readonly approvalM?: number;
}

/**
 * A credit-applications CSV: CRLF line ends, a BOM, quoted fields with commas, escaped quotes and line breaks (CR, LF
 * and CRLF inside quotes), a quoted header name, empty fields and an extra column.
 */
export function creditCsv(options: DatasetOptions): string {
  const random = seededRandom(options.seed ?? 1);
  const lineEnd = options.lineEnd ?? '\r\n';
  const notes = ['plain', 'has, comma', 'said "yes"', 'two\nlines', 'carriage\rreturn', 'windows\r\nbreak', ''];
  const lines = ['age,income,sex,member,"note",email,approved,"extra, column"'];
  for (let row = 1; row <= options.rows; row++) {
    const sex = ['F', 'M', 'X'][Math.floor(random() * 3)];
    const age = options.badAgeRows?.includes(row) ? 150 : 18 + Math.floor(random() * 60);
    const income = random() < 0.05 ? '' : (random() * 100_000).toFixed(2);
    const rate = sex === 'F' ? (options.approvalF ?? 0.5) : (options.approvalM ?? 0.5);
    const note = notes[Math.floor(random() * notes.length)];
    lines.push(
      [
        String(age),
        income,
        sex,
        random() < 0.5 ? 'true' : '0',
        quote(note),
        `user${row}@example.com`,
        random() < rate ? '1' : '0',
        quote(`x${row}`),
      ].join(','),
    );
  }
  return `${options.bom === false ? '' : '\uFEFF'}${lines.join(lineEnd)}${lineEnd}`;
}

function quote(value: string): string {
  return /[",\r\n]/.test(value) || value.startsWith('x') ? `"${value.replace(/"/g, '""')}"` : value;
}
