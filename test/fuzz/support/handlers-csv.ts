/**
 * Hostile CSV for the handlers that read tables (validate-data, check-bias, evaluate-model, detect-drift): the columns
 * of the credit-risk example family, with values a careless parser or report would trip on — NaN, Infinity and
 * `1e999` in numeric columns, formula-injection strings and `=`/`+`/`-`/`@` prefixes in categorical ones, prototype
 * member names as categories, a 5 MB cell now and then — in every line-end style, with or without a BOM, and in the
 * wrong encoding (Latin-1, UTF-16 with a BOM, invalid or truncated UTF-8), or with broken structure.
 *
 * Every value of the PII column (`email`, `pii: true` in examples/credit-risk/family.ts) carries a marker token of
 * its own; {@link HostileTable.pii} lists them, and none may ever appear in anything a handler writes, returns or logs.
 */
import fc from 'fast-check';
import { FORMULAS, NUMERIC_JUNK, PROTO_KEYS, giantString } from './handlers-hostile';

type CellKind = 'integer' | 'number' | 'sex' | 'region' | 'pii' | 'binary';

export interface ColumnSpec {
  readonly name: string;
  readonly kind: CellKind;
}

/** The columns of the example family's data contract, in contract order. */
export const DATASET_COLUMNS: readonly ColumnSpec[] = [
  { name: 'age', kind: 'integer' },
  { name: 'income', kind: 'number' },
  { name: 'debt_ratio', kind: 'number' },
  { name: 'sex', kind: 'sex' },
  { name: 'region', kind: 'region' },
  { name: 'email', kind: 'pii' },
  { name: 'label', kind: 'binary' },
];

/** Batch transform output joined with the holdout: the label first, the features, then the model's prediction. */
export const JOINED_COLUMNS: readonly ColumnSpec[] = [
  ...DATASET_COLUMNS.filter((column) => column.name === 'label'),
  ...DATASET_COLUMNS.filter((column) => column.name !== 'label'),
  { name: 'prediction', kind: 'binary' },
];
export type Encoding = 'utf8' | 'latin1' | 'utf16le-bom' | 'utf16be-bom' | 'invalid-utf8' | 'truncated-utf8';

/** Why a table cannot be read at all; a handler reading it in one pass must answer `Warden.InputError`. */
export type Unreadable = 'encoding' | 'structure' | 'empty';

export interface HostileTable {
  readonly bytes: Buffer;
  /** Marker tokens of the PII values in the table. */
  readonly pii: readonly string[];
  /** The column names as the header row has them (or as the event must give them, for a table without one). */
  readonly columns: readonly string[];
  readonly header: boolean;
  readonly encoding: Encoding;
  readonly unreadable?: Unreadable;
}

const SEXES = ['F', 'M', 'X'] as const;
const REGIONS = ['north', 'south', 'east', 'Zürich', 'west coast', 'a,b', 'say "hi"'] as const;
const PREFIXES = ['=', '+', '-', '@'] as const;

const blank = fc.constant('');
const formula = fc.constantFrom(...FORMULAS);
const junk = fc.constantFrom(...NUMERIC_JUNK);

function cell(kind: Exclude<CellKind, 'pii'>): fc.Arbitrary<string> {
  switch (kind) {
    case 'integer':
      return fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: 18, max: 120 }).map(String) },
        { weight: 1, arbitrary: fc.integer({ min: -1000, max: 1000 }).map(String) },
        { weight: 1, arbitrary: fc.constantFrom('30.5', '+40', '1e2', '007') },
        { weight: 2, arbitrary: junk },
        { weight: 1, arbitrary: formula },
        { weight: 1, arbitrary: blank },
      );
    case 'number':
      return fc.oneof(
        { weight: 6, arbitrary: fc.double({ min: 0, max: 1e6, noNaN: true }).map((value) => String(value)) },
        { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => String(value)) },
        { weight: 1, arbitrary: fc.constantFrom('1.5e3', '-2.25', '.5', '5.', '1E-7', '1e308', '-1e308') },
        { weight: 2, arbitrary: junk },
        { weight: 1, arbitrary: formula },
        { weight: 1, arbitrary: blank },
      );
    case 'sex':
      return fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom(...SEXES) },
        {
          weight: 2,
          arbitrary: fc.tuple(fc.constantFrom(...PREFIXES), fc.constantFrom(...SEXES)).map(([p, s]) => `${p}${s}`),
        },
        { weight: 1, arbitrary: formula },
        { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS) },
        { weight: 1, arbitrary: blank },
      );
    case 'region':
      return fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...REGIONS) },
        { weight: 2, arbitrary: fc.constantFrom(...PROTO_KEYS) },
        {
          weight: 2,
          arbitrary: fc.tuple(fc.constantFrom(...PREFIXES), fc.constantFrom(...REGIONS)).map(([p, r]) => `${p}${r}`),
        },
        { weight: 1, arbitrary: formula },
        { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
        { weight: 1, arbitrary: blank },
      );
    case 'binary':
      return fc.oneof(
        { weight: 10, arbitrary: fc.constantFrom('0', '1') },
        { weight: 1, arbitrary: fc.constantFrom('2', '-1', 'yes', '1.0', ' 1', '=1', '@0') },
        { weight: 1, arbitrary: junk },
        { weight: 1, arbitrary: blank },
      );
  }
}

