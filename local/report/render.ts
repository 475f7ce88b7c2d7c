/**
 * The HTML run report: one self-contained file (styles, the chart library, its data and the chart script inline; a
 * Content-Security-Policy that allows no network request and only the report's own scripts, by hash) with the
 * lineage graph, the bias gates, drift per feature, the execution timeline and the audit verdict of one run.
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from '../../lambdas/shared/errors';
import type { ChartLibrary } from './assets';
import { auditSection } from './audit-section';
import { biasSection } from './bias-section';
import { CHART_SCRIPT } from './chart-script';
import { driftCharts, driftSection } from './drift-section';
import type { RunExport } from './export-files';
import { formatDuration } from './format';
import { html, inlineScript, inlineStyle, jsonScript } from './html';
import { lineageGraph, lineageSvg } from './lineage-graph';
import { REPORT_CSS } from './report-css';
import { runSpan, timelineSection } from './timeline-section';
import { modelVersions } from './versions';

export function renderReport(run: RunExport, library: ChartLibrary): string {
  const versions = modelVersions(run);
  const charts = driftCharts(run);
  const span = runSpan(run);
  const scripts = [
    inlineScript(library.script, `${library.name} ${library.version}`),
    inlineScript(CHART_SCRIPT, 'the chart script'),
  ];
  const policy = [
    "default-src 'none'",
    `script-src ${scripts.map((script) => script.source).join(' ')}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const regions = [...new Set(run.summary.endpoints.map((endpoint) => endpoint.region))];
  const { summary } = run;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta http-equiv="Content-Security-Policy" content="${policy}" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Warden run report: ${summary.scenario}</title>
        ${inlineStyle(library.css, `${library.name} ${library.version} CSS`)}
        ${inlineStyle(REPORT_CSS, 'the report CSS')}
      </head>
      <body>
        <header>
          <h1>
            Warden run report <span class="scenario">${summary.scenario}</span>
            <span class="badge ${summary.ok ? 'pass' : 'fail'}" id="outcome">${summary.ok ? 'OK' : 'NOT OK'}</span>
          </h1>
          <p class="facts">
            ${[
              `${formatDuration(summary.durationMs)} wall time`,
              `${formatDuration(summary.virtualMs ?? span.end - span.start)} on the virtual clock`,
              `${versions.length} model version${versions.length === 1 ? '' : 's'}`,
              regions.length === 0
                ? 'no endpoint'
                : `${regions.length} serving region${regions.length === 1 ? '' : 's'} (${regions.join(', ')})`,
              `${run.executions.length} executions`,
              `${run.events.length} events`,
              `audit ${summary.audit.valid ? 'valid' : 'BROKEN'}`,
            ].join(' · ')}
          </p>
          ${
            summary.failures.length === 0
              ? ''
              : html`<div class="failures">
                  <p>Expected but did not happen:</p>
                  <ul>
                    ${summary.failures.map((failure) => html`<li>${failure}</li>`)}
                  </ul>
                </div>`
          }
          <nav>
            <a href="#lineage">Lineage</a><a href="#bias">Bias</a><a href="#drift">Drift</a
            ><a href="#timeline">Timeline</a> <a href="#audit">Audit</a>
          </nav>
        </header>
        <main>
          <section id="lineage">
            <h2>Lineage</h2>
            <p class="note">
              One lane per model version: the dataset it was trained on, the data-contract and bias checks, the training
              job, the evaluation and post-training bias check on the holdout, the version's status, and its deployments
              per region (a thick border: serving traffic now). Hover a node for its full name or report key.
            </p>
            ${versions.length === 0 ? html`<p class="empty">No model version was recorded.</p>` : html`<div class="graph">${lineageSvg(lineageGraph(versions))}</div>`}
          </section>
          ${biasSection(versions)} ${driftSection(charts, run.driftMetrics)} ${timelineSection(run)}
          ${auditSection(run.audit, summary.audit.valid)}
        </main>
        <footer>
          Rendered by warden from the run's export. Charts: ${library.name} ${library.version} (MIT), inlined.
        </footer>
        ${jsonScript('warden-report-data', { drift: charts })} ${scripts.map((script) => script.element)}
      </body>
    </html> `.value;
}

/** Throws an input error when the report cannot be written to `path` (checked before a run, not after it). */
export function checkReportPath(path: string): void {
  const folder = dirname(path);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new InputError(`Cannot write the report to ${path}: the directory ${folder} does not exist.`);
  }
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new InputError(`Cannot write the report to ${path}: it is a directory.`);
  }
}

/** Renders and writes the report; returns its size in bytes. */
export function writeReport(path: string, run: RunExport, library: ChartLibrary): number {
  checkReportPath(path);
  const text = renderReport(run, library);
  try {
    writeFileSync(path, text);
  } catch (error) {
    throw new InputError(`Cannot write the report to ${path}: ${(error as Error).message}.`);
  }
  return Buffer.byteLength(text);
}
