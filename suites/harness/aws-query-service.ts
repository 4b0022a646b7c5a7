import { createHash, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";

/**
 * A stand-in for SQS and SNS as they answer the AWS query protocol, for suites that test AWS service integrations:
 *
 * - the SigV4 `Authorization` header is verified by re-signing the received request with @smithy/signature-v4 (the
 *   AWS SDK v3 signer, independent of the gateway's `aws4`) over exactly the headers it lists as signed; a mismatch is
 *   403 `SignatureDoesNotMatch`, as the services answer;
 * - parameters are the query string merged with a form-encoded body (a body is read as parameters only with
 *   Content-Type application/x-www-form-urlencoded, as the query protocol has it);
 * - SQS `SendMessage` at `/{account}/{queue}` and SNS `Publish` with a TopicArn answer with the services' XML
 *   (`text/xml`, `x-amzn-RequestId` header; SQS API reference "SendMessage", SNS API reference "Publish",
 *   "Making Query API requests"); errors are the query protocol's `<ErrorResponse>` with status 400.
 */
export interface QueryRequest {
  service: "sqs" | "sns";
  method: string;
  path: string;
  headers: Record<string, string>;
  params: Record<string, string>;
  body: string;
  /** The credential scope the request was signed for: `{date}/{region}/{service}/aws4_request`. */
  scope: string;
}

export interface QueryService {
  url: string;
  received: QueryRequest[];
  close(): Promise<void>;
}

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

const xmlEscape = (text: string) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

function errorXml(type: "Sender" | "Receiver", code: string, message: string, requestId: string): string {
  return `<ErrorResponse><Error><Type>${type}</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

/** `AWS4-HMAC-SHA256 Credential=AKID/scope, SignedHeaders=a;b, Signature=hex` → its parts. */
function parseAuthorization(value: string | undefined): { accessKeyId: string; scope: string; signedHeaders: string[] } | undefined {
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/([^,]+), ?SignedHeaders=([^,]+), ?Signature=[0-9a-f]{64}$/.exec(value ?? "");
  return match ? { accessKeyId: match[1]!, scope: match[2]!, signedHeaders: match[3]!.split(";") } : undefined;
}

/** `20240101T000000Z` → Date. */
const amzDate = (text: string) => new Date(`${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}T${text.slice(9, 11)}:${text.slice(11, 13)}:${text.slice(13, 15)}Z`);

async function signatureMatches(req: http.IncomingMessage, url: URL, body: Buffer, credentials: Credentials): Promise<{ ok: boolean; scope: string }> {
  const presented = parseAuthorization(req.headers.authorization);
  const date = req.headers["x-amz-date"];
  if (!presented || typeof date !== "string" || presented.accessKeyId !== credentials.accessKeyId) return { ok: false, scope: presented?.scope ?? "" };
  const [, region, service] = presented.scope.split("/");
  const headers: Record<string, string> = {};
  for (const name of presented.signedHeaders) headers[name] = String(req.headers[name] ?? "");
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const previous = query[name];
    query[name] = previous === undefined ? value : [previous, value].flat();
  }
  const signer = new SignatureV4({ service: service!, region: region!, credentials, sha256: Sha256, applyChecksum: false });
  const signed = await signer.sign(
    { method: req.method ?? "GET", protocol: "http:", hostname: url.hostname, port: Number(url.port), path: url.pathname, query, headers, body },
    { signingDate: amzDate(date) },
  );
  return { ok: signed.headers.authorization === req.headers.authorization, scope: presented.scope };
}

function answer(request: QueryRequest, requestId: string): { status: number; xml: string } {
  const action = request.params.Action;
  if (request.service === "sqs" && action === "SendMessage") {
    const body = request.params.MessageBody;
    if (body === undefined) return { status: 400, xml: errorXml("Sender", "MissingParameter", "The request must contain the parameter MessageBody.", requestId) };
    if (!/^\/\d{12}\/[A-Za-z0-9_-]{1,80}$/.test(request.path)) {
      return { status: 400, xml: errorXml("Sender", "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.", requestId) };
    }
    const md5 = createHash("md5").update(body, "utf8").digest("hex");
    return {
      status: 200,
      xml: `<SendMessageResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><SendMessageResult><MD5OfMessageBody>${md5}</MD5OfMessageBody><MessageId>${randomUUID()}</MessageId></SendMessageResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></SendMessageResponse>`,
    };
  }
  if (request.service === "sns" && action === "Publish") {
    if (!request.params.TopicArn?.startsWith("arn:aws:sns:")) return { status: 400, xml: errorXml("Sender", "InvalidParameter", "Invalid parameter: TopicArn", requestId) };
    if (request.params.Message === undefined) return { status: 400, xml: errorXml("Sender", "ValidationError", "1 validation error detected: Value null at 'message' failed to satisfy constraint: Member must not be null", requestId) };
    return {
      status: 200,
      xml: `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`,
    };
  }
  return { status: 400, xml: errorXml("Sender", "InvalidAction", `The action ${action ?? "(none)"} is not valid for this endpoint.`, requestId) };
}

export async function startQueryService(service: "sqs" | "sns", credentials: Credentials): Promise<QueryService> {
  const received: QueryRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
        const requestId = randomUUID();
        const reply = (status: number, xml: string) => {
          res.writeHead(status, { "Content-Type": "text/xml", "x-amzn-RequestId": requestId });
          res.end(xml);
        };
        const { ok, scope } = await signatureMatches(req, url, body, credentials);
        if (!ok) {
          reply(403, errorXml("Sender", "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.", requestId));
          return;
        }
        const params = Object.fromEntries(url.searchParams);
        if ((req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase() === "application/x-www-form-urlencoded") {
          Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString("utf8"))));
        }
        const headers = Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, String(value)]));
        const request: QueryRequest = { service, method: req.method ?? "", path: url.pathname, headers, params, body: body.toString("utf8"), scope };
        received.push(request);
        const { status, xml } = answer(request, requestId);
        reply(status, xml);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
