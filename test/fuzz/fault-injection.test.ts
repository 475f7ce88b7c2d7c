/**
 * Fault injection generated from the ASL files: every Task state of training, deploy and remediate (Parallel branches
 * and Map item processors included) is faulted with every error its integration can raise — throttling, States.Timeout,
 * service unavailable, SageMaker ResourceLimitExceeded on compute calls, failed `.sync` jobs, handler errors, task
 * token failures — persistently, and transiently where the state retries or falls back. Each run is the state machine
 * itself on aws-local-stepfunctions, in a fault-free world that reaches the Task (see support/planner.ts).
 */
import { caseName, faultCases, type FaultCase } from './support/cases';
import { Coverage } from './support/coverage';
import { CONTRACT_ERRORS } from './support/faults';
import { FaultInjector } from './support/injector';
import { fallbackList, instanceTypeOf } from './support/instance-types';
import { codeOf, payloadsTried, violationsOf, type ViolationCode } from './support/invariants';
import { machine, MACHINE_FILES } from './support/machines';
import { baseReaching, describeBase, runBase } from './support/planner';
import { SCENARIOS } from './support/scenarios';

const CASES = faultCases();
const coverage = new Coverage();

/**
 * What no state machine can prevent: two independent persistent faults, the first leaving SageMaker's change to the
 * endpoint unconfirmed or unrecorded, the second at the very call that undoes it. The endpoint keeps the change (an
 * updated endpoint its new config, a created one stays); what must hold instead is that the failure record in lineage
 * says the undo failed, so the divergence is visible. Keyed by the undoing Task of deploy.asl.json.
 */
const UNDO_FAILED: Readonly<Record<string, ViolationCode>> = {
  RestorePreviousEndpoint: 'live-model-changed',
  DeleteCreatedEndpoint: 'orphaned-endpoint',
};

function expectedViolations({ file, task, mode }: FaultCase): ViolationCode[] {
  const undoFailed = file === 'deploy.asl.json' && mode === 'persistent' ? UNDO_FAILED[task.name] : undefined;
  return undoFailed === undefined ? [] : [undoFailed];
}

/** Whether a Failed lineage record the run tried says that undoing the endpoint change failed. */
function recordsUndoFailure(injector: FaultInjector): boolean {
  return payloadsTried(injector, 'record-lineage').some((payload) => {
    const attributes = payload.attributes as { status?: unknown; compensation?: { error?: unknown } } | undefined;
    return attributes?.status === 'Failed' && attributes.compensation?.error !== undefined;
  });
}

describe('fault injection', () => {
  it(`has at least 60 cases, generated from the Task states of ${MACHINE_FILES.join(', ')}`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
  });

  describe.each(SCENARIOS.map((scenario) => [scenario.name, scenario] as const))('world %s', (_name, scenario) => {
    it('ends as intended without faults, every invariant holding', async () => {
      const { run, injector } = await runBase({ scenario });
      expect({ status: run.execution.status, error: run.execution.error }).toEqual(scenario.outcome);
      expect(violationsOf(machine(scenario.file), run, injector)).toEqual([]);
    });
  });

  describe.each(MACHINE_FILES)('%s', (file) => {
    it.each(CASES.filter((faultCase) => faultCase.file === file).map((faultCase) => [caseName(faultCase), faultCase]))(
      '%s',
      async (_name, faultCase) => {
        const { task, fault, mode, expectation } = faultCase;
        const base = await baseReaching(file, task.name);
        const { run: baseline } = await runBase(base);
        const injector = new FaultInjector([
          ...(base.precursor === undefined ? [] : [base.precursor]),
          { task: task.name, fault, mode },
        ]);
        const run = await base.scenario.run(injector.hooks());
        const { execution } = run;
        const attempts = injector.attemptsAt(task.name);
        const injected = injector.injectedAt(task.name);
        const context = `${describeBase(base)}: ${execution.status} ${String(execution.error)} (${String(execution.cause)})`;

        expect({ context, injected: injected > 0 }).toEqual({ context, injected: true });
        coverage.record(file, task.name, run);

        switch (expectation) {
          case 'recovers':
          case 'falls-back':
            expect({ context, status: execution.status, error: execution.error }).toEqual({
              context,
              status: baseline.execution.status,
              error: baseline.execution.error,
            });
            expect(attempts.length).toBeGreaterThan(injected);
            if (expectation === 'falls-back') {
              const list = fallbackList(task);
              const [refused, next] = attempts.map((attempt) => instanceTypeOf(attempt, run));
              expect(list.indexOf(String(next))).toBe(list.indexOf(String(refused)) + 1);
            }
            break;
          case 'exhausts-fallback': {
            expect({ context, status: execution.status, error: execution.error }).toEqual({
              context,
              status: 'FAILED',
              error: 'Warden.CapacityUnavailable',
            });
            const tried = attempts.map((attempt) => instanceTypeOf(attempt, run));
            const list = fallbackList(task);
            expect(tried).toEqual(list.slice(list.indexOf(String(tried[0]))));
            break;
          }
          case 'best-effort':
            expect({ context, status: execution.status, error: execution.error }).toEqual({
              context,
              status: baseline.execution.status,
              error: baseline.execution.error,
            });
            break;
          case 'fails':
            expect({ context, status: execution.status }).toEqual({ context, status: 'FAILED' });
            expect(CONTRACT_ERRORS).toContain(execution.error);
            break;
        }
        if (mode === 'persistent' && faultCase.attemptsAllowed !== undefined) {
          expect(injected).toBeGreaterThanOrEqual(faultCase.attemptsAllowed);
        }
        const violations = violationsOf(machine(file), run, injector);
        expect({ context, violations: violations.map(codeOf).sort() }).toEqual({
          context,
          violations: expectedViolations(faultCase),
        });
        if (expectedViolations(faultCase).length > 0) {
          expect({ context, recordsUndoFailure: recordsUndoFailure(injector) }).toEqual({
            context,
            recordsUndoFailure: true,
          });
        }
      },
    );
  });

  it('faulted every Task state and took every Catch branch', () => {
    const summary = coverage.summary();
    console.log(JSON.stringify({ faultInjectionCoverage: summary }, null, 2));
    expect(summary.cases).toBe(CASES.length);
    expect(summary.notFaulted).toEqual([]);
    expect(summary.taskStates.ratio).toBe(1);
    expect(summary.notTaken).toEqual([]);
    expect(summary.catchBranches.ratio).toBe(1);
  });
});
