/** A few helpers to look into rendered pages: parse (parse5, as a browser does), select, read text. */
import type { Element, Nodes, Root } from 'hast';
import { fromParse5 } from 'hast-util-from-parse5';
import { parse } from 'parse5';

export function parseHtml(html: string): Root {
  return fromParse5(parse(html)) as Root;
}

/** Every element under `node` (document order) that passes `test`. */
export function select(node: Nodes, test: (el: Element) => boolean): Element[] {
  const found: Element[] = [];
  const walk = (n: Nodes) => {
    if (n.type === 'element') {
      if (test(n)) found.push(n);
      if (n.tagName === 'template' && n.content) walk(n.content);
    }
    if ('children' in n) for (const c of n.children) walk(c);
  };
  walk(node);
  return found;
}

export const byClass = (node: Nodes, cls: string) => select(node, (el) => classes(el).includes(cls));
export const byTag = (node: Nodes, tag: string) => select(node, (el) => el.tagName === tag);

export function classes(el: Element): string[] {
  const c = el.properties.className;
  return Array.isArray(c) ? c.map(String) : [];
}

export function attr(el: Element, name: string): string | undefined {
  const v = el.properties[name];
  return v === undefined || v === null ? undefined : Array.isArray(v) ? v.join(' ') : String(v);
}

export function textOf(node: Nodes): string {
  if (node.type === 'text') return node.value;
  if ('children' in node) return node.children.map((c) => textOf(c)).join('');
  return '';
}
