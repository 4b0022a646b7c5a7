import { TemplateRenderError } from "../templates/scope.ts";

/**
 * java.util.regex patterns (String.matches/replaceAll/replaceFirst/split) translated to JavaScript RegExp.
 * Covered: leading inline flags `(?i)(?s)(?m)(?x-less)`, `\A` `\z` `\Z`, possessive quantifiers (treated as greedy),
 * the common `\p{…}` POSIX classes. A pattern that neither engine accepts is a render error (Java throws
 * PatternSyntaxException, which API Gateway turns into a 5XX).
 */
const cache = new Map<string, RegExp>();

const POSIX: Record<string, string> = {
  Lower: "a-z",
  Upper: "A-Z",
  ASCII: "\\x00-\\x7F",
  Alpha: "a-zA-Z",
  Digit: "0-9",
  Alnum: "a-zA-Z0-9",
  Punct: "!-\\/:-@\\[-`{-~",
  Graph: "!-~",
  Print: " -~",
  Blank: " \\t",
  Cntrl: "\\x00-\\x1F\\x7F",
  XDigit: "0-9a-fA-F",
  Space: " \\t\\n\\x0B\\f\\r",
};

function translate(pattern: string): { source: string; flags: string } {
  let flags = "";
  let body = pattern;
  const inline = /^\(\?([imsux]+)\)/.exec(body);
  if (inline) {
    for (const f of inline[1]!) if ("ims".includes(f) && !flags.includes(f)) flags += f;
    body = body.slice(inline[0].length);
  }
  let out = "";
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === "\\") {
      const n = body[i + 1];
      if (n === undefined) throw new TemplateRenderError(`invalid regex ${JSON.stringify(pattern)}: trailing backslash`);
      if (!inClass && n === "A") out += "^";
      else if (!inClass && (n === "z" || n === "Z")) out += "$";
      else if ((n === "p" || n === "P") && body[i + 2] === "{") {
        const close = body.indexOf("}", i + 3);
        const name = body.slice(i + 3, close).replace(/^Is/, "");
        const range = POSIX[name];
        if (close < 0) throw new TemplateRenderError(`invalid regex ${JSON.stringify(pattern)}`);
        if (range) out += inClass ? (n === "p" ? range : "") : n === "p" ? `[${range}]` : `[^${range}]`;
        else out += body.slice(i, close + 1); // Unicode property: needs the u flag (added below)
        i = close;
        continue;
      } else out += c + n;
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      out += c;
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += c;
      if (body[i + 1] === "^") (out += "^"), i++;
      if (body[i + 1] === "]") (out += "\\]"), i++;
      continue;
    }
    if (c === "+" && /[*+?}]$/.test(out) && !out.endsWith("\\+") && !out.endsWith("\\*") && !out.endsWith("\\?") && !out.endsWith("\\}")) continue; // possessive
    out += c;
  }
  return { source: out, flags };
}

export function javaRegex(pattern: string, extraFlags = ""): RegExp {
  const key = `${extraFlags}/${pattern}`;
  const hit = cache.get(key);
  if (hit) {
    hit.lastIndex = 0;
    return hit;
  }
  const { source, flags } = translate(pattern);
  let regex: RegExp;
  try {
    regex = new RegExp(source, flags + extraFlags);
  } catch {
    try {
      regex = new RegExp(source, `${flags}${extraFlags}u`);
    } catch (error) {
      throw new TemplateRenderError(`invalid regex ${JSON.stringify(pattern)}: ${(error as Error).message}`);
    }
  }
  if (cache.size > 500) cache.clear();
  cache.set(key, regex);
  return regex;
}

/** Matcher.appendReplacement rules: `$n` and `${name}` are groups, `\x` is a literal x; any other `$` is an error. */
export function javaReplacement(replacement: string): (match: RegExpExecArray | string[], groups?: Record<string, string>) => string {
  const parts: Array<string | number | { name: string }> = [];
  let literal = "";
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement[i]!;
    if (c === "\\") {
      i++;
      if (i >= replacement.length) throw new TemplateRenderError("character to be escaped is missing (replacement ends with \\)");
      literal += replacement[i];
    } else if (c === "$") {
      if (literal) parts.push(literal), (literal = "");
      if (replacement[i + 1] === "{") {
        const close = replacement.indexOf("}", i);
        if (close < 0) throw new TemplateRenderError("named capturing group is missing trailing '}'");
        parts.push({ name: replacement.slice(i + 2, close) });
        i = close;
      } else {
        const digits = /^\d+/.exec(replacement.slice(i + 1));
        if (!digits) throw new TemplateRenderError(`Illegal group reference in replacement ${JSON.stringify(replacement)}`);
        parts.push(Number(digits[0]));
        i += digits[0].length;
      }
    } else literal += c;
  }
  if (literal) parts.push(literal);
  return (match, groups) =>
    parts
      .map((part) => {
        if (typeof part === "string") return part;
        if (typeof part === "number") {
          // Java takes as many digits as form an existing group number.
          let n = part;
          let rest = "";
          while (n >= match.length && n >= 10) (rest = String(n % 10) + rest), (n = Math.floor(n / 10));
          if (n >= match.length) throw new TemplateRenderError(`No group ${n}`);
          return (match[n] ?? "") + rest;
        }
        if (!groups || !(part.name in groups)) throw new TemplateRenderError(`No group with name {${part.name}}`);
        return groups[part.name] ?? "";
      })
      .join("");
}

export function javaReplaceAll(s: string, pattern: string, replacement: string, firstOnly = false): string {
  const regex = javaRegex(pattern, "g");
  const build = javaReplacement(replacement);
  let out = "";
  let last = 0;
  regex.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = regex.exec(s))) {
    out += s.slice(last, m.index) + build(m, m.groups);
    last = m.index + m[0].length;
    if (m[0].length === 0) {
      if (regex.lastIndex >= s.length) {
        // A zero-length match at the end: Java appends the replacement there too, then stops.
        break;
      }
      out += s[regex.lastIndex]!;
      last = ++regex.lastIndex;
    }
    if (firstOnly) break;
  }
  return out + s.slice(last);
}

/** String.split(regex): no leading empty string for a zero-width match at 0, trailing empty strings removed. */
export function javaSplit(s: string, pattern: string): string[] {
  if (s === "") return [""];
  const regex = javaRegex(pattern, "g");
  regex.lastIndex = 0;
  const parts: string[] = [];
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = regex.exec(s))) {
    if (m[0].length === 0) {
      if (m.index >= s.length) break;
      if (m.index === 0) {
        regex.lastIndex++;
        continue;
      }
    }
    parts.push(s.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[0].length === 0) regex.lastIndex++;
  }
  if (parts.length === 0) return [s];
  parts.push(s.slice(last));
  while (parts.length && parts[parts.length - 1] === "") parts.pop();
  return parts;
}

/** String.matches: the whole string must match. */
const anchored = new Map<string, RegExp>();
export function javaMatches(s: string, pattern: string): boolean {
  let regex = anchored.get(pattern);
  if (!regex) {
    const base = javaRegex(pattern);
    regex = new RegExp(`^(?:${base.source})$`, base.flags);
    if (anchored.size > 500) anchored.clear();
    anchored.set(pattern, regex);
  }
  return regex.test(s);
}
