import { bodyPath, matches, parsePattern, type PathPattern, type Segment } from "../compare/paths.ts";
import type { Exchange, HeaderList } from "../exchange.ts";

export const REDACTED = "[REDACTED]";

/** Redacted unless the recording is started with an explicit opt-out. */
export const DEFAULT_SECRET_HEADERS = ["authorization", "x-api-key", "cookie", "set-cookie", "x-amz-security-token", "proxy-authorization"];

export interface RedactionRules {
  /** Header names matched whole and case-insensitively (regex source), defaults included. */
  headers: RegExp[];
  /** Body paths (same grammar as reports: `body.password`, `body.**.token`), for JSON bodies of requests and responses. */
  bodyPaths: PathPattern[];
}

export function redactionRules(extraHeaderPatterns: string[], bodyPaths: string[]): RedactionRules {
  const headers = [...DEFAULT_SECRET_HEADERS.map((name) => name.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&")), ...extraHeaderPatterns].map(
    (source) => new RegExp(`^(?:${source})$`, "i"),
  );
  return {
    headers,
    bodyPaths: bodyPaths.map((path) => {
      const pattern = parsePattern(path.startsWith("body") ? path : `body.${path}`);
      if (pattern.root !== "body") throw new Error(`--redact-body ${JSON.stringify(path)}: not a body path`);
      return pattern;
    }),
  };
}

function redactHeaders(headers: HeaderList, rules: RedactionRules, side: string, redacted: Set<string>): HeaderList {
  return headers.map(([name, value]) => {
    if (!rules.headers.some((pattern) => pattern.test(name))) return [name, value];
    redacted.add(`${side}.header.${name.toLowerCase()}`);
    return [name, REDACTED];
  });
}

function redactJson(value: unknown, segments: Segment[], rules: RedactionRules, side: string, redacted: Set<string>): unknown {
  const location = { root: "body" as const, segments };
  if (segments.length > 0 && rules.bodyPaths.some((pattern) => matches(pattern, location))) {
    redacted.add(`${side}.${bodyPath(segments)}`);
    return REDACTED;
  }
  if (Array.isArray(value)) return value.map((item, i) => redactJson(item, [...segments, i], rules, side, redacted));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = redactJson(item, [...segments, key], rules, side, redacted);
    return out;
  }
  return value;
}

function redactBody(body: Buffer | undefined, rules: RedactionRules, side: string, redacted: Set<string>): Buffer | undefined {
  if (!body || rules.bodyPaths.length === 0) return body;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return body;
  }
  const before = redacted.size;
  const result = redactJson(parsed, [], rules, side, redacted);
  return redacted.size === before ? body : Buffer.from(JSON.stringify(result));
}

/** The exchange with secrets replaced by [REDACTED], and the list of what was replaced (`request.header.cookie`, …). */
export function redactExchange(exchange: Exchange, rules: RedactionRules): { exchange: Exchange; redacted: string[] } {
  const redacted = new Set<string>();
  const request = {
    ...exchange.request,
    headers: redactHeaders(exchange.request.headers, rules, "request", redacted),
    body: redactBody(exchange.request.body, rules, "request", redacted),
  };
  const response = exchange.response && {
    ...exchange.response,
    headers: exchange.response.headers && redactHeaders(exchange.response.headers, rules, "response", redacted),
    body: redactBody(exchange.response.body, rules, "response", redacted),
  };
  return { exchange: { ...exchange, request, response }, redacted: [...redacted] };
}
