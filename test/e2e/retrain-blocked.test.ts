/**
 * A retrain that fails its gates leaves the old model live: driven on the local runtime (drivers/retrain-blocked.ts,
 * a child process on the sources) with biased labels in the data staged for the retrain.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/cli';
import { SCENARIO_TIMEOUT_MS } from './support';

interface DriverOutput {
  executions: Array<{ stateMachine: string; region: string; status: string; error: string | null; states: string[] }>;
  endpoints: Array<{
    region: string;
    endpoints: Array<{ name: string; status: string; variants: Array<{ modelName: string; weight: number }> }>;
  }>;
}

describe('a retrain that fails its gates', () => {
  it(
    'is blocked by the bias gate after the drift remediation, and v1 stays live at 100 % in every region',
    () => {
      const run = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'drivers', 'retrain-blocked.ts')], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      expect(run.status).toBe(0);
      const output = JSON.parse(run.stdout) as DriverOutput;
      const trainings = output.executions.filter((execution) => execution.stateMachine.endsWith('-training'));
      expect(trainings.map((execution) => [execution.status, execution.error])).toEqual([
        ['SUCCEEDED', null],
        ['FAILED', 'Warden.BiasGateFailed'],
      ]);
      expect(trainings[1].states).not.toContain('Train');
      const acted = output.executions.filter((execution) => execution.states.includes('RequestRetrain'));
      expect(acted).toHaveLength(1);
      const deploys = output.executions.filter((execution) => execution.stateMachine.endsWith('-deploy'));
      expect(deploys).toHaveLength(2);
      for (const { endpoints } of output.endpoints) {
        expect(endpoints).toHaveLength(1);
        expect(endpoints[0].status).toBe('InService');
        expect(
          endpoints[0].variants.map((variant) => [/-v(\d+)-/.exec(variant.modelName)?.[1], variant.weight]),
        ).toEqual([['1', 1]]);
      }
    },
    SCENARIO_TIMEOUT_MS,
  );
});
