/**
 * `warden local run` end to end, the lifecycle scenarios: each runs the synthesized reference app on the local
 * runtime (real ASL, real Lambda bundles, DynamoDB Local, local S3, SageMaker emulators with a real learner) and
 * checks the contract JSON and the state the run left behind.
 */
import { executionsOf, PRIMARY, runScenario, SCENARIO_TIMEOUT_MS, SECONDARY, served } from './support';

describe('warden local run: lifecycle scenarios', () => {
  it(
    'happy: v1 passes every gate, is registered and serves 100 % in both regions; the ledger verifies',
    () => {
      const { run, summary, audit, lineage, events, verified } = runScenario('happy');
      expect(run.code).toBe(0);
      expect(summary).toMatchObject({ scenario: 'happy', ok: true, failures: [], audit: { valid: true } });
      const [training] = executionsOf(summary, 'training');
      expect(training.status).toBe('SUCCEEDED');
      expect(training.states).toEqual(
        expect.arrayContaining(['ValidateData', 'PreTrainingBias', 'Train', 'TransformHoldout', 'EvaluateModel']),
      );
      expect(training.states).toEqual(expect.arrayContaining(['PostTrainingBias', 'RolloutRegions', 'DeployToRegion']));
      const deploys = executionsOf(summary, 'deploy');
      expect(deploys.map((execution) => [execution.region, execution.status]).sort()).toEqual([
        [SECONDARY, 'SUCCEEDED'],
        [PRIMARY, 'SUCCEEDED'],
      ]);
      for (const region of [PRIMARY, SECONDARY]) expect(served(summary, region)).toEqual([[1, 1]]);
      expect(summary.lineage).toEqual([expect.objectContaining({ modelVersion: 1, status: 'Deployed' })]);
      expect(summary.lineage[0].datasetSha256).toMatch(/^[0-9a-f]{64}$/);
      // The state behind the summary: ledger, lineage items and events as exported.
      expect(verified).toMatchObject({ code: 0, json: { valid: true, entries: summary.audit.entries } });
      expect(audit.map((entry) => entry.action)).toEqual(
        expect.arrayContaining(['model.registered', 'model.deployed']),
      );
      expect(audit.filter((entry) => entry.action === 'model.deployed')).toHaveLength(2);
      expect(lineage.some((item) => item.status === 'Deployed')).toBe(true);
      const types = events.map((event) => event['detail-type']);
      expect(types).toEqual(expect.arrayContaining(['Object Created', 'Warden Model Registered']));
      expect(
        events.filter((event) => event['detail-type'] === 'Warden Deployment Succeeded').length,
      ).toBeGreaterThanOrEqual(2);
      expect(summary.events).toHaveLength(events.length);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'bias-block: biased labels stop the run with Warden.BiasGateFailed before any endpoint exists',
    () => {
      const { run, summary, audit, lineage, events, verified } = runScenario('bias-block');
      expect(run.code).toBe(0);
      expect(summary).toMatchObject({ ok: true, failures: [] });
      const trainings = executionsOf(summary, 'training');
      expect(trainings).toHaveLength(1);
      expect(trainings[0]).toMatchObject({ status: 'FAILED', error: 'Warden.BiasGateFailed' });
      expect(trainings[0].states).not.toContain('Train');
      expect(executionsOf(summary, 'deploy')).toEqual([]);
      expect(summary.endpoints).toEqual([]);
      expect(lineage.filter((item) => item.status === 'Blocked')).toHaveLength(1);
      expect(audit.map((entry) => entry.action)).toEqual(['model.blocked']);
      expect(verified.json.valid).toBe(true);
      expect(events.map((event) => event['detail-type'])).toContain('Warden Bias Gate Failed');
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'drift-retrain (the default): drift alarm → one remediation → retrain on fresh data → canary → 100 % v2',
    () => {
      const { run, summary, audit, events, verified } = runScenario(undefined);
      expect(run.code).toBe(0);
      expect(summary).toMatchObject({ scenario: 'drift-retrain', ok: true, failures: [] });
      const trainings = executionsOf(summary, 'training');
      expect(trainings.map((execution) => execution.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
      const remediations = executionsOf(summary, 'remediation');
      const acted = remediations.filter((execution) => execution.states.includes('RequestRetrain'));
      expect(acted).toHaveLength(1);
      expect(remediations.length).toBeGreaterThan(1);
      for (const execution of remediations.filter((candidate) => candidate !== acted[0])) {
        expect(execution.states).toContain('AuditSuppression');
      }
      for (const region of [PRIMARY, SECONDARY]) expect(served(summary, region)).toEqual([[2, 1]]);
      // v2 replaced v1 through a blue/green canary, not by creating the endpoint again.
      const v2Deploys = executionsOf(summary, 'deploy').slice(-2);
      for (const deploy of v2Deploys) expect(deploy.states).toContain('UpdateEndpointWithCanary');
      const types = events.map((event) => event['detail-type']);
      expect(types).toEqual(expect.arrayContaining(['Warden Drift Detected', 'Warden Retrain Requested']));
      expect(types.filter((type) => type === 'Warden Retrain Requested')).toHaveLength(1);
      const retrain = events.find((event) => event['detail-type'] === 'Warden Retrain Requested');
      expect(retrain?.detail).toMatchObject({ modelName: 'credit-risk' });
      expect(audit.filter((entry) => entry.action === 'remediation.suppressed')).toHaveLength(remediations.length - 1);
      expect(verified).toMatchObject({ code: 0, json: { valid: true } });
      expect(summary.lineage.map((item) => [item.modelVersion, item.status])).toEqual(
        expect.arrayContaining([[2, 'Deployed']]),
      );
    },
    SCENARIO_TIMEOUT_MS,
  );
});
