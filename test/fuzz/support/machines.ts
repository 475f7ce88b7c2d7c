/**
 * The three state machine files as the fault injection sees them: their Task states (taskStates, so Parallel branches
 * and Map item processors included), every Catch of every state, and which states a state can lead to.
 */
import {
  STATE_MACHINE_FILES,
  loadStateMachineDefinition,
  taskStates,
  type AslState,
  type StateMachineDefinition,
  type TaskStateSummary,
} from '../../../lib/state-machine-file';
import { allStates, catchers, successors, type ScopedState } from '../../statemachines/support/asl-graph';
import {
  deploySubstitutions,
  remediateSubstitutions,
  trainingSubstitutions,
} from '../../statemachines/support/substitutions';
import type { MachineFile } from './scenarios';

export interface CatchBranch {
  readonly file: MachineFile;
  readonly state: string;
  readonly index: number;
  readonly errorEquals: readonly string[];
  readonly next: string;
}

export interface Machine {
  readonly file: MachineFile;
  readonly definition: StateMachineDefinition;
  readonly tasks: readonly TaskStateSummary[];
  readonly catches: readonly CatchBranch[];
  /** Whether any Task of the file invokes record-lineage, i.e. whether its failures can be put in lineage. */
  readonly recordsLineage: boolean;
  state(name: string): AslState;
  /** Names of the states control can reach from `from` (itself included), across Map/Parallel boundaries. */
  reachableFrom(from: string): ReadonlySet<string>;
}

const SUBSTITUTIONS: Record<MachineFile, () => Record<string, unknown>> = {
  'training.asl.json': () => trainingSubstitutions(),
  'deploy.asl.json': () => deploySubstitutions(),
  'remediate.asl.json': () => remediateSubstitutions(),
};

const machines = new Map<MachineFile, Machine>();

export function machine(file: MachineFile): Machine {
  let loaded = machines.get(file);
  if (loaded === undefined) {
    loaded = load(file);
    machines.set(file, loaded);
  }
  return loaded;
}

export const MACHINE_FILES: readonly MachineFile[] = STATE_MACHINE_FILES;

function load(file: MachineFile): Machine {
  const definition = loadStateMachineDefinition(file, SUBSTITUTIONS[file]());
  const scoped = allStates(definition);
  const byName = new Map<string, ScopedState>();
  for (const entry of scoped) {
    // The local runtime reports states by name only, so a name must say which state it is.
    if (byName.has(entry.name)) throw new Error(`${file}: state name ${entry.name} is used twice`);
    byName.set(entry.name, entry);
  }
  const edges = new Map<string, string[]>(scoped.map((entry) => [entry.name, edgesOf(entry)]));
  const tasks = taskStates(definition);
  return {
    file,
    definition,
    tasks,
    catches: scoped.flatMap(({ name, state }) =>
      catchers(state).map((catcher, index) => ({
        file,
        state: name,
        index,
        errorEquals: catcher.ErrorEquals,
        next: catcher.Next,
      })),
    ),
    recordsLineage: tasks.some((task) => String(task.parameters?.FunctionName).endsWith('-record-lineage')),
    state(name) {
      const entry = byName.get(name);
      if (entry === undefined) throw new Error(`${file} has no state ${name}`);
      return entry.state;
    },
    reachableFrom(from) {
      const seen = new Set<string>();
      const pending = [from];
      while (pending.length > 0) {
        const name = pending.pop() as string;
        if (seen.has(name)) continue;
        seen.add(name);
        pending.push(...(edges.get(name) ?? []));
      }
      return seen;
    },
  };
}

/**
 * Where control can go from a state: its Next, Default, Choices and Catch targets; into the branches of a Map or
 * Parallel; and, from any state inside a branch, back out to the enclosing state (whose own edges lead on), since a
 * branch that ends or fails hands control to it.
 */
function edgesOf({ state, enclosing }: ScopedState): string[] {
  const branches = [...(state.Branches ?? []), state.ItemProcessor ?? state.Iterator].filter(
    (branch): branch is StateMachineDefinition => branch !== undefined,
  );
  return [
    ...successors(state),
    ...branches.map((branch) => branch.StartAt),
    ...(enclosing === undefined ? [] : [enclosing.name]),
  ];
}
