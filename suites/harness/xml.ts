import { expect } from "vitest";

/** A small XML well-formedness check: balanced tags, quoted attributes, no bare `<` or `&` in text. */
export function assertWellFormedXml(text: string): Array<{ name: string; attrs: Record<string, string>; parents: string[] }> {
  const body = text.replace(/^<\?xml [^?]*\?>\s*/, "");
  expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
  const stack: string[] = [];
  const elements: Array<{ name: string; attrs: Record<string, string>; parents: string[] }> = [];
  const token = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let match: RegExpExecArray | null;
  let at = 0;
  let roots = 0;
  while (at < body.length && (match = token.exec(body)) !== null) {
    at = token.lastIndex;
    const [, close, name, attrText, selfClose, textPart] = match;
    if (textPart !== undefined) {
      expect(textPart.replace(/&(amp|lt|gt|quot|apos|#\d+);/g, "")).not.toMatch(/[&<>]/);
      if (stack.length === 0) expect(textPart.trim()).toBe("");
      continue;
    }
    if (close) {
      expect(stack.pop(), `closing </${name}>`).toBe(name);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const [, key, value] of attrText!.matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)) {
      expect(attrs[key!], `duplicate attribute ${key}`).toBeUndefined();
      expect(value!.replace(/&(amp|lt|gt|quot|apos|#\d+);/g, "")).not.toMatch(/[&<>]/);
      attrs[key!] = value!;
    }
    if (stack.length === 0) roots++;
    elements.push({ name: name!, attrs, parents: [...stack] });
    if (!selfClose) stack.push(name!);
  }
  expect(at, "unparsable XML from here").toBe(body.length);
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
  return elements;
}
