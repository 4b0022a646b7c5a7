import { readFile } from "node:fs/promises";
import { formatLocation, matches, parsePattern, PathSyntaxError, type Location, type PathPattern } from "./paths.ts";

/**
 * Values that differ between two correct answers. Built in: what AWS (and HTTP) make different on every request.
 * User paths come in the same grammar, from `--ignore PATH` or an ignore file (one path per line, # comments).
 */
export const AWS_NOISE: ReadonlyArray<{ path: string; why: string }> = [
  { path: "header.x-amzn-requestid", why: "API Gateway request id, new per request" },
  { path: "header.x-amz-apigw-id", why: "extended request id, new per request" },
  { path: "header.x-amzn-trace-id", why: "X-Ray trace id, new per request" },
  { path: "header.date", why: "time of the answer" },
  { path: "header.x-amzn-remapped-date", why: "HTTP_PROXY: the backend's Date, remapped" },
  { path: "header.x-amz-cf-id", why: "CloudFront request id (edge-optimized endpoints)" },
  { path: "header.x-amz-cf-pop", why: "CloudFront edge location" },
  { path: "header.via", why: "CloudFront / proxy hop" },
  { path: "header.x-cache", why: "CloudFront cache status" },
  { path: "header.connection", why: "connection management, not the answer" },
  { path: "header.keep-alive", why: "connection management, not the answer" },
  { path: "header.transfer-encoding", why: "framing, not the answer" },
  { path: "header.content-length", why: "follows the body, which is compared itself" },
  { path: "body.**.requestContext.requestId", why: "Lambda proxy event: request id" },
  { path: "body.**.requestContext.extendedRequestId", why: "Lambda proxy event: extended request id" },
  { path: "body.**.requestContext.requestTime", why: "Lambda proxy event: request time" },
  { path: "body.**.requestContext.requestTimeEpoch", why: "Lambda proxy event: request time" },
  { path: "body.**.requestContext.identity.sourceIp", why: "Lambda proxy event: the replaying client's address" },
  { path: 'body.**.headers["X-Amzn-Trace-Id"]', why: "Lambda proxy event: X-Ray trace id" },
  { path: 'body.**.multiValueHeaders["X-Amzn-Trace-Id"]', why: "Lambda proxy event: X-Ray trace id" },
];

export interface NoiseRules {
  patterns: Array<{ pattern: PathPattern; why: string }>;
}

export function noiseRules(userPaths: ReadonlyArray<{ path: string; why: string }>, builtIn = true): NoiseRules {
  const all = [...(builtIn ? AWS_NOISE : []), ...userPaths];
  return { patterns: all.map(({ path, why }) => ({ pattern: parsePattern(path), why })) };
}

/** Ignore-file lines → paths; a line that is not a path fails with its line number. */
export async function readIgnoreFile(file: string): Promise<Array<{ path: string; why: string }>> {
  const lines = (await readFile(file, "utf8")).split("\n");
  const out: Array<{ path: string; why: string }> = [];
  lines.forEach((raw, i) => {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") return;
    try {
      parsePattern(line);
    } catch (error) {
      if (error instanceof PathSyntaxError) throw new Error(`${file}:${i + 1}: ${error.message}`);
      throw error;
    }
    out.push({ path: line, why: `${file}:${i + 1}` });
  });
  return out;
}

/** The rule that makes a location noise, or undefined. Memoised by path: reports repeat the same few paths. */
export function noiseMatcher(rules: NoiseRules): (location: Location) => string | undefined {
  const seen = new Map<string, string | undefined>();
  return (location) => {
    const key = formatLocation(location);
    if (seen.has(key)) return seen.get(key);
    const hit = rules.patterns.find(({ pattern }) => matches(pattern, location));
    const why = hit ? `${hit.pattern.text} (${hit.why})` : undefined;
    seen.set(key, why);
    return why;
  };
}
