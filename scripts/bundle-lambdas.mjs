// Bundles every lambdas/handlers/<name>.ts into dist/lambdas/<name>/index.mjs (ESM, Node 22, minified, source maps).
import { build } from 'esbuild';
import { readdirSync, existsSync } from 'node:fs';
import { join, basename } from 'node:path';

const handlersDir = join(import.meta.dirname, '..', 'lambdas', 'handlers');
const entries = existsSync(handlersDir) ? readdirSync(handlersDir).filter((file) => file.endsWith('.ts')) : [];

await Promise.all(
  entries.map((file) =>
    build({
      entryPoints: [join(handlersDir, file)],
      outfile: join(import.meta.dirname, '..', 'dist', 'lambdas', basename(file, '.ts'), 'index.mjs'),
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      // The ES module builds of the AWS SDK tree-shake to the commands a handler sends; the CommonJS ones ("main",
      // esbuild's first choice for Node) bring every command of a client and cost about 100 KB gzipped per bundle.
      mainFields: ['module', 'main'],
      minify: true,
      sourcemap: true,
      legalComments: 'none',
      banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    }),
  ),
);
process.stderr.write(`bundled ${entries.length} handler${entries.length === 1 ? '' : 's'}\n`);
