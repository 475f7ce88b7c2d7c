/**
 * The lineage graph of a run: dataset → validation and bias reports → training job → evaluation → model version →
 * deployments per region, one lane per model version, drawn as SVG with a layered layout (columns are the stages,
 * a node shared by two versions — the same dataset — is drawn once, in the first lane that has it).
 */
import { baseName, formatNumber, formatTime, shortHash } from './format';
import { asBoolean, asString } from './fields';
import { html, type SafeHtml } from './html';
import type { ReportDocument, VersionView } from './versions';

export type NodeStatus = 'pass' | 'fail' | 'warn' | 'neutral';

export interface GraphNode {
  readonly id: string;
  readonly kind:
    'dataset' | 'validation' | 'bias-pre' | 'training' | 'evaluation' | 'bias-post' | 'model' | 'deployment';
  readonly title: string;
  readonly subtitle: string;
  readonly status: NodeStatus;
  /** Serving traffic now (deployments only). */
  readonly live: boolean;
  /** The full text behind a truncated label. */
  readonly tooltip: string;
  readonly version: number;
  readonly region?: string;
}

export interface LineageGraph {
  /** Per model version, its nodes by stage (column). */
  readonly lanes: ReadonlyArray<{ readonly version: number; readonly stages: readonly (readonly GraphNode[])[] }>;
  readonly edges: ReadonlyArray<{ readonly from: string; readonly to: string }>;
}

const STAGES = ['dataset', 'checks', 'training', 'evaluation', 'model version', 'deployments'] as const;
const NODE_WIDTH = 170;
const NODE_HEIGHT = 50;
const COLUMN_GAP = 34;
/** Room around the drawing for the nodes' borders. */
const MARGIN = 3;
const ROW_GAP = 12;
const LANE_GAP = 26;
const HEADER = 28;
const LABEL_CHARS = 24;

export function lineageGraph(versions: readonly VersionView[]): LineageGraph {
  const seen = new Set<string>();
  const edges: Array<{ from: string; to: string }> = [];
  const lanes = versions.map((version) => {
    const stages = laneStages(version);
    // Each stage feeds the next stage that has nodes in this lane (a blocked version has no training job).
    let previous: readonly GraphNode[] = [];
    for (const stage of stages) {
      if (stage.length === 0) continue;
      for (const from of previous) for (const to of stage) edges.push({ from: from.id, to: to.id });
      previous = stage;
    }
    const placed = stages.map((stage) => stage.filter((node) => !seen.has(node.id)));
    for (const stage of placed) for (const node of stage) seen.add(node.id);
    return { version: version.modelVersion, stages: placed };
  });
  const unique = new Map(edges.map((edge) => [`${edge.from}→${edge.to}`, edge]));
  return { lanes, edges: [...unique.values()] };
}

