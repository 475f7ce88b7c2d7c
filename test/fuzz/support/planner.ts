/**
 * Finds, for a Task, a base to fault it in: the first world that reaches it, or — for a Task that only a failure
 * leads to (the Record…/Audit…/Report… states of failure paths) — a world plus a persistent precursor fault at an
 * earlier Task whose Catch leads there. Candidates are pruned with the ASL graph and confirmed by running them.
 * Runs are memoized: every base is run once without the fault under test, and that run is its expected outcome.
 */
import { catcherFor, faultsFor } from './faults';
import { FaultInjector, type FaultPlan } from './injector';
import { machine } from './machines';
import { SCENARIOS, type MachineFile, type Scenario, type ScenarioRun } from './scenarios';

export interface Base {
  readonly scenario: Scenario;
  /** A persistent fault at another Task that sends the run down the failure path holding the Task under test. */
  readonly precursor?: FaultPlan;
}

export interface BaseRun {
  readonly run: ScenarioRun;
  /** Every Task attempt of the run (the precursor's injected ones included). */
  readonly injector: FaultInjector;
  /** Names of every state the run entered. */
  readonly reached: ReadonlySet<string>;
}

const baseRuns = new Map<string, Promise<BaseRun>>();
const bases = new Map<string, Promise<Base>>();

export function describeBase(base: Base): string {
  const precursor = base.precursor;
  return precursor === undefined
    ? base.scenario.name
    : `${base.scenario.name}, after a persistent ${precursor.fault.kind} at ${precursor.task}`;
}

/** The base run without the fault under test (run once). */
export function runBase(base: Base): Promise<BaseRun> {
  const key = describeBase(base);
  let run = baseRuns.get(key);
  if (run === undefined) {
    run = (async () => {
      const injector = new FaultInjector(base.precursor === undefined ? [] : [base.precursor]);
      const result = await base.scenario.run(injector.hooks());
      return { run: result, injector, reached: new Set(result.execution.statesEntered) };
    })();
    baseRuns.set(key, run);
  }
  return run;
}

/** The base a fault at this Task is injected in; throws when no world and no single precursor fault reaches it. */
export function baseReaching(file: MachineFile, task: string): Promise<Base> {
  const key = `${file}#${task}`;
  let base = bases.get(key);
  if (base === undefined) {
    base = search(file, task);
    bases.set(key, base);
  }
  return base;
}

async function search(file: MachineFile, task: string): Promise<Base> {
  const worlds = SCENARIOS.filter((scenario) => scenario.file === file);
  for (const scenario of worlds) {
    if ((await runBase({ scenario })).reached.has(task)) return { scenario };
  }
  const target = machine(file);
  for (const scenario of worlds) {
    const { run } = await runBase({ scenario });
    const entered = [...new Set(run.execution.statesEntered)];
    for (const candidate of target.tasks.filter((summary) => entered.includes(summary.name))) {
      for (const fault of faultsFor(candidate)) {
        const catcher = catcherFor(target.state(candidate.name), fault.error);
        // An uncaught fault in a branch is handled by the enclosing Map or Parallel: follow it out.
        const from = catcher?.Next ?? (candidate.path.split('/States/').length > 2 ? candidate.name : undefined);
        if (from === undefined || !target.reachableFrom(from).has(task)) continue;
        const base: Base = { scenario, precursor: { task: candidate.name, fault, mode: 'persistent' } };
        if ((await runBase(base)).reached.has(task)) return base;
      }
    }
  }
  throw new Error(`${file}: no world and no single precursor fault reaches ${task}`);
}
