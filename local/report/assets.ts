/**
 * The chart library inlined into every report: uPlot's minified browser build and its stylesheet, read from
 * node_modules at render time so that the report needs no network (uPlot is a development dependency, like the rest
 * of the local runtime).
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../../lambdas/shared/errors';

export interface ChartLibrary {
  readonly name: string;
  readonly version: string;
  /** The minified IIFE build; defines the global `uPlot`. */
  readonly script: string;
  readonly css: string;
}

const PACKAGE = 'uplot';

/**
 * Loads the library; a missing package is an input error that says how to get it.
 * @param resolve how module paths are found. @default require.resolve
 */
export function loadChartLibrary(resolve: (id: string) => string = require.resolve): ChartLibrary {
  try {
    const manifest = JSON.parse(readFileSync(resolve(`${PACKAGE}/package.json`), 'utf8')) as { version: string };
    return {
      name: PACKAGE,
      version: manifest.version,
      script: readFileSync(resolve(`${PACKAGE}/dist/uPlot.iife.min.js`), 'utf8'),
      css: readFileSync(resolve(`${PACKAGE}/dist/uPlot.min.css`), 'utf8'),
    };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'MODULE_NOT_FOUND' || code === 'ENOENT') {
      throw new InputError(
        `The HTML report inlines the chart library ${PACKAGE}, one of this package's development dependencies, and ` +
          'it is not installed: run `npm ci` in a clone of the repository (or `npm install --save-dev uplot`) and try again.',
      );
    }
    throw error;
  }
}
