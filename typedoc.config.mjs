// API reference of the construct library (`npm run docs`, into docs/api/). Every exported member must be documented
// and every warning fails the run, so the reference stays complete.
import { OptionDefaults } from 'typedoc';

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  entryPoints: ['lib/index.ts'],
  tsconfig: 'tsconfig.build.json',
  out: 'docs/api',
  name: 'cdk-ml-warden',
  disableSources: true,
  // `@jsii ignore` and `@jsii suppress` are read by the jsii check (`npm run check:jsii`), not by people.
  blockTags: [...OptionDefaults.blockTags, '@jsii'],
  excludeTags: [...OptionDefaults.excludeTags, '@jsii'],
  validation: {
    notExported: true,
    invalidLink: true,
    notDocumented: true,
    invalidPath: true,
  },
  treatWarningsAsErrors: true,
};
