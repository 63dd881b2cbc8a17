import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';

/**
 * Pages are Preact components rendered to a string on the server: the templates are type-checked
 * and every interpolated value is escaped unless a component explicitly passes trusted HTML
 * (the author's rendered Markdown, sanitized comment bodies) through dangerouslySetInnerHTML.
 */
export function renderDocument(page: VNode): string {
  return `<!doctype html>${renderToString(page)}`;
}

export function renderFragment(node: VNode): string {
  return renderToString(node);
}
