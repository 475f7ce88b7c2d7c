/**
 * Bias gates in the report: per model version, the pre- and post-training reports of the bias handler with every
 * metric against its threshold and the gate's own verdict per metric (the handler's `failed` list, so the report
 * never judges differently from the gate).
 */
import { formatNumber } from './format';
import { asNumber, asObject, asString, type Fields } from './fields';
import { html, type SafeHtml } from './html';
import type { ReportDocument, VersionView } from './versions';

export type MetricResult = 'pass' | 'fail' | 'no threshold';

export interface BiasRow {
  readonly metric: string;
  readonly value: number | undefined;
  readonly threshold: number | undefined;
  readonly result: MetricResult;
}

/** The rows of one bias report: metrics with a threshold first, each list in the report's order. */
export function biasRows(document: Fields): BiasRow[] {
  const thresholds = asObject(document.thresholds);
  const failed = new Set(Array.isArray(document.failed) ? document.failed.map(String) : []);
  const values = { ...asObject(document.pretraining), ...asObject(document.posttraining) };
  const rows = Object.entries(values).map(([metric, raw]): BiasRow => {
    const threshold = asNumber(thresholds[metric]);
    const result: MetricResult = failed.has(metric) ? 'fail' : threshold === undefined ? 'no threshold' : 'pass';
    return { metric, value: asNumber(raw), threshold, result };
  });
  return [...rows.filter((row) => row.threshold !== undefined), ...rows.filter((row) => row.threshold === undefined)];
}

export function biasSection(versions: readonly VersionView[]): SafeHtml {
  const reports = versions.flatMap((version) => {
    const stages = [version.preTrainingBias, version.postTrainingBias].flatMap((report, index) =>
      report === undefined ? [] : [biasReport(version.modelVersion, index === 0 ? 'pre' : 'post', report)],
    );
    return stages.length === 0 ? [] : [html`<div class="bias-version">${stages}</div>`];
  });
  return html`<section id="bias">
    <h2>Bias gates</h2>
    <p class="note">
      SageMaker Clarify's metrics (CONTRACTS.md). A metric with a threshold fails when its absolute value is above it
      (DI: outside [t, 1/t], the four-fifths rule); the bar shows the value as a share of twice its threshold, the tick
      marks the threshold.
    </p>
    ${reports.length === 0 ? html`<p class="empty">No bias report in this run.</p>` : reports}
  </section>`;
}

function biasReport(version: number, stage: 'pre' | 'post', report: ReportDocument): SafeHtml {
  const document = report.document;
  if (document === undefined) {
    return html`<article class="bias-report" data-version="${version}" data-stage="${stage}">
      <h3>v${version} · ${stage}-training</h3>
      <p class="empty">The report ${report.key} is not in this export.</p>
    </article>`;
  }
  const facet = asObject(document.facet);
  const verdict = asString(document.verdict) ?? 'unknown';
  const rows = asNumber(asObject(document.counts).rows);
  return html`<article class="bias-report" data-version="${version}" data-stage="${stage}" data-verdict="${verdict}">
    <h3>
      v${version} · ${stage}-training bias · facet ${asString(facet.column) ?? '?'} = ${asString(facet.value) ?? '?'}
      ${rows === undefined ? '' : ` · ${rows} rows`} <span class="badge ${verdict}">${verdict}</span>
    </h3>
    <table class="bias">
      <thead>
        <tr>
          <th>metric</th>
          <th class="num">value</th>
          <th class="num">threshold</th>
          <th>against threshold</th>
          <th>result</th>
        </tr>
      </thead>
      <tbody>
        ${biasRows(document).map(
          (row) =>
            html`<tr data-metric="${row.metric}" data-result="${row.result}">
              <td>${row.metric}</td>
              <td class="num">${row.value === undefined ? '—' : formatNumber(row.value)}</td>
              <td class="num">${row.threshold === undefined ? '—' : formatNumber(row.threshold)}</td>
              <td>${gauge(row)}</td>
              <td class="result ${row.result === 'no threshold' ? 'info' : row.result}">${row.result}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <p class="source">${report.key}</p>
  </article>`;
}

/** How far the value is towards (50 %) and past its threshold, up to twice it (100 %). */
function gauge(row: BiasRow): SafeHtml {
  if (row.threshold === undefined || row.value === undefined || Number.isNaN(row.value)) return html``;
  const ratio =
    row.metric === 'DI'
      ? Math.abs(1 - row.value) / Math.max(1e-12, Math.abs(1 - Math.min(row.threshold, 1 / row.threshold)))
      : Math.abs(row.value) / Math.max(1e-12, row.threshold);
  const percent = Math.min(100, (Number.isFinite(ratio) ? ratio : 2) * 50);
  return html`<div class="gauge ${row.result}" role="img" aria-label="${formatNumber(ratio)} of the threshold">
    <span style="width:${percent.toFixed(1)}%"></span><i></i>
  </div>`;
}
