import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack, Token } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

/**
 * The state machine files under `statemachines/` are JSONPath ASL with `${Name}` placeholders. They stay valid JSON
 * before substitution: a string that is exactly `"${Name}"` becomes the JSON value given for Name (string, number,
 * array or object); a placeholder inside a longer string is replaced by text, so its value must be a string.
 *
 * Synth-time only: nothing here calls AWS.
 */

/** The state machine definitions shipped in `statemachines/`. */
export const STATE_MACHINE_FILES = ['training.asl.json', 'deploy.asl.json', 'remediate.asl.json'] as const;

/** A parsed ASL document (only the fields this module reads are typed). */
export interface StateMachineDefinition {
  readonly StartAt: string;
  readonly States: Record<string, AslState>;
  readonly [field: string]: unknown;
}

/** One state of an ASL document. */
export interface AslState {
  readonly Type: string;
  readonly Resource?: unknown;
  readonly Retry?: readonly unknown[];
  readonly Catch?: readonly unknown[];
  readonly Branches?: readonly StateMachineDefinition[];
  readonly ItemProcessor?: StateMachineDefinition;
  readonly Iterator?: StateMachineDefinition;
  readonly [field: string]: unknown;
}

/** A Task state found anywhere in a definition, including Parallel branches and Map item processors. */
export interface TaskStateSummary {
  /** JSON-pointer-like location, e.g. `/States/RolloutRegions/ItemProcessor/States/DeployToRegion`. */
  readonly path: string;
  readonly name: string;
  readonly resource: string;
  /** The Task's `Parameters`, for grants that depend on them (a Lambda's FunctionName). */
  readonly parameters?: Record<string, unknown>;
  readonly hasRetry: boolean;
  readonly hasCatch: boolean;
}

/**
 * A Distributed Map state: besides its Tasks it reads its items from S3 (`ItemReader`), writes its results to S3
 * (`ResultWriter`) and starts child executions of its own state machine, all with the state machine's role.
 */
export interface DistributedMapSummary {
  readonly path: string;
  readonly name: string;
  readonly itemReader?: { readonly resource: string; readonly parameters?: Record<string, unknown> };
  readonly resultWriter?: { readonly resource: string; readonly parameters?: Record<string, unknown> };
}

const PLACEHOLDER = /\$\{([A-Za-z][A-Za-z0-9]*)\}/g;
const EXACT_PLACEHOLDER = /^\$\{([A-Za-z][A-Za-z0-9]*)\}$/;

/** Where the definition files are: next to `lib/` in the repository, two levels up from `dist/lib/` when built. */
export function stateMachinesDirectory(): string {
  const candidates = [join(__dirname, '..', 'statemachines'), join(__dirname, '..', '..', 'statemachines')];
  const found = candidates.find((candidate) => existsSync(join(candidate, 'training.asl.json')));
  if (found === undefined) throw new Error(`statemachines/ not found; looked in ${candidates.join(', ')}`);
  return found;
}

/** The raw text of a definition file (one of {@link STATE_MACHINE_FILES}), placeholders untouched. */
export function readStateMachineFile(fileName: string): string {
  if (!(STATE_MACHINE_FILES as readonly string[]).includes(fileName)) {
    throw new Error(`Unknown state machine file ${fileName}; expected one of ${STATE_MACHINE_FILES.join(', ')}`);
  }
  return readFileSync(join(stateMachinesDirectory(), fileName), 'utf8');
}

/** Every distinct placeholder name in `text`, sorted. */
export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((match) => match[1]))].sort();
}

/**
 * Substitutes every placeholder of an ASL text. Throws one error that lists every placeholder without a value, every
 * substitution the text does not use, and every non-string value used inside a longer string.
 */
export function substitutePlaceholders(text: string, substitutions: Record<string, unknown>): StateMachineDefinition {
  const used = placeholders(text);
  const provided = Object.keys(substitutions).filter((name) => substitutions[name] !== undefined);
  const problems: string[] = [];
  const missing = used.filter((name) => !provided.includes(name));
  const unused = provided.filter((name) => !used.includes(name)).sort();
  if (missing.length > 0) problems.push(`no value for placeholder(s): ${missing.join(', ')}`);
  if (unused.length > 0) problems.push(`substitution(s) not used by the definition: ${unused.join(', ')}`);
  for (const name of provided) {
    const value = substitutions[name];
    if (typeof value === 'number' && !Token.isUnresolved(value) && !Number.isFinite(value)) {
      problems.push(`${name} must be a finite number, got ${String(value)}`);
    }
  }
  const inline = new Set<string>();
  const parsed: unknown = JSON.parse(text);
  const substituted = substituteValue(parsed, substitutions, inline);
  for (const name of [...inline].sort()) {
    if (provided.includes(name) && typeof substitutions[name] !== 'string') {
      problems.push(`${name} is used inside a longer string, so its value must be a string`);
    }
  }
  if (problems.length > 0) throw new Error(`Cannot substitute the state machine definition: ${problems.join('; ')}.`);
  return substituted as StateMachineDefinition;
}

