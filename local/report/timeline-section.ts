/**
 * The execution timeline: every training, deploy and remediation execution in start order on the run's virtual
 * clock, with a bar for its span, how it ended and — for remediations — the decision (act, or suppressed by a brake)
 * on which alarm; then the Warden events in the order they were put on the buses.
 */
import type { RunExport } from './export-files';
import { asNumber, asObject, asString } from './fields';
import { formatDuration, formatOffset, formatTime } from './format';
import { html, type SafeHtml } from './html';
import type { ExecutionDetail } from './run-artifacts';

/** The virtual time span the run covered: from the first execution or event to the last. */
export function runSpan(run: RunExport): { start: number; end: number } {
  const times = [
    ...run.executions.flatMap((execution) => [execution.startDate, execution.stopDate ?? execution.startDate]),
    ...run.events.flatMap((event) => asString(event.time) ?? []),
    ...run.driftMetrics.flatMap((series) => series.datapoints.map((point) => point.timestamp)),
  ]
    .map((iso) => Date.parse(iso))
    .filter((time) => Number.isFinite(time));
  if (times.length === 0) return { start: 0, end: 0 };
  return { start: Math.min(...times), end: Math.max(...times) };
}

export function timelineSection(run: RunExport): SafeHtml {
  const span = runSpan(run);
  const executions = [...run.executions].sort(
    (a, b) => Date.parse(a.startDate) - Date.parse(b.startDate) || a.name.localeCompare(b.name),
  );
  return html`<section id="timeline">
    <h2>Execution timeline</h2>
    <p class="note">
      Times on the run's virtual clock (UTC), offsets from ${formatTime(new Date(span.start).toISOString())}.
      Remediation rows show what decide-remediation chose for the alarm: act (retrain, rollback) or suppressed by a
      brake (lock, cooldown, daily cap).
    </p>
    ${
      executions.length === 0
        ? html`<p class="empty">No executions in this run.</p>`
        : html`<table class="timeline">
            <thead>
              <tr>
                <th>start</th>
                <th class="num">duration</th>
                <th>region</th>
                <th>state machine</th>
                <th class="num">version</th>
                <th>status</th>
                <th>decision or outcome</th>
                <th class="span">span</th>
              </tr>
            </thead>
            <tbody>
              ${executions.map((execution) => executionRow(execution, span))}
            </tbody>
          </table>`
    }
    ${eventsTable(run, span.start)}
  </section>`;
}

function executionRow(execution: ExecutionDetail, span: { start: number; end: number }): SafeHtml {
  const start = Date.parse(execution.startDate);
  const stop = execution.stopDate === null ? span.end : Date.parse(execution.stopDate);
  const total = Math.max(1, span.end - span.start);
  const left = ((start - span.start) / total) * 100;
  const width = Math.max(0.4, ((stop - start) / total) * 100);
  const decision = execution.remediation;
  const outcome =
    decision !== null
      ? html`<span class="decision ${decision.action === 'suppressed' ? 'suppressed' : 'acted'}"
            >${decision.action ?? 'no decision'}</span
          >
          ${decision.reason === null ? '' : html` <span class="reason">(${decision.reason})</span>`} on
          <span class="alarm">${decision.alarmName}</span> in ${decision.alarmRegion}`
      : execution.error !== null
        ? html`<span class="error">${execution.error}</span> at ${execution.states.at(-1) ?? '?'}`
        : html`<span class="muted">last state</span> ${execution.states.at(-1) ?? ''}`;
  return html`<tr
    data-execution="${execution.name}"
    data-state-machine="${execution.stateMachine}"
    data-status="${execution.status}"
    ${decision === null ? '' : html` data-decision="${decision.action ?? ''}"`}
  >
    <td class="nowrap" title="${execution.startDate}">${formatOffset(execution.startDate, span.start)}</td>
    <td class="num nowrap">${execution.stopDate === null ? 'running' : formatDuration(stop - start)}</td>
    <td class="nowrap">${execution.region}</td>
    <td title="${execution.name}">${execution.stateMachine}</td>
    <td class="num">${execution.modelVersion === null ? '' : `v${execution.modelVersion}`}</td>
    <td class="status ${execution.status.toLowerCase()}">${execution.status}</td>
    <td>${outcome}</td>
    <td class="span">
      <div class="bar ${execution.stateMachine}">
        <span style="left:${left.toFixed(2)}%;width:${Math.min(width, 100 - left).toFixed(2)}%"></span>
      </div>
    </td>
  </tr>`;
}

function eventsTable(run: RunExport, origin: number): SafeHtml {
  const events = run.events.filter((event) => event.source === 'warden');
  if (events.length === 0) return html``;
  return html`<details${events.length <= 30 ? html` open` : ''}><summary>Warden events (${events.length})</summary>
<table class="events"><thead><tr><th>time</th><th>bus</th>
<th>detail-type</th><th class="num">version</th><th>detail</th></tr></thead><tbody>
${events.map((event) => {
  const detail = asObject(event.detail);
  const version = asNumber(detail.modelVersion);
  const time = asString(event.time) ?? '';
  return html`<tr data-detail-type="${String(event['detail-type'] ?? '')}">
    <td class="nowrap" title="${time}">${time === '' ? '' : formatOffset(time, origin)}</td>
    <td class="nowrap">${asString(event.region) ?? ''}</td>
    <td>${String(event['detail-type'] ?? '')}</td>
    <td class="num">${version === undefined ? '' : `v${version}`}</td>
    <td>${eventDetail(detail)}</td>
  </tr>`;
})}</tbody></table></details>`;
}

/** The one or two fields that say what an event was about. */
function eventDetail(detail: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  if (asString(detail.region) !== undefined) parts.push(`region ${asString(detail.region)}`);
  if (Array.isArray(detail.drifted)) parts.push(`drifted: ${detail.drifted.map(String).join(', ')}`);
  if (Array.isArray(detail.failed)) parts.push(`failed: ${detail.failed.map(String).join(', ')}`);
  if (asString(detail.alarmName) !== undefined) parts.push(`alarm ${asString(detail.alarmName)}`);
  if (asString(detail.reason) !== undefined) parts.push(`reason: ${asString(detail.reason)}`);
  return parts.join(' · ');
}
