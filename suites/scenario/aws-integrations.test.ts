import aws4 from "aws4";
import { createHash } from "node:crypto";
import dynalite from "dynalite";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "undici";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { header, isReference, send } from "../harness/target.ts";
import { startQueryService, type QueryService } from "../harness/aws-query-service.ts";
import { features } from "../harness/conformance.ts";

const TEMPLATE = new URL("./fixtures/aws-integrations/template.yaml", import.meta.url).pathname;
const CREDENTIALS = { accessKeyId: "AKIDGATEPROOF", secretAccessKey: "gateproof-secret" };

/** A real DynamoDB implementation (dynalite) on loopback, with the fixture's `items` table. */
async function startDynamoDb(): Promise<{ url: string; server: Server }> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }) as Server;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const body = JSON.stringify({
    TableName: "items",
    AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
    BillingMode: "PAY_PER_REQUEST",
  });
  const signed = aws4.sign(
    { host: new URL(url).host, path: "/", method: "POST", service: "dynamodb", region: "us-east-1", body, headers: { "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.CreateTable" } },
    CREDENTIALS,
  );
  const created = await request(url, { method: "POST", headers: signed.headers as Record<string, string>, body });
  if (created.statusCode !== 200) throw new Error(`CreateTable failed: ${await created.body.text()}`);
  await created.body.dump();
  return { url, server };
}

