/**
 * The local runtime's virtual clock. Nothing in the runtime sleeps: a Wait state, a training job or a scenario step
 * advances the clock, and every timer that falls due on the way (schedules, alarm evaluations, traffic, canary bakes)
 * fires in time order, awaited one by one, before the advance returns. Hours of schedules and bake times therefore
 * take as long as the work done in them.
 *
 * Advances are serialized: an advance requested while another is firing timers runs after it, from the time that one
 * reached.
 */

export type TimerCallback = (at: number) => void | Promise<void>;

interface Timer {
  readonly id: number;
  at: number;
  readonly periodMs?: number;
  readonly callback: TimerCallback;
}

/** Cancels a timer; calling it twice is harmless. */
export type Cancel = () => void;

export class VirtualClock {
  private nowMs: number;
  private timers: Timer[] = [];
  private nextId = 1;
  private queue: Promise<void> = Promise.resolve();

  /** @param start the virtual time the run starts at. @default 2024-06-01T00:00:00Z */
  constructor(start: Date | number = Date.UTC(2024, 5, 1)) {
    this.nowMs = typeof start === 'number' ? start : start.getTime();
  }

  /** Virtual epoch milliseconds. */
  now(): number {
    return this.nowMs;
  }

  date(): Date {
    return new Date(this.nowMs);
  }

  /** ISO 8601 UTC of the current virtual time. */
  iso(): string {
    return this.date().toISOString();
  }

  /** Runs `callback` once when the clock reaches `at` (epoch ms); at once on the next advance if `at` is past. */
  at(at: number, callback: TimerCallback): Cancel {
    return this.add({ id: this.nextId++, at, callback });
  }

  /** Runs `callback` after `delayMs` of virtual time. */
  after(delayMs: number, callback: TimerCallback): Cancel {
    return this.at(this.nowMs + delayMs, callback);
  }

  /** Runs `callback` every `periodMs`, first at `firstAt` (default: one period from now). */
  every(periodMs: number, callback: TimerCallback, firstAt = this.nowMs + periodMs): Cancel {
    if (!(periodMs > 0)) throw new RangeError(`A period must be positive, got ${periodMs} ms.`);
    return this.add({ id: this.nextId++, at: firstAt, periodMs, callback });
  }

  /** Moves the clock forward by `ms`, firing due timers in order. */
  advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`The clock only moves forward, got ${ms} ms.`);
    return this.serialize(() => this.runUntil(this.nowMs + ms));
  }

  /** Moves the clock forward to `at` (no-op when already past it), firing due timers in order. */
  advanceTo(at: number): Promise<void> {
    return this.serialize(() => this.runUntil(Math.max(at, this.nowMs)));
  }

  /** Timers still pending, for diagnostics. */
  pending(): number {
    return this.timers.length;
  }

  private add(timer: Timer): Cancel {
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((other) => other.id !== timer.id);
    };
  }

  private serialize(work: () => Promise<void>): Promise<void> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async runUntil(target: number): Promise<void> {
    for (;;) {
      const due = this.nextDue(target);
      if (due === undefined) break;
      this.nowMs = Math.max(this.nowMs, due.at);
      if (due.periodMs === undefined) this.timers = this.timers.filter((timer) => timer.id !== due.id);
      else due.at += due.periodMs;
      await due.callback(this.nowMs);
    }
    this.nowMs = target;
  }

  /** The earliest timer due at or before `target`; ties fire in the order they were added. */
  private nextDue(target: number): Timer | undefined {
    let best: Timer | undefined;
    for (const timer of this.timers) {
      if (timer.at > target) continue;
      if (best === undefined || timer.at < best.at || (timer.at === best.at && timer.id < best.id)) best = timer;
    }
    return best;
  }
}
