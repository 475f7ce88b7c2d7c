/** The report's stylesheet: readable on screen and in print, system fonts only (nothing to fetch). */
export const REPORT_CSS = `
:root { --pass: #15803d; --pass-bg: #dcfce7; --fail: #b91c1c; --fail-bg: #fee2e2; --warn: #b45309; --warn-bg: #fef3c7;
  --info: #4b5563; --line: #d1d5db; --muted: #6b7280; --ink: #111827; --panel: #f9fafb; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); }
header, main, footer { max-width: 1280px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 20px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h1 .scenario { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-weight: 600; }
h2 { font-size: 18px; margin: 28px 0 6px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 14px; margin: 18px 0 6px; }
.facts, .note, .source, footer { color: var(--muted); }
.note { max-width: 900px; margin: 4px 0 10px; }
.source { font-size: 12px; font-family: ui-monospace, monospace; margin: 4px 0 0; }
.empty { font-style: italic; color: var(--muted); }
.muted { color: var(--muted); }
.nowrap { white-space: nowrap; }
details > summary { cursor: pointer; font-weight: 600; margin: 14px 0 4px; }
nav a { margin-right: 14px; color: #1d4ed8; text-decoration: none; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600;
  vertical-align: middle; background: var(--panel); color: var(--info); border: 1px solid var(--line); }
.badge.pass, .badge.OK { background: var(--pass-bg); color: var(--pass); border-color: var(--pass); }
.badge.fail { background: var(--fail-bg); color: var(--fail); border-color: var(--fail); }
.badge.warn { background: var(--warn-bg); color: var(--warn); border-color: var(--warn); }
.failures { border: 1px solid var(--fail); background: var(--fail-bg); padding: 6px 12px; border-radius: 6px; }
.failures p { margin: 0; font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e5e7eb; vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.result.pass, .status.succeeded { color: var(--pass); font-weight: 600; }
.result.fail, .status.failed, .error { color: var(--fail); font-weight: 600; }
.result.info { color: var(--muted); }
.graph { overflow-x: auto; border: 1px solid var(--line); border-radius: 8px; padding: 10px; background: #fff; }
svg.lineage text { font: 12px system-ui, sans-serif; fill: var(--ink); }
svg.lineage text.stage { text-anchor: middle; fill: var(--muted); font-weight: 600; text-transform: uppercase;
  font-size: 11px; letter-spacing: .04em; }
svg.lineage text.title { font-weight: 600; }
svg.lineage text.subtitle { fill: #374151; font-size: 11px; }
svg.lineage .node rect { fill: var(--panel); stroke: #9ca3af; stroke-width: 1.2; }
svg.lineage .node.pass rect { fill: var(--pass-bg); stroke: var(--pass); }
svg.lineage .node.fail rect { fill: var(--fail-bg); stroke: var(--fail); }
svg.lineage .node.warn rect { fill: var(--warn-bg); stroke: var(--warn); }
svg.lineage .node.live rect { stroke-width: 3.5; }
svg.lineage .edge { fill: none; stroke: #9ca3af; stroke-width: 1.4; marker-end: url(#arrow); }
svg.lineage marker path { fill: #9ca3af; }
.bias-version { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 12px; }
.bias-report { border: 1px solid var(--line); border-radius: 8px; padding: 4px 12px 8px; margin: 10px 0; }
.bias-report .source { overflow-wrap: anywhere; }
.gauge { position: relative; width: 120px; height: 10px; background: #e5e7eb; border-radius: 5px; margin-top: 4px; }
.gauge span { position: absolute; left: 0; top: 0; bottom: 0; background: var(--pass); border-radius: 5px; }
.gauge.fail span { background: var(--fail); }
.gauge i { position: absolute; left: 50%; top: -3px; bottom: -3px; width: 2px; background: var(--ink); }
figure.drift { margin: 12px 0 22px; }
figure.drift figcaption { font-weight: 600; margin-bottom: 4px; }
.drift-chart { width: 100%; min-height: 300px; }
.drift-table tr.drifted td:first-child { color: var(--fail); font-weight: 600; }
.timeline td.span, .timeline th.span { width: 28%; }
.bar { position: relative; height: 12px; background: #f3f4f6; border-radius: 3px; margin-top: 3px; }
.bar span { position: absolute; top: 0; bottom: 0; min-width: 2px; border-radius: 3px; background: #2563eb; }
.bar.deploy span { background: #059669; }
.bar.remediation span { background: #d97706; }
.decision.acted { color: var(--warn); font-weight: 600; }
.decision.suppressed { color: var(--muted); font-weight: 600; }
.alarm, code, .hash { font-family: ui-monospace, monospace; font-size: 12px; }
.verdict { font-weight: 600; padding: 8px 12px; border-radius: 6px; }
.verdict.pass { background: var(--pass-bg); color: var(--pass); }
.verdict.fail { background: var(--fail-bg); color: var(--fail); }
tr.untrusted td { background: var(--fail-bg); }
footer { padding: 24px; font-size: 12px; }
@media print { nav { display: none; } .graph { overflow: visible; } }
`;
