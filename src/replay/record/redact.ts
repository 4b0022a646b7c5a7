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

function redactHeaders(headers: HeaderList, rules: RedactionRules, side: string, redacted: Set<string>, secrets: Set<string>): HeaderList {
  return headers.map(([name, value]) => {
    if (!rules.headers.some((pattern) => pattern.test(name))) return [name, value];
    redacted.add(`${side}.header.${name.toLowerCase()}`);
    secrets.add(value);
    return [name, REDACTED];
  });
}

/** Values shorter than this are too likely to occur by chance to be scrubbed from bodies. */
const MIN_SCRUBBED_LENGTH = 6;

/**
 * A secret header value that shows up again in a body (echo services, Lambda proxy events that carry the
 * headers) is replaced there too, wherever it appears in the text.
 */
function scrubSecrets(body: Buffer | undefined, secrets: Set<string>, side: string, redacted: Set<string>): Buffer | undefined {
  if (!body || secrets.size === 0) return body;
  const text = body.toString("utf8");
  if (Buffer.byteLength(text) !== body.length) return body;
  let scrubbed = text;
  for (const secret of secrets) if (secret.length >= MIN_SCRUBBED_LENGTH) scrubbed = scrubbed.replaceAll(secret, REDACTED);
  if (scrubbed === text) return body;
  redacted.add(`${side}.body (secret header values)`);
  return Buffer.from(scrubbed);
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
  const secrets = new Set<string>();
  const requestHeaders = redactHeaders(exchange.request.headers, rules, "request", redacted, secrets);
  const responseHeaders = exchange.response?.headers && redactHeaders(exchange.response.headers, rules, "response", redacted, secrets);
  const request = {
    ...exchange.request,
    headers: requestHeaders,
    body: scrubSecrets(redactBody(exchange.request.body, rules, "request", redacted), secrets, "request", redacted),
  };
  const response = exchange.response && {
    ...exchange.response,
    headers: responseHeaders,
    body: scrubSecrets(redactBody(exchange.response.body, rules, "response", redacted), secrets, "response", redacted),
  };
  return { exchange: { ...exchange, request, response }, redacted: [...redacted] };
}