/** How a PII value looks around its marker: plain, formula-prefixed, with CSV metacharacters, or empty. */
const piiShape = fc.constantFrom(
  (marker: string) => `${marker}@example.com`,
  (marker: string) => `${FORMULAS[0]}${marker}`,
  (marker: string) => `=HYPERLINK("mailto:${marker}@example.com")`,
  (marker: string) => `+${marker}@example.com`,
  (marker: string) => `-${marker}`,
  (marker: string) => `@${marker}`,
  (marker: string) => `"${marker}", <${marker}@example.com>`,
  (marker: string) => `${marker}\r\n@example.com`,
  (marker: string) => `josé.${marker}@example.com`,
  () => '',
);

type Structure = 'none' | 'unclosed-quote' | 'text-after-quote' | 'extra-field' | 'missing-field';

interface Plan {
  readonly order: readonly number[];
  readonly drop: number | undefined;
  readonly extra: string | undefined;
  readonly header: boolean;
  readonly quoteHeader: boolean;
  readonly rows: readonly (readonly string[])[];
  readonly shapes: readonly ((marker: string) => string)[];
  readonly nonce: number;
  readonly lineEnd: '\n' | '\r\n' | '\r' | 'mixed';
  readonly trailingLineEnd: boolean;
  readonly blankLines: boolean;
  readonly bom: boolean;
  readonly encoding: Encoding;
  readonly invalidBytes: readonly number[];
  readonly invalidAt: number;
  readonly structure: Structure;
  readonly target: { readonly row: number; readonly column: number };
  readonly giant: boolean;
  readonly forceQuote: boolean;
  readonly empty: boolean;
}

const INVALID_SEQUENCES = [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0x80], [0xc3, 0x28], [0xf8, 0x88, 0x80, 0x80]];
const EXTRA_NAMES = ['__proto__', 'constructor', FORMULAS[0], '', 'ü', 'email ', 'x'];

/**
 * Hostile tables over `columns`. `header`: whether the first row names the columns (`'either'` picks per table; a
 * table without one is read with the column names its event gives); `maxRows` (default 30); one table in `giantOdds`
 * (default 40) has a 5 MB cell.
 */
export function hostileTables(
  columns: readonly ColumnSpec[],
  options: { header: boolean | 'either'; maxRows?: number; giantOdds?: number } = { header: true },
): fc.Arbitrary<HostileTable> {
  const maxRows = options.maxRows ?? 30;
  const giantOdds = options.giantOdds ?? 40;
  const width = columns.length + 1;
  const row = fc.tuple(...columns.map((column) => (column.kind === 'pii' ? fc.constant('') : cell(column.kind))));
  const plan: fc.Arbitrary<Plan> = fc.record({
    order: fc.oneof(
      { weight: 3, arbitrary: fc.constant(columns.map((_, i) => i)) },
      {
        weight: 1,
        arbitrary: fc.shuffledSubarray(
          columns.map((_, i) => i),
          { minLength: columns.length },
        ),
      },
    ),
    drop: fc.option(fc.nat({ max: columns.length - 1 }), { freq: 8, nil: undefined }),
    extra: fc.option(fc.constantFrom(...EXTRA_NAMES), { freq: 6, nil: undefined }),
    header: options.header === 'either' ? fc.boolean() : fc.constant(options.header),
    quoteHeader: fc.boolean(),
    rows: fc.array(row, { maxLength: maxRows }),
    shapes: fc.array(piiShape, { minLength: maxRows, maxLength: maxRows }),
    nonce: fc.integer({ min: 100_000, max: 999_999_999 }),
    lineEnd: fc.constantFrom('\n', '\r\n', '\r', 'mixed'),
    trailingLineEnd: fc.boolean(),
    blankLines: fc.boolean(),
    bom: fc.boolean(),
    encoding: fc.oneof(
      { weight: 14, arbitrary: fc.constant<Encoding>('utf8') },
      {
        weight: 5,
        arbitrary: fc.constantFrom<Encoding>('latin1', 'utf16le-bom', 'utf16be-bom', 'invalid-utf8', 'truncated-utf8'),
      },
    ),
    invalidBytes: fc.constantFrom(...INVALID_SEQUENCES),
    invalidAt: fc.nat(),
    structure: fc.oneof(
      { weight: 16, arbitrary: fc.constant<Structure>('none') },
      {
        weight: 4,
        arbitrary: fc.constantFrom<Structure>('unclosed-quote', 'text-after-quote', 'extra-field', 'missing-field'),
      },
    ),
    target: fc.record({ row: fc.nat(), column: fc.nat({ max: width }) }),
    giant: fc.nat({ max: giantOdds - 1 }).map((n) => n === 0),
    forceQuote: fc.boolean(),
    empty: fc.nat({ max: 49 }).map((n) => n === 0),
  });
  return plan.map((p) => render(columns, p));
}

