/**
 * The public API compiles with jsii (`npm run check:jsii`): no errors, no warnings, every exported class, interface and
 * enum in the assembly, and nothing written into the repository.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ts from 'typescript';
import { REPO_ROOT } from '../support/cli';

interface JsiiReport {
  readonly jsii: string;
  readonly typescript: string;
  /** Type name → `class`, `interface` or `enum`. */
  readonly types: Record<string, string>;
}

/** Outputs jsii writes next to the package.json it compiles. */
const JSII_OUTPUTS = ['.jsii', '.jsii.gz', 'tsconfig.tsbuildinfo', 'lib/index.js', 'lib/index.d.ts'];

const stagingDirectories = () => readdirSync(tmpdir()).filter((name) => name.startsWith('warden-jsii-'));

/** Classes, interfaces and enums exported from lib/index.ts, and those of them marked `@jsii ignore`. */
function exportedTypes(): { names: string[]; ignored: string[] } {
  const entry = join(REPO_ROOT, 'lib', 'index.ts');
  const program = ts.createProgram([entry], { noEmit: true, skipLibCheck: true, types: ['node'] });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(entry) as ts.SourceFile) as ts.Symbol;
  const symbols = checker
    .getExportsOfModule(module)
    .map((symbol) => (symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol))
    .filter((symbol) => symbol.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface | ts.SymbolFlags.Enum));
  const isIgnored = (symbol: ts.Symbol) =>
    (symbol.declarations ?? []).some((declaration) =>
      ts
        .getJSDocTags(declaration)
        .some((tag) => tag.tagName.text === 'jsii' && /^ignore\b/.test(ts.getTextOfJSDocComment(tag.comment) ?? '')),
    );
  return {
    names: symbols.filter((symbol) => !isIgnored(symbol)).map((symbol) => symbol.name),
    ignored: symbols.filter(isIgnored).map((symbol) => symbol.name),
  };
}

describe('jsii compatibility of the public API', () => {
  let run: SpawnSyncReturns<string>;
  let report: JsiiReport;
  let tsconfigBefore: string;
  let stagingBefore: string[];

  beforeAll(() => {
    tsconfigBefore = readFileSync(join(REPO_ROOT, 'tsconfig.json'), 'utf8');
    stagingBefore = stagingDirectories();
    const scratch = mkdtempSync(join(tmpdir(), 'jsii-report-'));
    try {
      const reportFile = join(scratch, 'report.json');
      run = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'check-jsii.mjs'), '--report', reportFile], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 240_000,
      });
      report = existsSync(reportFile)
        ? (JSON.parse(readFileSync(reportFile, 'utf8')) as JsiiReport)
        : { jsii: '', typescript: '', types: {} };
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }, 300_000);

  it('compiles with jsii 5.9 (TypeScript 5.9) without errors or warnings', () => {
    const output = `${run.stdout}\n${run.stderr}`;
    expect({ status: run.status, diagnostics: output.match(/^.*\b(error|warning) (JSII|TS)\d+.*$/gm) ?? [] }).toEqual({
      status: 0,
      diagnostics: [],
    });
    expect(output).toMatch(/Errors: 0 \| Warnings: 0\b/);
    expect(report.jsii).toMatch(/^5\.9\./);
    expect(report.typescript).toMatch(/^5\.9\./);
  });

  it('has every exported class, interface and enum in the assembly', () => {
    const { names, ignored } = exportedTypes();
    expect(names.length).toBeGreaterThan(30);
    expect(names.filter((name) => !(name in report.types))).toEqual([]);
    // TypeScript-only exports must stay few and deliberate.
    expect(ignored).toEqual(['WardenRule']);
  });

  it('leaves nothing behind in the repository or the temp directory', () => {
    expect(JSII_OUTPUTS.filter((file) => existsSync(join(REPO_ROOT, file)))).toEqual([]);
    expect(readFileSync(join(REPO_ROOT, 'tsconfig.json'), 'utf8')).toBe(tsconfigBefore);
    expect(stagingDirectories().filter((name) => !stagingBefore.includes(name))).toEqual([]);
  });
});
