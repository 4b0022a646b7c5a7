import type { Exchange, HeaderList } from "../exchange.ts";
import type { BadInput } from "./bad-input.ts";
import { lineRecords } from "./lines.ts";

/**
 * API Gateway access logs in JSON format, one object per line (CloudWatch exports may put a timestamp before the
 * object; it is skipped). Keys are the `$context` variable names, as in AWS's own JSON format examples:
 * requestTimeEpoch | requestTime, httpMethod, path (REST: includes the stage), routeKey (HTTP APIs: "GET /x"),
 * resourcePath, domainName, status, userAgent, protocol. The request is rebuilt as far as those go; every exchange
 * says what was missing, and only the status is there to compare against.
 */
const ALWAYS_MISSING = ["request headers other than User-Agent", "request body", "query string", "response headers", "response body"];

const MONTHS: Record<string, string> = { Jan: "01", Feb: "02", Mar: "03", Apr: "04", May: "05", Jun: "06", Jul: "07", Aug: "08", Sep: "09", Oct: "10", Nov: "11", Dec: "12" };

/** `$context.requestTime` is CLF: `13/Apr/2024:10:00:00 +0000`. Second precision only. */
function parseClfTime(text: string): number {
  const match = /^(\d{2})\/(\w{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-]\d{2})(\d{2})$/.exec(text);
  if (!match || !MONTHS[match[2]!]) return NaN;
  const [, day, month, year, hh, mm, ss, tzh, tzm] = match;
  return Date.parse(`${year}-${MONTHS[month!]}-${day}T${hh}:${mm}:${ss}${tzh}:${tzm}`);
}

const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" && value !== "-" ? value : undefined);

function rebuild(record: Record<string, unknown>, origin: string): Exchange | string {
  const missing = [...ALWAYS_MISSING];
  const epoch = Number(record.requestTimeEpoch);
  let startedAt = Number.isFinite(epoch) && record.requestTimeEpoch !== undefined ? epoch : NaN;
  if (Number.isNaN(startedAt) && text(record.requestTime)) {
    startedAt = parseClfTime(text(record.requestTime)!);
    missing.push("sub-second request time (requestTime has seconds only)");
  }
  if (Number.isNaN(startedAt)) return "no requestTimeEpoch or requestTime";
  const routeKey = text(record.routeKey)?.split(" ");
  const method = text(record.httpMethod) ?? (routeKey?.length === 2 ? routeKey[0] : undefined);
  if (!method) return "no httpMethod (or routeKey)";
  let path = text(record.path);
  if (!path) {
    const template = text(record.resourcePath) ?? (routeKey?.length === 2 ? routeKey[1] : undefined);
    if (!template || template.includes("{")) return "no concrete path: path is missing and resourcePath/routeKey is a template";
    const stage = text(record.stage);
    path = stage && stage !== "$default" ? `/${stage}${template}` : template;
    missing.push("path (rebuilt from stage + resourcePath)");
  }
  const status = Number(record.status);
  const domain = text(record.domainName);
  if (!domain) missing.push("domainName (host)");
  const headers: HeaderList = [];
  const userAgent = text(record.userAgent);
  if (userAgent) headers.push(["User-Agent", userAgent]);
  return {
    origin,
    startedAt,
    request: { method: method.toUpperCase(), url: `https://${domain ?? "access-log.invalid"}${path}`, headers, body: undefined },
    response: Number.isInteger(status) && status > 0 ? { status, headers: undefined, body: undefined } : undefined,
    missing,
  };
}

export function readAccessLog(name: string, chunks: AsyncIterable<Buffer>, bad: (input: BadInput) => void): AsyncGenerator<Exchange[]> {
  return lineRecords(name, chunks, (lineText, origin) => {
    const brace = lineText.indexOf("{");
    let record: unknown;
    try {
      record = brace === -1 ? undefined : JSON.parse(lineText.slice(brace));
    } catch (error) {
      bad({ origin, reason: `not JSON (${(error as Error).message})` });
      return undefined;
    }
    if (typeof record !== "object" || record === null || Array.isArray(record)) {
      bad({ origin, reason: "no JSON object on the line" });
      return undefined;
    }
    const exchange = rebuild(record as Record<string, unknown>, origin);
    if (typeof exchange !== "string") return exchange;
    bad({ origin, reason: exchange });
    return undefined;
  });
}
