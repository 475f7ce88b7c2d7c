// Compiles the public API (lib/index.ts, the package's "types" entry) with jsii and fails on any jsii error or
// warning. jsii writes `.jsii`, compiled JavaScript and build info next to the package.json it compiles, so it runs on
// a staging copy in the OS temp directory, which is removed afterwards; the repository is left untouched.
//
//   node scripts/check-jsii.mjs [--report <file>]
//
// --report writes the assembly's types ({ name: kind }) and the jsii and TypeScript versions as JSON.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const installedVersion = (name) => readJson(join(root, 'node_modules', name, 'package.json')).version;

/** `^2.276.0` → `2.276.0`; the peer ranges are all of this form. */
function lowestVersion(range) {
  const match = /^[\^~]?(\d+\.\d+\.\d+)$/.exec(range);
  if (match === null) throw new Error(`Cannot tell the lowest version of the peer range ${range}`);
  return match[1];
}

const reportIndex = process.argv.indexOf('--report');
const reportFile = reportIndex === -1 ? undefined : process.argv[reportIndex + 1];

const pkg = readJson(join(root, 'package.json'));
const peers = pkg.peerDependencies ?? {};
// What jsii needs beyond what npm needs. package.json has no author or repository yet and the package builds no
// language targets: jsii requires the two fields, so placeholders stand in; neither affects which types it accepts.
const stagedPackage = {
  name: pkg.name,
  version: pkg.version,
  description: pkg.description,
  license: pkg.license,
  author: { name: 'placeholder', organization: true },
  repository: { type: 'git', url: 'https://example.invalid/placeholder.git' },
  main: 'out/lib/index.js',
  types: 'out/lib/index.d.ts',
  dependencies: pkg.dependencies,
  // jsii packages carry non-jsii runtime dependencies (zod, commander) bundled; they never appear in the API.
  bundledDependencies: Object.keys(pkg.dependencies ?? {}),
  peerDependencies: peers,
  // jsii warns unless every peer is also a devDependency on the lowest version its range allows.
  devDependencies: Object.fromEntries(Object.entries(peers).map(([name, range]) => [name, lowestVersion(range)])),
  jsii: { outdir: 'dist', targets: {}, tsconfig: 'tsconfig.jsii.json', validateTsconfig: 'strict' },
};
// The repository's compiler options, restricted to what jsii's strict rule set accepts.
const stagedTsconfig = {
  compilerOptions: {
    target: 'ES2022',
    module: 'commonjs',
    lib: ['ES2022'],
    types: ['node'],
    strict: true,
    noUnusedLocals: true,
    noUnusedParameters: true,
    noImplicitReturns: true,
    noFallthroughCasesInSwitch: true,
    esModuleInterop: true,
    resolveJsonModule: true,
    skipLibCheck: true,
    declaration: true,
    noEmitOnError: true,
    rootDir: '.',
    outDir: 'out',
  },
  files: ['lib/index.ts'],
};

const staging = mkdtempSync(join(tmpdir(), 'warden-jsii-'));
const modules = join(staging, 'node_modules');
let status = 1;
try {
  for (const entry of ['lib', 'lambdas', 'README.md'])
    cpSync(join(root, entry), join(staging, entry), { recursive: true });
  writeFileSync(join(staging, 'package.json'), JSON.stringify(stagedPackage, null, 2));
  writeFileSync(join(staging, 'tsconfig.jsii.json'), JSON.stringify(stagedTsconfig, null, 2));
  symlinkSync(join(root, 'node_modules'), modules, 'junction');

  const jsii = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'jsii', 'bin', 'jsii'), staging, '--fail-on-warnings'],
    {
      cwd: staging,
      stdio: 'inherit',
    },
  );
  status = jsii.status ?? 1;
  const assemblyFile = join(staging, '.jsii');
  if (status === 0 && existsSync(assemblyFile)) {
    const assembly = readJson(assemblyFile);
    const types = Object.fromEntries(Object.values(assembly.types ?? {}).map((type) => [type.name, type.kind]));
    const count = (kind) => Object.values(types).filter((candidate) => candidate === kind).length;
    process.stdout.write(
      `jsii ${installedVersion('jsii')} (TypeScript ${installedVersion('typescript')}): ${Object.keys(types).length} types ` +
        `(${count('class')} classes, ${count('interface')} interfaces, ${count('enum')} enums), no errors or warnings\n`,
    );
    if (reportFile !== undefined) {
      const versions = { jsii: installedVersion('jsii'), typescript: installedVersion('typescript') };
      writeFileSync(reportFile, JSON.stringify({ ...versions, types }, null, 2));
    }
  } else if (status === 0) {
    process.stderr.write('jsii exited successfully but wrote no assembly\n');
    status = 1;
  }
} finally {
  // Remove the link first so that removing the staging directory cannot reach into the real node_modules.
  if (existsSync(modules)) unlinkSync(modules);
  rmSync(staging, { recursive: true, force: true });
}
process.exit(status);
