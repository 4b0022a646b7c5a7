/** Normalisers for integration fields and gateway responses shared by the OpenAPI and CloudFormation readers. */
import {
  GATEWAY_RESPONSE_TYPES,
  type ContentHandling,
  type GatewayResponseConfig,
  type GatewayResponseType,
  type IntegrationType,
  type PassthroughBehavior,
} from "../model/types.ts";
import { fail } from "./errors.ts";
import { child } from "./json-path.ts";
import { int, optStr, str, stringMap } from "./values.ts";

const TYPES: Record<string, IntegrationType> = { mock: "MOCK", http: "HTTP", http_proxy: "HTTP_PROXY", aws: "AWS", aws_proxy: "AWS_PROXY" };

export function integrationType(v: unknown, file: string, path: string): IntegrationType {
  const raw = str(v, file, path, "integration type");
  const t = TYPES[raw.toLowerCase()];
  if (!t) return fail(file, path, `integration type "${raw}" is not supported yet`);
  if (t === "AWS") fail(file, path, "integration type AWS (non-proxy Lambda or AWS service integration) is not supported yet");
  return t;
}

export function passthrough(v: unknown, file: string, path: string): PassthroughBehavior {
  if (v === undefined || v === null) return "WHEN_NO_MATCH";
  const raw = str(v, file, path, "passthroughBehavior").toUpperCase();
  if (raw !== "WHEN_NO_MATCH" && raw !== "WHEN_NO_TEMPLATES" && raw !== "NEVER") {
    return fail(file, path, `passthroughBehavior "${String(v)}" must be WHEN_NO_MATCH, WHEN_NO_TEMPLATES or NEVER`);
  }
  return raw;
}

export function timeout(v: unknown, file: string, path: string): number {
  if (v === undefined || v === null) return 29000;
  return int(v, file, path, "timeoutInMillis", 50, 29000);
}

export function contentHandling(v: unknown, file: string, path: string): ContentHandling | undefined {
  const raw = optStr(v, file, path, "contentHandling");
  if (raw === undefined) return undefined;
  if (raw !== "CONVERT_TO_TEXT" && raw !== "CONVERT_TO_BINARY") return fail(file, path, `contentHandling "${raw}" must be CONVERT_TO_TEXT or CONVERT_TO_BINARY`);
  return raw;
}

export function connectionType(v: unknown, file: string, path: string): void {
  const raw = optStr(v, file, path, "connectionType");
  if (raw !== undefined && raw.toUpperCase() !== "INTERNET") fail(file, path, `connectionType ${raw} (VPC_LINK) is not supported yet`);
}

export function checkHttpUri(uri: string, file: string, path: string): void {
  if (!/^https?:\/\/[^/]/i.test(uri)) fail(file, path, `HTTP integration uri must be an http(s) URL, got "${uri}"`);
}

/** One gateway response; `type`/`statusCode` validation per spec §2. */
export function gatewayResponse(
  type: string,
  statusCode: unknown,
  responseParameters: Record<string, string>,
  responseTemplates: Record<string, string>,
  file: string,
  path: string,
  statusPath: string,
): [GatewayResponseType, GatewayResponseConfig] {
  if (!(GATEWAY_RESPONSE_TYPES as readonly string[]).includes(type)) fail(file, path, `unknown gateway response type "${type}"`);
  if (type === "REQUEST_TOO_LARGE") fail(file, path, "gateway response REQUEST_TOO_LARGE is not customisable on AWS");
  const status = optStr(statusCode, file, statusPath, "gateway response statusCode");
  if (status !== undefined && !/^[1-5]\d\d$/.test(status)) fail(file, statusPath, `gateway response statusCode "${status}" must match [1-5]\\d\\d`);
  for (const k of Object.keys(responseParameters)) {
    if (!/^gatewayresponse\.(header|path|querystring)\.[^.]+$/.test(k)) {
      fail(file, child(path, k), `gateway response parameter "${k}" must be gatewayresponse.{header|path|querystring}.NAME`);
    }
  }
  const config: GatewayResponseConfig = { responseParameters, responseTemplates };
  if (status !== undefined) config.statusCode = status;
  return [type as GatewayResponseType, config];
}

export { stringMap };
