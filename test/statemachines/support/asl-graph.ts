/** Walks ASL documents: every state with its scope, and the transitions out of a state. */
import type { AslState, StateMachineDefinition } from '../../../lib/state-machine-file';

export interface ScopedState {
  readonly name: string;
  readonly state: AslState;
  /** The States map this state belongs to (the top level, a Parallel branch or a Map item processor). */
  readonly scope: StateMachineDefinition;
  /** The Parallel or Map state whose branch holds this state; undefined at the top level. */
  readonly enclosing?: ScopedState;
}

export function allStates(definition: StateMachineDefinition, enclosing?: ScopedState): ScopedState[] {
  return Object.entries(definition.States).flatMap(([name, state]) => {
    const scoped: ScopedState = { name, state, scope: definition, enclosing };
    const nested = [...(state.Branches ?? []), state.ItemProcessor ?? state.Iterator].filter(
      (branch): branch is StateMachineDefinition => branch !== undefined,
    );
    return [scoped, ...nested.flatMap((branch) => allStates(branch, scoped))];
  });
}

interface ChoiceRuleWithNext {
  readonly Next: string;
}
interface Catcher {
  readonly ErrorEquals: readonly string[];
  readonly Next: string;
  readonly ResultPath?: string | null;
}

export function catchers(state: AslState): Catcher[] {
  return (state.Catch ?? []) as Catcher[];
}

/** Names of the states this state can move to, in its own scope. */
export function successors(state: AslState): string[] {
  const next = typeof state.Next === 'string' ? [state.Next] : [];
  const fallback = typeof state.Default === 'string' ? [state.Default] : [];
  const choices = ((state.Choices ?? []) as ChoiceRuleWithNext[]).map((rule) => rule.Next);
  return [...next, ...fallback, ...choices, ...catchers(state).map((catcher) => catcher.Next)];
}

/** Every string field of a JSON value, with its key, at any depth. */
export function stringFields(value: unknown, key = ''): Array<{ key: string; value: string }> {
  if (typeof value === 'string') return [{ key, value }];
  if (Array.isArray(value)) return value.flatMap((item) => stringFields(item, key));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([field, item]) => stringFields(item, field));
  }
  return [];
}

/** Every field name of a JSON value, at any depth. */
export function fieldNames(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(fieldNames);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([field, item]) => [field, ...fieldNames(item)]);
  }
  return [];
}
