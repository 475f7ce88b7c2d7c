/**
 * Composite alarm rules (`AlarmRule` of PutCompositeAlarm / AWS::CloudWatch::CompositeAlarm): the functions
 * `ALARM(x)`, `OK(x)`, `INSUFFICIENT_DATA(x)` — true when alarm x (a name or an alarm ARN, in double quotes or not) is
 * in that state — the constants `TRUE` and `FALSE`, the operators `NOT`, `AND`, `OR` and parentheses. Precedence is
 * NOT over AND over OR; AND and OR associate left.
 */
import type { AlarmStateValue } from './evaluation';

export type AlarmRule =
  | { readonly kind: 'constant'; readonly value: boolean }
  | { readonly kind: 'state'; readonly state: AlarmStateValue; readonly alarm: string }
  | { readonly kind: 'not'; readonly operand: AlarmRule }
  | { readonly kind: 'and' | 'or'; readonly operands: readonly AlarmRule[] };

export class AlarmRuleSyntaxError extends Error {
  constructor(message: string, rule: string, position: number) {
    super(`${message} at position ${position} of the alarm rule "${rule}".`);
    this.name = 'AlarmRuleSyntaxError';
  }
}

const STATE_FUNCTIONS: readonly AlarmStateValue[] = ['ALARM', 'OK', 'INSUFFICIENT_DATA'];

export function parseAlarmRule(text: string): AlarmRule {
  const parser = new RuleParser(text);
  const rule = parser.expression();
  parser.expectEnd();
  return rule;
}

/** The alarm references of a rule as written (names or ARNs), each once, in order of appearance. */
export function ruleReferences(rule: AlarmRule): string[] {
  switch (rule.kind) {
    case 'constant':
      return [];
    case 'state':
      return [rule.alarm];
    case 'not':
      return ruleReferences(rule.operand);
    case 'and':
    case 'or':
      return [...new Set(rule.operands.flatMap(ruleReferences))];
  }
}

/** Whether the rule holds, given the state of each referenced alarm. */
export function evaluateAlarmRule(rule: AlarmRule, stateOf: (reference: string) => AlarmStateValue): boolean {
  switch (rule.kind) {
    case 'constant':
      return rule.value;
    case 'state':
      return stateOf(rule.alarm) === rule.state;
    case 'not':
      return !evaluateAlarmRule(rule.operand, stateOf);
    case 'and':
      return rule.operands.every((operand) => evaluateAlarmRule(operand, stateOf));
    case 'or':
      return rule.operands.some((operand) => evaluateAlarmRule(operand, stateOf));
  }
}

class RuleParser {
  private position = 0;

  constructor(private readonly text: string) {}

  expression(): AlarmRule {
    return this.binary('or', () => this.binary('and', () => this.negation()));
  }

  expectEnd(): void {
    this.skipSpace();
    if (this.position < this.text.length) this.fail(`Unexpected "${this.text[this.position]}"`);
  }

  private binary(kind: 'and' | 'or', operand: () => AlarmRule): AlarmRule {
    const operands = [operand()];
    while (this.acceptKeyword(kind.toUpperCase())) operands.push(operand());
    return operands.length === 1 ? operands[0] : { kind, operands };
  }

  private negation(): AlarmRule {
    return this.acceptKeyword('NOT') ? { kind: 'not', operand: this.negation() } : this.primary();
  }

  private primary(): AlarmRule {
    this.skipSpace();
    if (this.accept('(')) {
      const inner = this.expression();
      this.expect(')');
      return inner;
    }
    const start = this.position;
    const word = this.word();
    if (word === 'TRUE' || word === 'FALSE') return { kind: 'constant', value: word === 'TRUE' };
    const state = STATE_FUNCTIONS.find((name) => name === word);
    if (state === undefined) {
      this.position = start;
      return this.fail(word === '' ? 'Expected an alarm function, TRUE, FALSE, NOT or "("' : `Unknown word "${word}"`);
    }
    this.expect('(');
    const alarm = this.alarmReference();
    this.expect(')');
    return { kind: 'state', state, alarm };
  }

  /** `"name or ARN"`, or unquoted up to the closing parenthesis. */
  private alarmReference(): string {
    this.skipSpace();
    let reference: string;
    if (this.accept('"')) {
      const end = this.text.indexOf('"', this.position);
      if (end < 0) this.fail('Unterminated quoted alarm name');
      reference = this.text.slice(this.position, end);
      this.position = end + 1;
    } else {
      const end = this.text.indexOf(')', this.position);
      reference = this.text.slice(this.position, end < 0 ? this.text.length : end).trim();
      this.position = end < 0 ? this.text.length : end;
    }
    if (reference === '') this.fail('Expected an alarm name or ARN');
    return reference;
  }

  private word(): string {
    const match = /^[A-Za-z_]+/.exec(this.text.slice(this.position));
    const word = match?.[0] ?? '';
    this.position += word.length;
    return word;
  }

  private acceptKeyword(keyword: string): boolean {
    this.skipSpace();
    const end = this.position + keyword.length;
    if (this.text.slice(this.position, end) !== keyword || /[A-Za-z_]/.test(this.text[end] ?? '')) return false;
    this.position = end;
    return true;
  }

  private accept(symbol: string): boolean {
    this.skipSpace();
    if (this.text[this.position] !== symbol) return false;
    this.position++;
    return true;
  }

  private expect(symbol: string): void {
    if (!this.accept(symbol)) this.fail(`Expected "${symbol}"`);
  }

  private skipSpace(): void {
    while (/\s/.test(this.text[this.position] ?? '')) this.position++;
  }

  private fail(message: string): never {
    throw new AlarmRuleSyntaxError(message, this.text, this.position);
  }
}
