/**
 * Which Task states had a fault injected, and which Catch branches the faulted runs took (a branch is taken when a run
 * went from its state through it to its Next), out of all of them in the three files.
 */
import { machine, MACHINE_FILES, type CatchBranch } from './machines';
import type { MachineFile, ScenarioRun } from './scenarios';

export interface CoverageSummary {
  readonly taskStates: { readonly faulted: number; readonly total: number; readonly ratio: number };
  readonly catchBranches: { readonly taken: number; readonly total: number; readonly ratio: number };
  readonly cases: number;
  readonly notFaulted: readonly string[];
  readonly notTaken: readonly string[];
}

export function catchId(branch: Pick<CatchBranch, 'file' | 'state' | 'index'>): string {
  return `${branch.file} ${branch.state} Catch[${branch.index}]`;
}

export class Coverage {
  private readonly faulted = new Set<string>();
  private readonly taken = new Set<string>();
  private cases = 0;

  /** A case ran: its fault fired at `task`, and these are the runs it caused. */
  record(file: MachineFile, task: string, run: ScenarioRun): void {
    this.cases += 1;
    this.faulted.add(`${file} ${task}`);
    const executions = [
      { file: run.file, execution: run.execution },
      ...run.deployments.map((deployment) => ({ file: 'deploy.asl.json' as const, execution: deployment.execution })),
    ];
    for (const { file: executed, execution } of executions) {
      for (const caught of execution.caught) {
        this.taken.add(catchId({ file: executed, state: caught.state, index: caught.catchIndex }));
      }
    }
  }

  summary(): CoverageSummary {
    const tasks = MACHINE_FILES.flatMap((file) => machine(file).tasks.map((task) => `${file} ${task.name}`));
    const catches = MACHINE_FILES.flatMap((file) => machine(file).catches.map(catchId));
    const notFaulted = tasks.filter((task) => !this.faulted.has(task));
    const notTaken = catches.filter((branch) => !this.taken.has(branch));
    const faulted = tasks.length - notFaulted.length;
    const taken = catches.length - notTaken.length;
    return {
      taskStates: { faulted, total: tasks.length, ratio: faulted / tasks.length },
      catchBranches: { taken, total: catches.length, ratio: taken / catches.length },
      cases: this.cases,
      notFaulted,
      notTaken,
    };
  }
}
