/**
 * The @connections management API (spec §12.3; Smithy model of apigatewaymanagementapi):
 *   POST   /{stage}/@connections/{id}  body = data, 0..131072 bytes → 200; larger → 413 PayloadTooLargeException
 *   GET    /{stage}/@connections/{id}  → 200 {"connectedAt","identity":{"sourceIp","userAgent"},"lastActiveAt"} (ISO 8601)
 *   DELETE /{stage}/@connections/{id}  → 204, the socket is closed
 * `@` may arrive as `%40` and the id percent-encoded (the SDK sends `%3D` for `=`).
 * Unknown or closed connections, and connections whose $connect has not completed, are 410 GoneException
 * (spec §12.3 [KC]). AWS's 410 carries no JSON body: the Java SDK reports "GoneException: null" (aws/aws-sdk-java#2200)
 * and the PHP SDK "Unable to parse error information from response - Error parsing JSON"
 * (georgeboot/laravel-echo-api-gateway#9); the SDKs take the error code from x-amzn-ErrorType.
 * Requests are SigV4-signed for execute-api and verified by auth/iam.ts, as AWS_IAM REST methods are.
 * On a shared store the connection may be held by another gateway instance: its record says which, and POST and
 * DELETE reach that instance's socket through delivery.ts (500 InternalServerErrorException when the store fails).
 */
import type http from "node:http";
import { authorizeIam } from "../auth/iam.ts";
import { GATEWAY_RESPONSES, GatewayError } from "../errors/index.ts";
import type { WebSocketApi } from "../model/websocket.ts";
import type { RoutedCall } from "../rest/call.ts";
import type { WebSocketDeps } from "./server.ts";

export const MANAGEMENT_PATH = /^\/([^/?]+)\/(?:@|%40)connections\/([^/?]+)\/?(?:\?.*)?$/i;

interface Context {
  api: WebSocketApi;
  stages: ReadonlySet<string>;
  deps: WebSocketDeps;
  now: () => number;
}

function answer(res: http.ServerResponse, status: number, body?: unknown, errorType?: string): void {
  const headers: Record<string, string> = {};
  if (errorType) headers["x-amzn-ErrorType"] = errorType;
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, "content-type": "application/json", "content-length": String(Buffer.byteLength(text)) }).end(text);
}

function readBody(req: http.IncomingMessage, limit: number): Promise<{ body: Buffer; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      // Keep reading past the limit (so the client gets the answer), but stop storing.
      if (size <= limit + 1) chunks.push(chunk);
    });
    req.on("end", () => resolve({ body: Buffer.concat(chunks), tooLarge: size > limit }));
    req.on("error", reject);
  });
}

export async function handleManagement(req: http.IncomingMessage, res: http.ServerResponse, ctx: Context): Promise<void> {
  const { deps } = ctx;
  try {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const rawPath = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? undefined : url.slice(q + 1);
    const { body, tooLarge } = await readBody(req, deps.limits.maxMessageBytes);
    const headerPairs: Array<[string, string]> = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) headerPairs.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
    // authorizeIam reads only the request's signing parts and writes call.auth; the rest of a REST call is unused.
    const call = { request: { method: req.method ?? "GET", rawPath, rawQuery, headerPairs, body }, auth: undefined } as unknown as RoutedCall;
    try {
      authorizeIam(call, { principals: deps.principals, region: deps.region, now: ctx.now });
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      const def = GATEWAY_RESPONSES[error.type];
      answer(res, error.status ?? def.status, { message: error.message }, def.errorType);
      return;
    }
    const m = MANAGEMENT_PATH.exec(url)!;
    const stage = decodeURIComponent(m[1]!);
    const connectionId = decodeURIComponent(m[2]!);
    const method = req.method ?? "GET";
    if (!ctx.stages.has(stage) || !["POST", "GET", "DELETE"].includes(method)) {
      answer(res, 403, { message: "Forbidden" }, "ForbiddenException");
      return;
    }
    const record = await deps.registry.get(connectionId);
    if (!record || record.apiId !== ctx.api.id || record.state !== "open") {
      answer(res, 410, undefined, "GoneException");
      return;
    }
    if (method === "GET") {
      answer(res, 200, {
        connectedAt: new Date(record.connectedAt).toISOString(),
        identity: { sourceIp: record.sourceIp, ...(record.userAgent === undefined ? {} : { userAgent: record.userAgent }) },
        lastActiveAt: new Date(record.lastActiveAt).toISOString(),
      });
      return;
    }
    if (method === "DELETE") {
      const closed = await deps.registry.delivery.delete(record.instanceId, connectionId);
      if (closed) answer(res, 204);
      else answer(res, 410, undefined, "GoneException");
      return;
    }
    if (tooLarge) {
      // Spec §12.3: PostToConnection Data is 0..131072 bytes; beyond it 413 PayloadTooLargeException {"message":…}.
      answer(res, 413, { message: `Message too long: ${deps.limits.maxMessageBytes} bytes at most` }, "PayloadTooLargeException");
      return;
    }
    const sent = await deps.registry.delivery.send(record.instanceId, connectionId, body, false);
    if (sent) answer(res, 200);
    else answer(res, 410, undefined, "GoneException");
  } catch (error) {
    deps.log(`@connections: ${String(error)}`);
    if (!res.headersSent) answer(res, 500, { message: "Internal server error" }, "InternalServerErrorException");
  }
}