let giantDigits: string | undefined;

function render(columns: readonly ColumnSpec[], p: Plan): HostileTable {
  const kept = p.order.filter((index) => index !== p.drop || p.order.length === 1);
  const names = kept.map((index) => columns[index].name);
  if (p.extra !== undefined) names.push(p.extra);
  // An unclosed quote may swallow the rest of the file into one field of another column: PII values would then be
  // read as that column's, so such a table carries none.
  const markers = p.structure !== 'unclosed-quote';
  const pii: string[] = [];
  const target = {
    row: p.rows.length === 0 ? -1 : p.target.row % p.rows.length,
    column: p.target.column % names.length,
  };
  const lines: string[] = [];
  if (p.header) lines.push(names.map((name) => field(name, p.quoteHeader)).join(','));
  p.rows.forEach((values, r) => {
    const fields = kept.map((index, c) => {
      const column = columns[index];
      let value = values[index];
      if (column.kind === 'pii') {
        const marker = `pii${p.nonce}r${r}x`;
        value = markers ? p.shapes[r](marker) : `row${r}@example.com`;
        if (markers && value.includes(marker)) pii.push(marker);
      }
      if (p.giant && r === target.row && c === target.column) value = giant(column.kind, value);
      return { value, c };
    });
    if (p.extra !== undefined) fields.push({ value: `x${r}`, c: fields.length });
    let cells = fields.map(({ value, c }) => {
      if (r !== target.row || c !== target.column) return field(value, p.forceQuote);
      if (p.structure === 'unclosed-quote') return `"${value}`;
      if (p.structure === 'text-after-quote') return `"${value.replace(/"/g, '""')}"x`;
      return field(value, p.forceQuote);
    });
    if (r === target.row && p.structure === 'extra-field') cells = [...cells, 'surplus'];
    if (r === target.row && p.structure === 'missing-field') cells = cells.slice(0, -1);
    lines.push(cells.join(','));
    if (p.blankLines && r % 3 === 1) lines.push('');
  });
  const text = p.empty ? '' : join(lines, p);
  const unreadable = unreadableBecause(p, target.row >= 0);
  const table: HostileTable = {
    bytes: encode(text, p),
    pii: p.empty ? [] : pii,
    columns: names,
    header: p.header,
    encoding: p.encoding,
    ...(unreadable === undefined ? {} : { unreadable }),
  };
  // A counterexample shows the table's recipe and its first characters, not megabytes of bytes.
  const summary = {
    encoding: p.encoding,
    header: p.header,
    columns: names,
    rows: p.rows.length,
    structure: p.structure,
    target,
    giant: p.giant,
    lineEnd: p.lineEnd,
    bom: p.bom,
    text: text.slice(0, 400),
  };
  Object.defineProperty(table, fc.toStringMethod, { value: () => `HostileTable(${JSON.stringify(summary)})` });
  return table;
}

function unreadableBecause(p: Plan, hasTarget: boolean): Unreadable | undefined {
  // Even an empty text is unreadable in these: their BOM, appended or inserted bytes are not UTF-8.
  if (p.encoding !== 'utf8') return 'encoding';
  if (p.empty && p.header) return 'empty';
  if (hasTarget && !p.empty && ['text-after-quote', 'extra-field', 'missing-field'].includes(p.structure)) {
    return 'structure';
  }
  return undefined;
}

function giant(kind: CellKind, value: string): string {
  if (kind === 'integer' || kind === 'number') {
    giantDigits ??= '9'.repeat(giantString().length);
    return giantDigits;
  }
  // A PII value keeps its marker in front of the 5 MB.
  return `${value}${giantString()}`;
}

function field(value: string, forceQuote: boolean): string {
  return forceQuote || /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function join(lines: readonly string[], p: Plan): string {
  const ends = ['\n', '\r\n', '\r'];
  let text = '';
  lines.forEach((line, i) => {
    const end = p.lineEnd === 'mixed' ? ends[i % ends.length] : p.lineEnd;
    text += i < lines.length - 1 || p.trailingLineEnd ? `${line}${end}` : line;
  });
  return text;
}

function encode(text: string, p: Plan): Buffer {
  switch (p.encoding) {
    case 'utf8':
      return Buffer.concat([Buffer.from(p.bom ? [0xef, 0xbb, 0xbf] : []), Buffer.from(text, 'utf8')]);
    case 'latin1':
      // Latin-1 differs from UTF-8 only beyond ASCII: make sure there is something there.
      return Buffer.from(`${text}é`, 'latin1');
    case 'utf16le-bom':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    case 'utf16be-bom':
      return Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
    case 'invalid-utf8': {
      const bytes = Buffer.from(text, 'utf8');
      const at = bytes.length === 0 ? 0 : p.invalidAt % bytes.length;
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(p.invalidBytes), bytes.subarray(at)]);
    }
    case 'truncated-utf8':
      // The first two bytes of the three of "€".
      return Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from([0xe2, 0x82])]);
  }
}
