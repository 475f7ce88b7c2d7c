/**
 * What an alarm is about, from its name. Warden names its alarms (lib/naming.ts) `warden-<model>-drift` and
 * `warden-<model>-drift-<feature>` for drift, `warden-<model>-<region>-<kind>` for serving health, with kind `quality`,
 * `5xx`, `deployment` (the canary guard) or `latency`.
 */
export type AlarmKind = 'drift' | 'quality' | '5xx' | 'deployment' | 'latency';

const KINDS: readonly AlarmKind[] = ['drift', 'quality', '5xx', 'deployment', 'latency'];

/** The kind of a Warden alarm of `modelName`, or undefined when the name is not one. */
export function alarmKind(alarmName: string, modelName: string): AlarmKind | undefined {
  const prefix = `warden-${modelName}-`;
  if (!alarmName.startsWith(prefix)) return undefined;
  const rest = alarmName.slice(prefix.length);
  if (rest === 'drift' || rest.startsWith('drift-')) return 'drift';
  // `<region>-<kind>[-<detail>]`: a region name (`us-east-1`, `us-gov-west-1`) ends in its number, the kind follows.
  const kind = /^[a-z]{2}(?:-[a-z]+)+-\d+-([a-z0-9]+)(?:-|$)/.exec(rest)?.[1];
  return KINDS.find((candidate) => candidate === kind);
}
