/**
 * `warden local run` end to end, the safety scenarios: canary rollback, region waves and an alarm storm against the
 * brakes, each checked through the contract JSON and the exported ledger, lineage and events.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runWarden } from '../support/cli';
import { executionsOf, PRIMARY, runScenario, SCENARIO_TIMEOUT_MS, SECONDARY, served } from './support';

describe('warden local run: safety scenarios', () => {
  it(
    'canary-rollback: a failing v2 canary trips the 5xx alarm and the endpoint returns to 100 % v1',
    () => {
      const { run, summary, audit, events, verified } = runScenario('canary-rollback');
      expect(run.code).toBe(0);
      expect(summary).toMatchObject({ ok: true, failures: [] });
      for (const region of [PRIMARY, SECONDARY]) expect(served(summary, region)).toEqual([[1, 1]]);
      const rolledBack = executionsOf(summary, 'deploy').filter((execution) => execution.status === 'FAILED');
      expect(rolledBack.length).toBeGreaterThanOrEqual(1);
      for (const execution of rolledBack) expect(execution.error).toBe('Warden.DeploymentRolledBack');
      const [, second] = executionsOf(summary, 'training');
      expect(second).toMatchObject({ status: 'FAILED', error: 'Warden.DeploymentRolledBack' });
      expect(summary.lineage).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ modelVersion: 1, status: 'Deployed' }),
          expect.objectContaining({ modelVersion: 2, status: 'RolledBack' }),
        ]),
      );
      expect(events.map((event) => event['detail-type'])).toContain('Warden Deployment Rolled Back');
      expect(audit.map((entry) => entry.action)).toContain('model.rolled-back');
      expect(verified.json.valid).toBe(true);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'region-wave: v2 stays live in the first region while only the failing second region returns to v1',
    () => {
      const { run, summary, verified } = runScenario('region-wave');
      expect(run.code).toBe(0);
      expect(summary).toMatchObject({ ok: true, failures: [] });
      expect(served(summary, PRIMARY)).toEqual([[2, 1]]);
      expect(served(summary, SECONDARY)).toEqual([[1, 1]]);
      const v2 = executionsOf(summary, 'deploy').slice(2);
      expect(v2.map((execution) => [execution.region, execution.status])).toEqual([
        [PRIMARY, 'SUCCEEDED'],
        [SECONDARY, 'FAILED'],
      ]);
      expect(verified.json.valid).toBe(true);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'alarm-storm: 100 alarm state changes from two regions start 100 remediations; exactly one acts',
    () => {
      const { run, summary, audit, events, verified } = runScenario('alarm-storm');
      expect(run.code).toBe(0);
      expect(summary).toMatchObject({ ok: true, failures: [] });
      const remediations = executionsOf(summary, 'remediation');
      expect(remediations).toHaveLength(100);
      const acted = remediations.filter(
        (execution) => execution.states.includes('RequestRetrain') || execution.states.includes('RollBackRegion'),
      );
      expect(acted).toHaveLength(1);
      expect(audit.filter((entry) => entry.action === 'remediation.suppressed')).toHaveLength(99);
      const alarmRegions = new Set(
        events.filter((event) => event['detail-type'] === 'CloudWatch Alarm State Change').map((event) => event.region),
      );
      expect([...alarmRegions].sort()).toEqual([SECONDARY, PRIMARY].sort());
      expect(verified.json.valid).toBe(true);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it('without Java, says in one sentence how to install it and exits 2, leaving nothing running', () => {
    const run = runWarden(['local', 'run', '--scenario', 'happy', '--json'], {
      env: { JAVA_HOME: join(tmpdir(), 'no-java-here') },
    });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/warden: DynamoDB Local needs a Java runtime ≥ 11 .*install one/);
  });

  it('refuses an unknown scenario with exit code 2 and one sentence', () => {
    const run = runWarden(['local', 'run', '--scenario', 'chaos', '--json']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('Unknown scenario "chaos"');
  });
});
