import { Stack } from 'aws-cdk-lib';
import type { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { renderJsonDocument, renderText, renderValue } from './intrinsics';

/** A Task state of a state machine definition, wherever it is nested. */
export interface DefinedTask {
  /** The Task's `Resource`, references rendered as markers. */
  readonly resource: string;
  /** `Parameters` (JSONPath) or `Arguments` (JSONata), or undefined when the Task has neither. */
  readonly request: unknown;
}

/**
 * The definition of a state machine as deployed: `DefinitionString` (usually a `Fn::Join` of JSON text and references)
 * or `Definition`, with `DefinitionSubstitutions` applied and references rendered as markers. Undefined when the
 * definition is only in S3. Throws when the text is not JSON, which the pack reports as an error of the rule.
 */
export function stateMachineDefinition(node: CfnStateMachine): Record<string, unknown> | undefined {
  const stack = Stack.of(node);
  let text: string;
  if (node.definitionString !== undefined) text = renderJsonDocument(stack.resolve(node.definitionString));
  else if (node.definition !== undefined) text = JSON.stringify(renderValue(stack.resolve(node.definition)));
  else return undefined;
  const substitutions = stack.resolve(node.definitionSubstitutions) as Record<string, unknown> | undefined;
  for (const [name, value] of Object.entries(substitutions ?? {})) {
    text = text.split(`\${${name}}`).join(renderText(value));
  }
  const parsed: unknown = JSON.parse(text);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error('The state machine definition is not a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

/** Every Task state of a definition, including those in Parallel branches and Map item processors. */
export function definedTasks(definition: Record<string, unknown>): DefinedTask[] {
  const states = definition.States;
  if (states === null || typeof states !== 'object') return [];
  return Object.values(states as Record<string, Record<string, unknown>>).flatMap((state) => {
    if (state.Type === 'Task') {
      return [{ resource: String(state.Resource), request: state.Parameters ?? state.Arguments }];
    }
    const nested: unknown[] = [
      ...(Array.isArray(state.Branches) ? state.Branches : []),
      state.ItemProcessor,
      state.Iterator,
    ];
    return nested.flatMap((child) =>
      child !== null && typeof child === 'object' ? definedTasks(child as Record<string, unknown>) : [],
    );
  });
}
