/**
 * What must hold at the end of every run, whatever was injected: a defined end, a failure that is in lineage and in the
 * audit chain, and no endpoint changed by a deployment that did not succeed. Each broken rule is one violation,
 * `<code>: <what happened>`.
 */
import { CONTRACT_ERRORS } from './faults';
import type { FaultInjector } from './injector';
import type { Machine } from './machines';
import type { DeployExecution, ScenarioRun } from './scenarios';

export type ViolationCode =
  /** The execution failed with an error name that is not in CONTRACTS.md. */
  | 'undefined-end'
  /** A failed execution tried no lineage write that records the failure. */
  | 'failure-not-in-lineage'
  /** A failed execution tried no audit append that records the failure. */
  | 'failure-not-audited'
  /** A failed deploy execution left the endpoint on another config than the one it had. */
  | 'live-model-changed'
  /** A failed deploy execution left behind an endpoint that did not exist before. */
  | 'orphaned-endpoint'
  /** A failed deploy execution told its caller that it succeeded. */
  | 'success-reported-on-failure'
  /** A succeeded deploy execution did not leave the endpoint on the config it deployed. */
  | 'success-not-live'
  /** A training execution that failed before its rollout had started deployments. */
  | 'deployed-before-failure';

/** Lineage statuses that record a failure (anything but Registered / Deployed). */
const FAILURE_STATUSES = ['Failed', 'Blocked', 'Stopped', 'RolledBack'];
/** Audit actions of successful outcomes; every other action records a failure. */
const SUCCESS_ACTIONS = [
  'model.registered',
  'model.deployed',
  'model.restored',
  'remediation.rollback',
  'remediation.retrain',
  'remediation.suppressed',
];

export function violationsOf(target: Machine, run: ScenarioRun, injector: FaultInjector): string[] {
  return [
    ...endViolations(run),
    ...recordViolations(target, run, injector),
    ...run.deployments.flatMap(deploymentViolations),
    ...rolloutViolations(run),
  ];
}

export function codeOf(violation: string): ViolationCode {
  return violation.slice(0, violation.indexOf(':')) as ViolationCode;
}

function endViolations({ execution }: ScenarioRun): string[] {
  if (execution.status === 'SUCCEEDED' || CONTRACT_ERRORS.includes(String(execution.error))) return [];
  return [`undefined-end: failed with ${String(execution.error)} (${String(execution.cause)})`];
}

/** Writes the execution tried (the injector saw every attempt, including those it failed), by Warden handler. */
export function payloadsTried(injector: FaultInjector, handler: string): Array<Record<string, unknown>> {
  return injector.attempts
    .filter((attempt) => String(attempt.input.FunctionName).endsWith(`-${handler}`))
    .map((attempt) => attempt.input.Payload as Record<string, unknown>);
}

function recordViolations(target: Machine, run: ScenarioRun, injector: FaultInjector): string[] {
  if (run.execution.status !== 'FAILED') return [];
  const violations: string[] = [];
  const lineage = payloadsTried(injector, 'record-lineage').filter((payload) =>
    FAILURE_STATUSES.includes(String((payload.attributes as { status?: unknown } | undefined)?.status)),
  );
  if (target.recordsLineage && lineage.length === 0) {
    violations.push(`failure-not-in-lineage: ${String(run.execution.error)} without a failure record in lineage`);
  }
  const audit = payloadsTried(injector, 'append-audit').filter(
    (payload) => !SUCCESS_ACTIONS.includes(String(payload.action)),
  );
  if (audit.length === 0) {
    violations.push(`failure-not-audited: ${String(run.execution.error)} without a failure entry in the audit chain`);
  }
  return violations;
}

function deploymentViolations(deployment: DeployExecution): string[] {
  const { endpoint, execution, aws, region } = deployment;
  // SageMaker finishes an update it has accepted whether or not the execution still polls.
  endpoint.finishPendingChange();
  const delivered = aws.lambdaPayloads('report-deployment');
  const reportedSuccess = delivered.find((report) => report.outcome === 'Succeeded');
  const serving = `${region} serves ${String(endpoint.configName)} (${String(endpoint.status)})`;
  if (execution.status === 'FAILED') {
    const violations: string[] = [];
    if (endpoint.initialConfigName === undefined && endpoint.status !== undefined) {
      violations.push(`orphaned-endpoint: ${serving}, created by a deploy execution that failed`);
    }
    if (endpoint.initialConfigName !== undefined && endpoint.configName !== endpoint.initialConfigName) {
      violations.push(`live-model-changed: ${serving}, was ${endpoint.initialConfigName} before the failed execution`);
    }
    if (reportedSuccess !== undefined) violations.push(`success-reported-on-failure: ${region}`);
    return violations;
  }
  const deployed =
    deployment.request.mode === 'rollback'
      ? deployment.request.endpointConfigName
      : (reportedSuccess?.serving as { endpointConfigName?: unknown } | undefined)?.endpointConfigName;
  if (deployed === undefined || endpoint.configName !== deployed || endpoint.status !== 'InService') {
    return [`success-not-live: ${serving}, deployed ${String(deployed)}`];
  }
  return [];
}

function rolloutViolations(run: ScenarioRun): string[] {
  const { execution, deployments } = run;
  if (run.file !== 'training.asl.json' || execution.status !== 'FAILED') return [];
  if (execution.error === 'Warden.DeploymentRolledBack' || deployments.length === 0) return [];
  return [`deployed-before-failure: ${deployments.length} deployment(s), then ${String(execution.error)}`];
}