function substituteValue(value: unknown, substitutions: Record<string, unknown>, inline: Set<string>): unknown {
  if (typeof value === 'string') {
    const exact = EXACT_PLACEHOLDER.exec(value);
    if (exact) return substitutions[exact[1]];
    return value.replace(PLACEHOLDER, (_match, name: string) => {
      inline.add(name);
      return String(substitutions[name]);
    });
  }
  if (Array.isArray(value)) return value.map((item) => substituteValue(item, substitutions, inline));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => {
        if (placeholders(key).length > 0) throw new Error(`Placeholders are not allowed in field names: ${key}`);
        return [key, substituteValue(item, substitutions, inline)];
      }),
    );
  }
  return value;
}

/** Reads `statemachines/<fileName>` and substitutes its placeholders (see {@link substitutePlaceholders}). */
export function loadStateMachineDefinition(
  fileName: string,
  substitutions: Record<string, unknown>,
): StateMachineDefinition {
  try {
    return substitutePlaceholders(readStateMachineFile(fileName), substitutions);
  } catch (error) {
    throw new Error(`${fileName}: ${(error as Error).message}`, { cause: error });
  }
}

/** Every Task state of a definition, depth first, including Parallel branches and Map item processors. */
export function taskStates(definition: Readonly<Record<string, unknown>>): TaskStateSummary[] {
  return tasksOf(asDefinition(definition), '');
}

function asDefinition(definition: Readonly<Record<string, unknown>>): StateMachineDefinition {
  const states = definition.States;
  if (states === null || typeof states !== 'object' || Array.isArray(states)) {
    throw new Error('Not a state machine definition: States must be an object');
  }
  return definition as StateMachineDefinition;
}

function tasksOf(definition: StateMachineDefinition, path: string): TaskStateSummary[] {
  return Object.entries(definition.States).flatMap(([name, state]) => {
    const statePath = `${path}/States/${name}`;
    if (state.Type === 'Task') {
      return [
        {
          path: statePath,
          name,
          resource: String(state.Resource),
          parameters: state.Parameters as Record<string, unknown> | undefined,
          hasRetry: (state.Retry?.length ?? 0) > 0,
          hasCatch: (state.Catch?.length ?? 0) > 0,
        },
      ];
    }
    if (state.Type === 'Parallel') {
      return (state.Branches ?? []).flatMap((branch, index) => tasksOf(branch, `${statePath}/Branches/${index}`));
    }
    if (state.Type === 'Map') {
      const processor = state.ItemProcessor ?? state.Iterator;
      const field = state.ItemProcessor ? 'ItemProcessor' : 'Iterator';
      return processor ? tasksOf(processor, `${statePath}/${field}`) : [];
    }
    return [];
  });
}

/** Every Map state whose item processor runs in DISTRIBUTED mode, at any depth. */
export function distributedMaps(definition: Readonly<Record<string, unknown>>): DistributedMapSummary[] {
  return mapsOf(asDefinition(definition), '');
}

function mapsOf(definition: StateMachineDefinition, path: string): DistributedMapSummary[] {
  return Object.entries(definition.States).flatMap(([name, state]) => {
    const statePath = `${path}/States/${name}`;
    const nested = [
      ...(state.Branches ?? []).map((branch, index) => mapsOf(branch, `${statePath}/Branches/${index}`)),
      ...(state.ItemProcessor ? [mapsOf(state.ItemProcessor, `${statePath}/ItemProcessor`)] : []),
    ].flat();
    const config = state.ItemProcessor?.ProcessorConfig as { Mode?: string } | undefined;
    if (state.Type !== 'Map' || config?.Mode !== 'DISTRIBUTED') return nested;
    const io = (field: unknown) => {
      const value = field as { Resource?: unknown; Parameters?: Record<string, unknown> } | undefined;
      return value ? { resource: String(value.Resource), parameters: value.Parameters } : undefined;
    };
    return [
      { path: statePath, name, itemReader: io(state.ItemReader), resultWriter: io(state.ResultWriter) },
      ...nested,
    ];
  });
}

/** The distinct `Resource` of every Task state, in order of first appearance. */
export function taskResources(definition: Readonly<Record<string, unknown>>): string[] {
  return [...new Set(taskStates(definition).map((task) => task.resource))];
}

/**
 * A definition body for `sfn.StateMachine`: the substituted definition, serialized at synth time by the stack so
 * that CDK tokens among the substitutions (ARNs, names) resolve and are escaped as JSON. `DefinitionBody.fromFile`
 * would grant nothing and substitute nothing; the caller grants what {@link taskResources} lists.
 */
export function definitionBodyFor(fileName: string, substitutions: Record<string, unknown>): sfn.DefinitionBody {
  return new SubstitutedDefinitionBody(loadStateMachineDefinition(fileName, substitutions));
}

class SubstitutedDefinitionBody extends sfn.DefinitionBody {
  constructor(private readonly definition: StateMachineDefinition) {
    super();
  }

  bind(scope: Construct, _principal: iam.IPrincipal, _props: sfn.StateMachineProps): sfn.DefinitionConfig {
    return { definitionString: Stack.of(scope).toJsonString(this.definition) };
  }
}
