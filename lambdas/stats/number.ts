/**
 * Number parsing straight from bytes, so numeric CSV fields never become strings.
 *
 * Grammar (no surrounding spaces): `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`.
 * Values with at most 15 significant digits and a decimal exponent within ±22 are exact in one multiplication or
 * division (Clinger's fast path: both operands are exactly representable, so IEEE rounding gives the correctly
 * rounded result); everything else is validated here and converted by `Number`, which is correctly rounded too.
 */

const POW10 = new Float64Array(23);
for (let i = 0, p = 1; i < 23; i++, p *= 10) POW10[i] = p;

const PLUS = 43;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const LOWER_E = 101;
const UPPER_E = 69;

/** Parses a finite decimal number from `bytes[start, end)`; `NaN` when the bytes are not one (or overflow). */
export function parseDecimal(bytes: Uint8Array, start: number, end: number): number {
  return scan(bytes, start, end, false);
}

/** Parses an integer literal (`[+-]?digits`) from `bytes[start, end)`; `NaN` when the bytes are not one. */
export function parseInteger(bytes: Uint8Array, start: number, end: number): number {
  return scan(bytes, start, end, true);
}

function scan(bytes: Uint8Array, start: number, end: number, integerOnly: boolean): number {
  let i = start;
  if (i >= end) return NaN;
  let negative = false;
  const c = bytes[i];
  if (c === MINUS) {
    negative = true;
    i++;
  } else if (c === PLUS) {
    i++;
  }
  let mantissa = 0;
  let significant = 0;
  let exponent = 0;
  let digits = 0;
  for (; i < end; i++) {
    const d = bytes[i] - ZERO;
    if (d < 0 || d > 9) break;
    digits++;
    if (mantissa !== 0 || d !== 0) {
      mantissa = mantissa * 10 + d;
      significant++;
    }
  }
  if (i < end && bytes[i] === DOT) {
    if (integerOnly) return NaN;
    for (i++; i < end; i++) {
      const d = bytes[i] - ZERO;
      if (d < 0 || d > 9) break;
      digits++;
      exponent--;
      if (mantissa !== 0 || d !== 0) {
        mantissa = mantissa * 10 + d;
        significant++;
      }
    }
  }
  if (digits === 0) return NaN;
  if (i < end && (bytes[i] === LOWER_E || bytes[i] === UPPER_E)) {
    if (integerOnly) return NaN;
    i++;
    let expNegative = false;
    if (i < end && (bytes[i] === MINUS || bytes[i] === PLUS)) {
      expNegative = bytes[i] === MINUS;
      i++;
    }
    let expDigits = 0;
    let expValue = 0;
    for (; i < end; i++) {
      const d = bytes[i] - ZERO;
      if (d < 0 || d > 9) break;
      expDigits++;
      if (expValue < 100000) expValue = expValue * 10 + d;
    }
    if (expDigits === 0) return NaN;
    // A saturated exponent is only a lower bound, which a long run of fraction digits could cancel into the fast path.
    if (expValue >= 100000) return i === end ? viaNumber(bytes, start, end) : NaN;
    exponent += expNegative ? -expValue : expValue;
  }
  if (i !== end) return NaN;
  if (significant <= 15 && exponent >= -22 && exponent <= 22) {
    const magnitude = exponent < 0 ? mantissa / POW10[-exponent] : mantissa * POW10[exponent];
    return negative ? -magnitude : magnitude;
  }
  return viaNumber(bytes, start, end);
}

function viaNumber(bytes: Uint8Array, start: number, end: number): number {
  const value = Number(latin1(bytes, start, end));
  return Number.isFinite(value) ? value : NaN;
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  return buffer.toString('latin1', start, end);
}
