/** What `npm pack` ships: built JS and declarations, the bundled handlers, the ASL files — no tests or caches. */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/cli';

interface PackResult {
  files: Array<{ path: string; size: number }>;
}

describe('the published package', () => {
  let paths: string[];
  beforeAll(() => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const run = spawnSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(run.status).toBe(0);
    const [result] = JSON.parse(run.stdout) as PackResult[];
    paths = result.files.map((file) => file.path);
  }, 120_000);

  it('contains the construct library, the CLI, every bundled handler and the state machine files', () => {
    expect(paths).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'dist/lib/index.js',
        'dist/lib/index.d.ts',
        'dist/local/cli.js',
        'dist/local/trainer/train.js',
        'statemachines/training.asl.json',
        'statemachines/deploy.asl.json',
        'statemachines/remediate.asl.json',
      ]),
    );
    const handlers = readdirSync(join(REPO_ROOT, 'lambdas', 'handlers')).filter((file) => file.endsWith('.ts'));
    expect(handlers.length).toBeGreaterThanOrEqual(11);
    for (const handler of handlers) expect(paths).toContain(`dist/lambdas/${handler.replace(/\.ts$/, '')}/index.mjs`);
  });

  it('contains no tests, sources, benchmarks, CI files or caches', () => {
    const unwanted = paths.filter(
      (path) =>
        /^(test|bench|coverage|cdk\.out|node_modules|docs|\.ci|scripts|test-output)\//.test(path) ||
        /\.test\.(js|ts)$/.test(path) ||
        (path.endsWith('.ts') && !path.endsWith('.d.ts')) ||
        /(^|\/)\.(git|eslintcache)/.test(path),
    );
    expect(unwanted).toEqual([]);
  });
});
