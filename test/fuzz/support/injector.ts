/**
 * Puts faults in front of the stand-ins of one execution: a Task named in a plan fails on every attempt (persistent)
 * or on its first one only (transient). A timeout is the runtime's own: the stand-in never answers and the Task's
 * TimeoutSeconds is shortened to a few milliseconds.
 */
import { StubbedAwsError } from '../../statemachines/support/fake-aws';
import type { ExecutionHooks } from '../../statemachines/support/local-execution';
import type { Fault, FaultMode } from './faults';

/** Long enough for a stand-in that answers at once, short enough that a run of timeouts costs nothing. */
const TIMEOUT_MS = 10;

export interface FaultPlan {
  readonly task: string;
  readonly fault: Fault;
  readonly mode: FaultMode;
}

/** One dispatch of a Task: its effective input, and whether the fault was injected instead of answering. */
export interface Attempt {
  readonly task: string;
  readonly input: Record<string, unknown>;
  readonly injected: boolean;
}

export class FaultInjector {
  readonly attempts: Attempt[] = [];

  constructor(private readonly plans: readonly FaultPlan[]) {}

  hooks(): ExecutionHooks {
    return {
      taskTimeoutMs: Object.fromEntries(
        this.plans.filter((plan) => plan.fault.kind === 'timeout').map((plan) => [plan.task, TIMEOUT_MS]),
      ),
      intercept: (dispatch) => async (task, input) => {
        const plan = this.plans.find((candidate) => candidate.task === task.name);
        const inject = plan !== undefined && (plan.mode === 'persistent' || this.attemptsAt(task.name).length === 0);
        this.attempts.push({ task: task.name, input: input as Record<string, unknown>, injected: inject });
        if (!inject) return dispatch(task, input);
        if (plan.fault.kind === 'timeout') return new Promise<never>(() => undefined);
        throw new StubbedAwsError(plan.fault.error, plan.fault.cause(input));
      },
    };
  }

  attemptsAt(task: string): Attempt[] {
    return this.attempts.filter((attempt) => attempt.task === task);
  }

  injectedAt(task: string): number {
    return this.attemptsAt(task).filter((attempt) => attempt.injected).length;
  }
}
