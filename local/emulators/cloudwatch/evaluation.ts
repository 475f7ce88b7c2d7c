/**
 * How a metric alarm's datapoints become a state: "M out of N" with missing data, as the CloudWatch User Guide
 * documents it ("Configuring how CloudWatch alarms treat missing data", "Avoiding premature transitions to alarm
 * state"). A pure function of the datapoints of the evaluation range, so its table-driven tests are the user guide's.
 *
 * The evaluation range is the N (EvaluationPeriods) most recent complete periods and a few more; CloudWatch does not
 * publish how many more, its only worked example retrieves 5 for N = 3, so the range here is N + 2 periods. Then:
 * 1. At least N real datapoints in the range: the N most recent real ones are evaluated, TreatMissingData is not
 *    used. ALARM when at least M (DatapointsToAlarm) breach, OK otherwise.
 * 2. No real datapoint: `missing` → INSUFFICIENT_DATA, `ignore` → the state is kept, `breaching` → ALARM,
 *    `notBreaching` → OK.
 * 3. Fewer than N real datapoints:
 *    - `breaching` / `notBreaching`: the real ones plus N − real missing ones filled in as breaching / not breaching;
 *      ALARM when at least M of those N breach.
 *    - `missing` / `ignore`: ALARM when at least M real ones breach; otherwise OK when any real one does not breach;
 *      otherwise (all real ones breach, fewer than M) the premature-alarm rule: ALARM when the oldest breaching
 *      datapoint is at least M periods old (the newest period is 1 old) — `ignore` keeps the state instead — else
 *      INSUFFICIENT_DATA (`missing`) or the state is kept (`ignore`).
 */

export type DatapointClass = 'breaching' | 'notBreaching' | 'missing';

export type TreatMissingData = 'missing' | 'notBreaching' | 'breaching' | 'ignore';

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface EvaluationCriteria {
  /** N. */
  readonly evaluationPeriods: number;
  /** M. */
  readonly datapointsToAlarm: number;
  readonly treatMissingData: TreatMissingData;
}

/** How many periods CloudWatch looks at beyond EvaluationPeriods (module comment). */
export const EXTRA_RANGE_PERIODS = 2;

export function evaluationRangeLength(evaluationPeriods: number): number {
  return evaluationPeriods + EXTRA_RANGE_PERIODS;
}

/** Which rule of the module comment decided. */
export type DecisionBasis = 'datapoints' | 'filled' | 'allMissing' | 'premature' | 'insufficient';

export type AlarmDecision =
  | { readonly outcome: 'keep' }
  | {
      readonly outcome: 'state';
      readonly state: AlarmStateValue;
      readonly basis: DecisionBasis;
      /** Indices into the range of the real datapoints evaluated, oldest first. */
      readonly evaluated: readonly number[];
      /** Missing datapoints filled in with the TreatMissingData value. */
      readonly filled: number;
    };

const KEEP: AlarmDecision = { outcome: 'keep' };

function decided(
  state: AlarmStateValue,
  basis: DecisionBasis,
  evaluated: readonly number[],
  filled = 0,
): AlarmDecision {
  return { outcome: 'state', state, basis, evaluated, filled };
}

/** The decision for the datapoints of the evaluation range, oldest first (module comment). */
export function decideAlarmState(range: readonly DatapointClass[], criteria: EvaluationCriteria): AlarmDecision {
  const { evaluationPeriods: n, datapointsToAlarm: m, treatMissingData: treat } = criteria;
  const real = range.flatMap((point, index) => (point === 'missing' ? [] : [index]));
  const breachingAmong = (indices: readonly number[]) => indices.filter((index) => range[index] === 'breaching').length;

  if (real.length >= n) {
    const evaluated = real.slice(real.length - n);
    return decided(breachingAmong(evaluated) >= m ? 'ALARM' : 'OK', 'datapoints', evaluated);
  }
  if (real.length === 0) {
    if (treat === 'ignore') return KEEP;
    if (treat === 'missing') return decided('INSUFFICIENT_DATA', 'allMissing', []);
    return decided(treat === 'breaching' ? 'ALARM' : 'OK', 'allMissing', [], n);
  }
  const breaching = breachingAmong(real);
  if (treat === 'breaching' || treat === 'notBreaching') {
    const filled = n - real.length;
    const state = breaching + (treat === 'breaching' ? filled : 0) >= m ? 'ALARM' : 'OK';
    return decided(state, 'filled', real, filled);
  }
  if (breaching >= m) return decided('ALARM', 'datapoints', real);
  if (breaching < real.length) return decided('OK', 'datapoints', real);
  if (treat === 'ignore') return KEEP;
  const oldestBreachingAge = range.length - real[0];
  return oldestBreachingAge >= m
    ? decided('ALARM', 'premature', real)
    : decided('INSUFFICIENT_DATA', 'insufficient', real);
}
