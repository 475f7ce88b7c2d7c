/**
 * Drift in the report: per region, the PSI of every feature per drift-check window (the datapoints the drift handler
 * published and the feature alarms evaluated), as a chart drawn in the browser and as a table that needs no script.
 */
import type { RunExport } from './export-files';
import { formatNumber, formatTime } from './format';
import { html, type SafeHtml } from './html';
import type { DriftMetricSeries, ExecutionDetail } from './run-artifacts';

/** What the chart script reads for one region: aligned columns, as uPlot takes them. */
export interface DriftChartData {
  readonly region: string;
  readonly endpointName: string;
  /** Window ends, epoch seconds, ascending. */
  readonly times: number[];
  readonly series: Array<{
    readonly feature: string;
    readonly threshold: number;
    readonly values: Array<number | null>;
  }>;
  /** Decisions and deployments to mark on the time axis. */
  readonly markers: Array<{ readonly time: number; readonly label: string }>;
}

/** One chart per region that has any datapoint. */
export function driftCharts(run: RunExport): DriftChartData[] {
  const measured = run.driftMetrics.filter((series) => series.datapoints.length > 0);
  const regions = [...new Set(measured.map((series) => series.region))].sort();
  return regions.map((region) => {
    const series = run.driftMetrics.filter((candidate) => candidate.region === region && candidate.metric === 'Psi');
    const times = [
      ...new Set(series.flatMap((entry) => entry.datapoints.map((point) => Date.parse(point.timestamp) / 1000))),
    ].sort((a, b) => a - b);
    return {
      region,
      endpointName: series[0]?.endpointName ?? '',
      times,
      series: series.map((entry) => {
        const byTime = new Map(entry.datapoints.map((point) => [Date.parse(point.timestamp) / 1000, point.value]));
        return {
          feature: entry.feature,
          threshold: entry.threshold,
          values: times.map((time) => byTime.get(time) ?? null),
        };
      }),
      markers: markers(run.executions, region),
    };
  });
}

/** Remediations that acted on an alarm of the region, and deployments that finished in it. */
function markers(executions: readonly ExecutionDetail[], region: string): DriftChartData['markers'] {
  return executions.flatMap((execution) => {
    const remediation = execution.remediation;
    if (remediation !== null && remediation.alarmRegion === region && remediation.action !== 'suppressed') {
      return [{ time: Date.parse(execution.startDate) / 1000, label: remediation.action ?? 'remediation' }];
    }
    if (execution.stateMachine === 'deploy' && execution.region === region && execution.stopDate !== null) {
      const version = execution.modelVersion === null ? '' : `v${execution.modelVersion} `;
      const outcome = execution.status === 'SUCCEEDED' ? 'deployed' : (execution.error ?? 'failed');
      return [{ time: Date.parse(execution.stopDate) / 1000, label: `${version}${outcome}` }];
    }
    return [];
  });
}

export function driftSection(charts: readonly DriftChartData[], series: readonly DriftMetricSeries[]): SafeHtml {
  return html`<section id="drift">
    <h2>Drift per feature</h2>
    <p class="note">
      Population stability index (PSI) of each feature's captured traffic against the live version's training baseline,
      one point per drift-check window (its end), as published to CloudWatch; the dashed line is the feature alarm's
      threshold. Marks on the time axis: remediation decisions that acted and finished deployments.
    </p>
    ${
      charts.length === 0
        ? html`<p class="empty">
            No drift datapoints in this run: no drift check measured traffic against a live version.
          </p>`
        : charts.map((chart, index) => regionFigure(chart, index, series))
    }
  </section>`;
}

function regionFigure(chart: DriftChartData, index: number, all: readonly DriftMetricSeries[]): SafeHtml {
  const series = all.filter((entry) => entry.region === chart.region && entry.metric === 'Psi');
  return html`<figure class="drift" data-region="${chart.region}">
    <figcaption>${chart.region} · ${chart.endpointName} · PSI per feature</figcaption>
    <div class="drift-chart" data-drift-chart="${index}" data-region="${chart.region}"></div>
    <table class="drift-table">
      <thead>
        <tr>
          <th>feature</th>
          <th class="num">threshold</th>
          <th class="num">windows</th>
          <th class="num">latest</th>
          <th class="num">max</th>
          <th>first above threshold</th>
        </tr>
      </thead>
      <tbody>
        ${series.map((entry) => {
          const values = entry.datapoints.map((point) => point.value);
          const crossing = entry.datapoints.find((point) => point.value > entry.threshold);
          const max = values.length === 0 ? undefined : Math.max(...values);
          return html`<tr data-feature="${entry.feature}" class="${crossing === undefined ? '' : 'drifted'}">
            <td>${entry.feature}</td>
            <td class="num">${formatNumber(entry.threshold)}</td>
            <td class="num">${values.length}</td>
            <td class="num">${values.length === 0 ? '—' : formatNumber(values[values.length - 1])}</td>
            <td class="num">${max === undefined ? '—' : formatNumber(max)}</td>
            <td>${crossing === undefined ? '—' : formatTime(crossing.timestamp)}</td>
          </tr>`;
        })}
      </tbody>
    </table>
  </figure>`;
}
