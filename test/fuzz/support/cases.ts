/**
 * The fault-injection cases: every Task state of every file × every fault its integration can raise, persistent, and
 * also transient where the state retries that error or falls back to another instance type on it. Each case knows
 * from the ASL and the fault alone how its run must end.
 */
import type { TaskStateSummary } from '../../../lib/state-machine-file';
import {
  attemptsAllowed,
  catcherFor,
  fallsBackOnCapacity,
  faultsFor,
  retrierFor,
  type Fault,
  type FaultKind,
  type FaultMode,
} from './faults';
import { machine, MACHINE_FILES } from './machines';
import type { MachineFile } from './scenarios';

export type Expectation =
  /** Transient, retried: the run ends as its base did. */
  | 'recovers'
  /** Transient capacity refusal: the next attempt is on the next instance type and the run ends as its base did. */
  | 'falls-back'
  /** Persistent capacity refusal: every instance type is tried, then Warden.CapacityUnavailable. */
  | 'exhausts-fallback'
  /** Persistent, at a best-effort record (its Catch keeps the error aside in $.recordingError): ends as its base. */
  | 'best-effort'
  /** Persistent: the run fails with a contract error. */
  | 'fails';

export interface FaultCase {
  readonly file: MachineFile;
  readonly task: TaskStateSummary;
  readonly fault: Fault;
  readonly mode: FaultMode;
  readonly expectation: Expectation;
  /** For a retried error: how many attempts the state makes before it gives up. */
  readonly attemptsAllowed?: number;
}

const CAPACITY_FAULTS: readonly FaultKind[] = ['resource-limit', 'job-capacity-error'];

export function caseName(faultCase: FaultCase): string {
  const { task, fault, mode, expectation } = faultCase;
  return `${task.name} ← ${fault.error} (${fault.kind}, ${mode}) ${expectation}`;
}

export function faultCases(): FaultCase[] {
  return MACHINE_FILES.flatMap((file) =>
    machine(file).tasks.flatMap((task) =>
      faultsFor(task).flatMap((fault) => {
        const state = machine(file).state(task.name);
        const retrier = retrierFor(state, fault.error);
        const fallsBack = CAPACITY_FAULTS.includes(fault.kind) && fallsBackOnCapacity(task);
        const bestEffort = catcherFor(state, fault.error)?.ResultPath === '$.recordingError';
        const common = { file, task, fault, attemptsAllowed: retrier && attemptsAllowed(retrier) };
        const persistent: FaultCase = {
          ...common,
          mode: 'persistent',
          expectation: fallsBack ? 'exhausts-fallback' : bestEffort ? 'best-effort' : 'fails',
        };
        if (!fallsBack && retrier === undefined) return [persistent];
        return [persistent, { ...common, mode: 'transient', expectation: fallsBack ? 'falls-back' : 'recovers' }];
      }),
    ),
  );
}
