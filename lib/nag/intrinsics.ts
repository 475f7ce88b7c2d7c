import { type CfnResource, Stack } from 'aws-cdk-lib';

/**
 * Resolved CloudFormation values as the rules read them: literal text stays as it is and every intrinsic function
 * becomes a marker such as `${Ref:MyBucket}` or `${GetAtt:MyKey.Arn}`. Markers hold no quote or backslash, so they
 * can sit inside JSON strings, and the same reference renders the same way wherever it occurs, so names and ARNs built
 * from references can be compared across resources and stacks.
 */

const MARKER = /\$\{[A-Za-z]+:/;

/** True for `{ Ref: … }`, `{ 'Fn::…': … }` and `{ Condition: … }` objects. */
export function isIntrinsic(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0] === 'Condition' || keys[0].startsWith('Fn::'));
}

/** True when the text holds a marker, i.e. part of it is only known at deployment. */
export function hasMarker(text: string): boolean {
  return MARKER.test(text);
}

/** A resolved CloudFormation value as text, intrinsics as markers. */
export function renderText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (!isIntrinsic(value)) return sanitize(JSON.stringify(value) ?? '');
  const [name, argument] = Object.entries(value)[0];
  if (name === 'Ref') return `\${Ref:${renderText(argument)}}`;
  if (name === 'Fn::GetAtt') {
    const [resource, attribute] = Array.isArray(argument) ? argument : String(argument).split('.');
    return `\${GetAtt:${renderText(resource)}.${renderText(attribute)}}`;
  }
  if (name === 'Fn::Join' && Array.isArray(argument) && Array.isArray(argument[1])) {
    const [delimiter, parts] = argument as [unknown, unknown[]];
    return parts.map(renderText).join(renderText(delimiter));
  }
  if (name === 'Fn::Sub') return renderSub(argument);
  return `\${${name.replace(/^Fn::/, '')}:${sanitize(JSON.stringify(argument) ?? '')}}`;
}

/** A resolved CloudFormation value with every intrinsic inside it rendered by {@link renderText}. */
export function renderValue(value: unknown): unknown {
  if (isIntrinsic(value)) return renderText(value);
  if (Array.isArray(value)) return value.map(renderValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renderValue(item)]));
  }
  return value;
}

/** A property of an L1 resource, resolved, references rendered, field names as given. */
export function resolveValue(node: CfnResource, value: unknown): unknown {
  return renderValue(Stack.of(node).resolve(value));
}

/**
 * Properties of an L1 resource, resolved, references rendered, with CloudFormation's (and the AWS APIs') field names:
 * `{ dataCaptureConfig: { kmsKeyId } }` → `{ DataCaptureConfig: { KmsKeyId } }`.
 */
export function resolveProperties(node: CfnResource, properties: Record<string, unknown>): Record<string, unknown> {
  return toCloudFormationNames(resolveValue(node, properties)) as Record<string, unknown>;
}

/**
 * The text of a JSON document that CloudFormation assembles at deployment (`Fn::Join` of JSON text and references):
 * literal pieces are JSON text; a reference inside a JSON string becomes a marker in that string, a reference in a
 * value position a string holding the marker, so the result parses as JSON.
 */
export function renderJsonDocument(value: unknown): string {
  let text = '';
  let inString = false;
  let escaped = false;
  const appendText = (piece: string) => {
    for (const char of piece) {
      if (escaped) escaped = false;
      else if (char === '\\' && inString) escaped = true;
      else if (char === '"') inString = !inString;
    }
    text += piece;
  };
  const append = (piece: unknown): void => {
    if (typeof piece === 'string') return appendText(piece);
    if (isIntrinsic(piece) && Array.isArray(piece['Fn::Join'])) {
      const [delimiter, parts] = piece['Fn::Join'] as [unknown, unknown];
      if (typeof delimiter === 'string' && Array.isArray(parts)) {
        parts.forEach((part, index) => {
          if (index > 0) appendText(delimiter);
          append(part);
        });
        return;
      }
    }
    const marker = renderText(piece);
    text += inString ? marker : `"${marker}"`;
  };
  append(value);
  return text;
}

/** `${Name}` → `${Ref:Name}`, `${Name.Attribute}` → `${GetAtt:Name.Attribute}`, `${!Literal}` → `${Literal}`. */
function renderSub(argument: unknown): string {
  const [template, variables] = Array.isArray(argument)
    ? (argument as [unknown, Record<string, unknown> | undefined])
    : [argument, undefined];
  return renderText(template).replace(/\$\{([^}]*)\}/g, (_match, name: string) => {
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    if (variables?.[name] !== undefined) return renderText(variables[name]);
    return name.includes('.') ? `\${GetAtt:${name}}` : `\${Ref:${name}}`;
  });
}

function toCloudFormationNames(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toCloudFormationNames);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key.charAt(0).toUpperCase() + key.slice(1),
      toCloudFormationNames(item),
    ]),
  );
}

function sanitize(text: string): string {
  return text.replace(/["\\\n\r\t]/g, '');
}
