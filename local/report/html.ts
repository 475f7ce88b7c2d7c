import { createHash } from 'node:crypto';

/**
 * HTML building for the report: the `html` template tag escapes every interpolated value unless it is already
 * {@link SafeHtml}, so that names and messages from the run (a model called `<script>…`) can only ever be text.
 */

/** Markup that is known to be safe: built by {@link html} or deliberately trusted with {@link trusted}. */
export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

/** What may be interpolated: text (escaped), numbers, safe markup, nothing (`null`, `undefined`, `false`), or lists. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0];
  values.forEach((value, index) => {
    out += render(value) + strings[index + 1];
  });
  return new SafeHtml(out);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ENTITIES[character]);
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/**
 * A `<script type="application/json">` element holding `value`: `<`, `>`, `&` and the JavaScript line separators are
 * written as `\u` escapes, so no string in the data can close the element or open a comment; non-finite numbers
 * become the contract's strings.
 */
export function jsonScript(id: string, value: unknown): SafeHtml {
  const json = JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'number' && !Number.isFinite(item) ? String(item) : item,
  );
  const escaped = json.replace(
    /[<>&\u2028\u2029]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return new SafeHtml(`<script type="application/json" id="${escapeHtml(id)}">${escaped}</script>`);
}

/** An inline script element of trusted code, with the CSP source expression that allows exactly that code. */
export interface InlineScript {
  readonly element: SafeHtml;
  /** `'sha256-…'` of the element's text, for `script-src`. */
  readonly source: string;
}

/**
 * Trusted code as a script element. Built here, not in a template, so that the hash is of exactly the text between
 * the tags; code that would end the element early is refused.
 */
export function inlineScript(code: string, origin: string): InlineScript {
  refuseClosingTag(code, 'script', origin);
  return {
    element: new SafeHtml(`<script>${code}</script>`),
    source: `'sha256-${createHash('sha256').update(code, 'utf8').digest('base64')}'`,
  };
}

/** Trusted CSS as a style element; CSS that would end the element early is refused. */
export function inlineStyle(css: string, origin: string): SafeHtml {
  refuseClosingTag(css, 'style', origin);
  return new SafeHtml(`<style>${css}</style>`);
}

function refuseClosingTag(text: string, element: 'script' | 'style', origin: string): void {
  if (new RegExp(`</${element}`, 'i').test(text)) {
    throw new Error(`${origin} contains "</${element}" and cannot be inlined into the report.`);
  }
}
