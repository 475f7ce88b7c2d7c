/**
 * Deterministic stand-ins for the choices SageMaker makes at random per request: which production variant serves it,
 * whether it is captured, whether an injected fault hits it. Runs of the local runtime must reproduce, so every
 * choice keeps the exact proportion over any stretch of requests instead of drawing from a generator.
 */

export interface WeightedChoice<T> {
  /** Stable identity of the choice across calls; the rotation restarts when the keys or weights change. */
  readonly key: string;
  readonly weight: number;
  readonly value: T;
}

/**
 * Smooth weighted round robin (nginx's upstream balancer): over any n consecutive picks, each choice is picked
 * within one of `n · weight / Σ weights` times, and picks of a choice are spread evenly rather than bunched.
 */
export class WeightedRoundRobin<T> {
  private credit = new Map<string, number>();
  private signature = '';

  /** The next choice among those with a positive weight; undefined when there is none. */
  pick(choices: readonly WeightedChoice<T>[]): T | undefined {
    const live = choices.filter((choice) => choice.weight > 0);
    const signature = live.map((choice) => `${choice.key}=${choice.weight}`).join('\u0000');
    if (signature !== this.signature) {
      this.signature = signature;
      this.credit = new Map();
    }
    let total = 0;
    let best: WeightedChoice<T> | undefined;
    for (const choice of live) {
      total += choice.weight;
      const credit = (this.credit.get(choice.key) ?? 0) + choice.weight;
      this.credit.set(choice.key, credit);
      if (best === undefined || credit > (this.credit.get(best.key) ?? 0)) best = choice;
    }
    if (best === undefined) return undefined;
    this.credit.set(best.key, (this.credit.get(best.key) ?? 0) - total);
    return best.value;
  }
}

/**
 * Says yes to a `rate` share of calls, evenly spread: the n-th call says yes when ⌊n · rate⌋ grows. A rate of 0.1
 * hits calls 10, 20, 30, …; 1 hits every call; 0 none. A new rate starts counting afresh, so a change never owes or
 * withholds hits earned under the old one.
 */
export class EvenSpread {
  private rate = Number.NaN;
  private calls = 0;
  private hits = 0;

  next(rate: number): boolean {
    const clamped = Math.min(1, Math.max(0, rate));
    if (clamped !== this.rate) {
      this.rate = clamped;
      this.calls = 0;
      this.hits = 0;
    }
    this.calls++;
    // The epsilon keeps rates like 0.1 · 10 from landing just below an integer.
    const due = Math.floor(this.calls * clamped + 1e-9);
    if (due <= this.hits) return false;
    this.hits = due;
    return true;
  }
}