function laneStages(version: VersionView): GraphNode[][] {
  const v = version.modelVersion;
  const node = (fields: NodeFields): GraphNode => ({
    live: false,
    tooltip: `${fields.title}: ${fields.subtitle}`,
    version: v,
    ...fields,
  });
  const dataset = node({
    id: `dataset:${version.datasetSha256 ?? version.datasetUri ?? `v${v}`}`,
    kind: 'dataset',
    title: version.datasetUri === undefined ? 'dataset' : baseName(version.datasetUri),
    subtitle: version.datasetSha256 === undefined ? 'sha256 unknown' : `sha256 ${shortHash(version.datasetSha256)}`,
    status: 'neutral',
    tooltip: `${version.datasetUri ?? 'dataset'} (sha256 ${version.datasetSha256 ?? 'unknown'})`,
  });
  const checks: GraphNode[] = [];
  if (version.validation !== undefined) {
    const passed = asBoolean(version.validation.document?.passed);
    checks.push(
      node({
        id: `report:${version.validation.key}`,
        kind: 'validation',
        title: 'data contract',
        subtitle: passed === undefined ? 'report not exported' : passed ? 'passed' : 'violations',
        status: passed === undefined ? 'neutral' : passed ? 'pass' : 'fail',
        tooltip: version.validation.key,
      }),
    );
  }
  if (version.preTrainingBias !== undefined) checks.push(biasNode(node, version.preTrainingBias, 'bias-pre'));
  const training =
    version.trainingJobName === undefined
      ? []
      : [
          node({
            id: `training:${version.trainingJobName}`,
            kind: 'training',
            title: 'training job',
            subtitle: version.trainingJobName,
            status: 'neutral',
          }),
        ];
  const evaluation: GraphNode[] = [];
  if (version.evaluationSummary !== undefined) {
    const { passed, accuracy } = version.evaluationSummary;
    evaluation.push(
      node({
        id: `evaluation:v${v}`,
        kind: 'evaluation',
        title: 'evaluation',
        subtitle: `${accuracy === undefined ? 'accuracy unknown' : `accuracy ${formatNumber(accuracy)}`}`,
        status: passed === undefined ? 'neutral' : passed ? 'pass' : 'fail',
      }),
    );
  }
  if (version.postTrainingBias !== undefined) evaluation.push(biasNode(node, version.postTrainingBias, 'bias-post'));
  const model = node({
    id: `model:v${v}`,
    kind: 'model',
    title: `v${v}`,
    subtitle:
      version.error === undefined ? version.status : `${version.status} · ${version.error.replace(/^Warden\./, '')}`,
    tooltip: version.error === undefined ? `v${v}: ${version.status}` : `v${v}: ${version.status} (${version.error})`,
    status: MODEL_STATUS[version.status] ?? 'neutral',
  });
  const deployments = version.deployments.map((deployment, index) => {
    const live = version.live.find((entry) => entry.region === deployment.region);
    const isLatest = version.deployments.slice(index + 1).every((later) => later.region !== deployment.region);
    const ordinal = version.deployments
      .slice(0, index + 1)
      .filter((earlier) => earlier.region === deployment.region).length;
    const serving = live !== undefined && isLatest;
    return node({
      id: `deployment:${deployment.region}:v${v}:${ordinal}`,
      kind: 'deployment',
      title: deployment.region,
      subtitle: serving
        ? `live · ${formatNumber(Math.round(live.share * 1000) / 10)} % of traffic`
        : deployment.outcome === 'Succeeded'
          ? 'Succeeded · not live now'
          : deployment.outcome,
      status: DEPLOYMENT_STATUS[deployment.outcome] ?? 'neutral',
      live: serving,
      region: deployment.region,
      tooltip: `${deployment.region}: ${deployment.outcome}${deployment.at === undefined ? '' : `, recorded ${formatTime(deployment.at)}`}`,
    });
  });
  return [[dataset], checks, training, evaluation, [model], deployments];
}

const MODEL_STATUS: Record<string, NodeStatus> = {
  Deployed: 'pass',
  Registered: 'neutral',
  RolledBack: 'warn',
  Blocked: 'fail',
  Failed: 'fail',
};

const DEPLOYMENT_STATUS: Record<string, NodeStatus> = { Succeeded: 'pass', RolledBack: 'warn', Failed: 'fail' };

/** A node's fields before its lane fills in the version (and the defaults: not live, tooltip = its label). */
type NodeFields = Omit<GraphNode, 'version' | 'live' | 'tooltip'> & { tooltip?: string; live?: boolean };

function biasNode(
  node: (fields: NodeFields) => GraphNode,
  report: ReportDocument,
  kind: 'bias-pre' | 'bias-post',
): GraphNode {
  const verdict = asString(report.document?.verdict);
  const failed = Array.isArray(report.document?.failed) ? (report.document.failed as unknown[]).map(String) : [];
  return node({
    id: `report:${report.key}`,
    kind,
    title: kind === 'bias-pre' ? 'pre-training bias' : 'post-training bias',
    subtitle:
      verdict === undefined ? 'report not exported' : failed.length > 0 ? `${verdict}: ${failed.join(', ')}` : verdict,
    status: verdict === 'pass' ? 'pass' : verdict === 'warn' ? 'warn' : verdict === 'fail' ? 'fail' : 'neutral',
    tooltip: report.key,
  });
}