// These run the reference with its own template and a local DynamoDB; a deployment has its own table instead.
describe("AWS (non-proxy) integrations", features([], { referenceOnly: true }), () => {
  let gateway: RunningGateway;
  let dynamo: { url: string; server: Server };
  let sqs: QueryService;
  let sns: QueryService;
  let base: string;

  beforeAll(async () => {
    dynamo = await startDynamoDb();
    sqs = await startQueryService("sqs", CREDENTIALS);
    sns = await startQueryService("sns", CREDENTIALS);
    gateway = await startGateway({
      template: TEMPLATE,
      port: 0,
      awsEndpoints: { dynamodb: dynamo.url, sqs: sqs.url, sns: sns.url },
      awsCredentials: CREDENTIALS,
      log: () => {},
    });
    base = gateway.urls[0]!.url;
  });
  afterAll(async () => {
    await gateway?.close();
    await new Promise((resolve) => dynamo?.server.close(resolve));
    await sqs?.close();
    await sns?.close();
  });

  describe("Lambda custom integration", features("rest.lambda-custom", "rest.vtl"), () => {
    it("the request template's output is the event; a success is the default (200) response, passed through", async () => {
      const response = await send("POST", "/greet?name=ada", { base, headers: { "content-type": "application/json" }, body: "{}" });
      // set-up-lambda-custom-integrations.md: the mapped body is the event; success → integration status 200.
      expect(response.status).toBe(200);
      expect(response.json()).toEqual({ greeting: "hello ada", keys: ["name"] });
    });

    it("a function error selects the response whose pattern fully matches errorMessage", async () => {
      const response = await send("POST", "/greet?name=missing", { base, headers: { "content-type": "application/json" }, body: "{}" });
      // handle-errors-in-lambda-integration.md: selectionPattern is matched against errorMessage.
      expect(response.status).toBe(404);
      expect(response.text).toBe('{"error":"not found"}');
    });

    it("CONVERT_TO_TEXT hands a binary body to the template as base64", async () => {
      const bytes = Buffer.from([0xde, 0xad, 0xbe, 0xef]);
      const response = await send("POST", "/greet", { base, headers: { "content-type": "application/octet-stream" }, body: bytes });
      // api-gateway-payload-encodings-workflow.md: binary + CONVERT_TO_TEXT → base64-encoded string, seen as $input.body.
      expect(response.status).toBe(200);
      expect(response.json<{ greeting: string }>().greeting).toBe(`hello ${bytes.toString("base64")}`);
    });

    it("a body that is not JSON is text to $input.path / $input.json: the form template and {\"name\": $input.json('$')} work", async () => {
      // Jayway's JsonSmartJsonProvider parses in json-smart's permissive mode: unquoted text is a string. Observed on
      // AWS: the form template `#foreach($token in $input.path('$').split('&'))` (stackoverflow.com/questions/32057053)
      // and `{"body": $input.json('$')}` for a form body to a Lambda (nateyolles/slack-pokerbot#1).
      const form = await send("POST", "/greet", { base, headers: { "content-type": "application/x-www-form-urlencoded" }, body: "lang=en&name=Ada%20Lovelace" });
      expect(form.status).toBe(200);
      expect(form.json()).toEqual({ greeting: "hello Ada Lovelace", keys: ["name"] });
      const text = await send("POST", "/greet", { base, headers: { "content-type": "text/plain" }, body: "  ada lovelace\n" });
      expect(text.status).toBe(200);
      expect(text.json()).toEqual({ greeting: "hello ada lovelace", keys: ["name"] });
    });

    it("a mapped request that is not JSON is a 400 'Could not parse request body into json'", async () => {
      // No template for application/xml: WHEN_NO_MATCH passes the body through, and it is not JSON. Observed on AWS:
      // {"message": "Could not parse request body into json: Unrecognized token 'token'..."} for a form body passed
      // through to a Lambda (nateyolles/slack-pokerbot#1); the same for a broken template output (serverless#2270, #2807).
      const response = await send("POST", "/greet", { base, headers: { "content-type": "application/xml" }, body: "token=abc&name=ada" });
      expect(response.status).toBe(400);
      expect(response.json<{ message: string }>().message).toMatch(/^Could not parse request body into json: /);
    });
  });

  describe("stage variables and canary", features("rest.canary", "rest.stage-variables"), () => {
    it("a function named by a stage variable is resolved per request; the canary side sees its overrides", async () => {
      // aws-api-gateway-stage-variables-reference.md: `function:${stageVariables.x}`; canary stageVariableOverrides.
      const main = await send("GET", "/color", { base, headers: { "X-Gateproof-Canary": "false" } });
      const canary = await send("GET", "/color", { base, headers: { "X-Gateproof-Canary": "true" } });
      expect([main.text, canary.text]).toEqual(["blue", "green"]);
    });

    it("$context.isCanaryRequest tells the side", async () => {
      const canary = await send("GET", "/canary", { base, headers: { "X-Gateproof-Canary": "true" } });
      expect(canary.json()).toEqual({ canary: "true", color: "green" });
      const main = await send("GET", "/canary", { base, headers: { "X-Gateproof-Canary": "false" } });
      expect(main.json()).toEqual({ canary: "false", color: "blue" });
    });

    it("without a pin, about percentTraffic percent of requests go to the canary", async () => {
      const sides = await Promise.all(Array.from({ length: 400 }, () => send("GET", "/canary", { base }).then((r) => r.json<{ canary: string }>().canary)));
      const share = sides.filter((side) => side === "true").length / sides.length;
      // 25 % configured; 400 draws give a standard deviation of ~2.2 points, so ±9 points is > 4 sigma.
      expect(share).toBeGreaterThan(0.16);
      expect(share).toBeLessThan(0.34);
    });
  });

  describe("DynamoDB actions through a real DynamoDB implementation", features("rest.aws-integrations"), () => {
    it("PutItem then GetItem: signed JSON-protocol requests with X-Amz-Target", async () => {
      const put = await send("PUT", "/items/42?note=hello", { base, headers: { "content-type": "application/json" }, body: "{}" });
      expect(put.status).toBe(200);
      expect(put.text).toBe('{"stored":"42"}');
      const get = await send("GET", "/items/42", { base });
      expect(get.status).toBe(200);
      // DynamoDB GetItem response shape (DynamoDB API reference).
      expect(get.json()).toEqual({ Item: { id: { S: "42" }, body: { S: "hello" } } });
    });

    it("a service error status selects the 4xx integration response", async () => {
      // A `"` in the note breaks the mapped JSON: DynamoDB answers 400 SerializationException, selected by "4\\d{2}".
      const put = await send("PUT", "/items/7?note=%22", { base, headers: { "content-type": "application/json" }, body: "{}" });
      expect(put.status).toBe(400);
    });
  });

  describe("query-protocol services (SQS, SNS) through a SigV4-verifying stand-in", features("rest.aws-integrations", "rest.vtl"), () => {
    it("SQS SendMessage (path/{account}/{queue}): a form-encoded body, signed for sqs; the template reads the XML reply", async () => {
      // The usual API Gateway → SQS set-up (SQS knowledge-center article "api-gateway-rest-api-sqs-errors"): path override
      // {account}/{queue}, Content-Type mapped to application/x-www-form-urlencoded, a template building the form.
      const message = '{"order":"A & B = 100%","note":"säge + space"}';
      const before = sqs.received.length;
      const response = await send("POST", "/queue/orders", { base, headers: { "content-type": "application/json" }, body: message });
      expect(response.status).toBe(200);
      const request = sqs.received[before]!;
      // The stand-in verified the signature with @smithy/signature-v4 before recording the request.
      expect(request.scope).toMatch(/^\d{8}\/us-east-1\/sqs\/aws4_request$/);
      expect(request.method).toBe("POST");
      expect(request.path).toBe("/123456789012/orders");
      expect(request.headers["content-type"]).toBe("application/x-www-form-urlencoded");
      expect(request.headers["x-amz-date"]).toMatch(/^\d{8}T\d{6}Z$/);
      // $util.urlEncode is Java's URLEncoder (space → +), which form decoding reads back exactly.
      expect(request.params).toEqual({ Action: "SendMessage", Version: "2012-11-05", MessageBody: message });
      // The integration response template cut MessageId and MD5OfMessageBody out of SendMessageResponse.
      const reply = response.json<{ messageId: string; md5: string }>();
      expect(reply.messageId).toMatch(/^[0-9a-f-]{36}$/);
      expect(reply.md5).toBe(createHash("md5").update(message, "utf8").digest("hex"));
      // integration.response.header.x-amzn-RequestId → method.response.header.X-Service-Request-Id.
      expect(header(response, "x-service-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    });

    it("an SQS error (400 ErrorResponse) selects the 4xx response, whose template reads the error code", async () => {
      const response = await send("POST", "/queue/no.such.queue", { base, headers: { "content-type": "application/json" }, body: "{}" });
      expect(response.status).toBe(400);
      expect(response.json()).toEqual({ code: "AWS.SimpleQueueService.NonExistentQueue" });
    });

    it("SNS Publish (action/Publish): Action and mapped parameters in the query string, the template's form in the body", async () => {
      const before = sns.received.length;
      const response = await send("POST", "/topic?message=disk%20full", { base, headers: { "content-type": "application/json" }, body: '{"subject":"alert: disk"}' });
      expect(response.status).toBe(200);
      const request = sns.received[before]!;
      expect(request.scope).toMatch(/^\d{8}\/us-east-1\/sns\/aws4_request$/);
      expect(request.path).toBe("/");
      expect(request.params).toEqual({ Action: "Publish", TopicArn: "arn:aws:sns:us-east-1:123456789012:alerts", Message: "disk full", Subject: "alert: disk" });
      expect(response.json<{ messageId: string }>().messageId).toMatch(/^[0-9a-f-]{36}$/);
    });

    it("SNS refusing the request (no Message) is a 400 the 4xx response selects", async () => {
      const response = await send("POST", "/topic", { base, headers: { "content-type": "application/json" }, body: '{"subject":"s"}' });
      expect(response.status).toBe(400);
      expect(response.json()).toEqual({ code: "ValidationError" });
    });

    it("the stand-in refuses a request whose signature does not match (so the checks above can fail)", async () => {
      const body = "Action=SendMessage&MessageBody=x";
      const url = new URL(`${sqs.url}/123456789012/orders`);
      const headers = { "Content-Type": "application/x-www-form-urlencoded" };
      const signed = aws4.sign({ host: url.host, path: url.pathname, method: "POST", service: "sqs", region: "us-east-1", body, headers }, CREDENTIALS);
      const tampered = await request(url, { method: "POST", headers: signed.headers as Record<string, string>, body: body.replace("x", "y") });
      expect(tampered.statusCode).toBe(403);
      expect(await tampered.body.text()).toContain("<Code>SignatureDoesNotMatch</Code>");
      const genuine = await request(url, { method: "POST", headers: signed.headers as Record<string, string>, body });
      expect(genuine.statusCode).toBe(200);
      await genuine.body.dump();
    });
  });

  it("refuses to start when an AWS service integration has no endpoint", features("rest.aws-integrations"), async () => {
    await expect(startGateway({ template: TEMPLATE, port: 0, awsEndpoints: {}, log: () => {} })).rejects.toThrow(
      /AWS service integrations without an endpoint: dynamodb \(.*template\.yaml: .*; set AWS_ENDPOINT_URL_DYNAMODB or --aws-endpoint dynamodb=URL\)/,
    );
  });
});