/** The graph as an SVG element, sized to its content. */
export function lineageSvg(graph: LineageGraph): SafeHtml {
  const positions = new Map<string, { x: number; y: number }>();
  let top = HEADER;
  for (const lane of graph.lanes) {
    const rows = Math.max(1, ...lane.stages.map((stage) => stage.length));
    const laneHeight = rows * NODE_HEIGHT + (rows - 1) * ROW_GAP;
    lane.stages.forEach((stage, column) => {
      const stageHeight = stage.length * NODE_HEIGHT + Math.max(0, stage.length - 1) * ROW_GAP;
      stage.forEach((node, row) => {
        positions.set(node.id, {
          x: MARGIN + column * (NODE_WIDTH + COLUMN_GAP),
          y: top + (laneHeight - stageHeight) / 2 + row * (NODE_HEIGHT + ROW_GAP),
        });
      });
    });
    top += laneHeight + LANE_GAP;
  }
  const width = 2 * MARGIN + STAGES.length * NODE_WIDTH + (STAGES.length - 1) * COLUMN_GAP;
  const height = Math.max(top - LANE_GAP, HEADER + NODE_HEIGHT) + 4;
  const headers = STAGES.map(
    (stage, column) =>
      html`<text class="stage" x="${MARGIN + column * (NODE_WIDTH + COLUMN_GAP) + NODE_WIDTH / 2}" y="16"
        >${stage}</text
      >`,
  );
  const edges = graph.edges.flatMap((edge) => {
    const from = positions.get(edge.from);
    const to = positions.get(edge.to);
    if (from === undefined || to === undefined) return [];
    const [x1, y1, x2, y2] = [from.x + NODE_WIDTH, from.y + NODE_HEIGHT / 2, to.x - 2, to.y + NODE_HEIGHT / 2];
    const bend = Math.max(18, (x2 - x1) / 2);
    const path = `M${x1} ${y1} C${x1 + bend} ${y1} ${x2 - bend} ${y2} ${x2} ${y2}`;
    return [html`<path class="edge" d="${path}" data-from="${edge.from}" data-to="${edge.to}" />`];
  });
  const nodes = graph.lanes.flatMap((lane) =>
    lane.stages.flat().map((node) => {
      const { x, y } = positions.get(node.id) as { x: number; y: number };
      return html`<g
        class="node ${node.kind} ${node.status}${node.live ? ' live' : ''}"
        data-node="${node.id}"
        data-kind="${node.kind}"
        data-version="${node.version}"
        ${region(node)}
        data-status="${node.status}"
        transform="translate(${x} ${y})"
        ><title>${node.tooltip}</title><rect width="${NODE_WIDTH}" height="${NODE_HEIGHT}" rx="7" /><text
          class="title"
          x="10"
          y="20"
          >${truncate(node.title)}</text
        ><text class="subtitle" x="10" y="38">${truncate(node.subtitle)}</text></g
      >`;
    }),
  );
  return html`<svg
    class="lineage"
    width="${width}"
    height="${height}"
    viewBox="0 0 ${width} ${height}"
    role="img"
    aria-label="Lineage graph of the run"
  >
    <defs>
      <marker
        id="arrow"
        viewBox="0 0 10 10"
        refX="9"
        refY="5"
        markerWidth="7"
        markerHeight="7"
        orient="auto-start-reverse"
      >
        <path d="M0 0 L10 5 L0 10 z" />
      </marker>
    </defs>
    ${headers}${edges}${nodes}
  </svg>`;
}

function region(node: GraphNode): SafeHtml {
  return node.region === undefined ? html`` : html` data-region="${node.region}"`;
}

function truncate(text: string): string {
  return text.length <= LABEL_CHARS ? text : `${text.slice(0, LABEL_CHARS - 1)}…`;
}
