import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "undici";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { features } from "../harness/conformance.ts";

/**
 * Payload conversions over real sockets, row by row from the two tables of "Content type conversions in API Gateway"
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings-workflow.html):
 * the integration response payload (text or binary: its Content-Type against binaryMediaTypes), the first type of
 * the request's Accept, the API's binaryMediaTypes and the integration response's contentHandling decide the
 * method response payload; Content-Type and contentHandling of the integration decide the request payload.
 */
const TEMPLATE = new URL("./fixtures/binary/template.yaml", import.meta.url).pathname;

/** Not valid UTF-8 (0x89, 0xff), so a text treatment shows. */
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0x00]);
const PNG_BASE64 = PNG.toString("base64");
/** What a byte string becomes as a "UTF8-encoded string": invalid sequences are U+FFFD. */
const AS_UTF8 = Buffer.from(PNG.toString("utf8"), "utf8");

/**
 * The backend: `/png` answers PNG bytes as image/png (binary for the API), `/b64` their base64 as text/plain
 * (text), `/not-b64` text that is not base64; POST `/echo` answers what it received, as JSON. `paths` lists the
 * paths requested, in order.
 */
async function startBinaryBackend(): Promise<{ url: string; paths: string[]; close(): Promise<void> }> {
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    paths.push(req.url ?? "");
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const answers: Record<string, [string, Buffer]> = {
        "/png": ["image/png", PNG],
        "/b64": ["text/plain", Buffer.from(PNG_BASE64)],
        "/not-b64": ["text/plain", Buffer.from("not base64!")],
        "/echo": ["application/json", Buffer.from(JSON.stringify({ base64: body.toString("base64"), contentType: req.headers["content-type"] }))],
      };
      const [type, payload] = answers[req.url ?? ""] ?? ["text/plain", Buffer.from("unknown")];
      res.writeHead(answers[req.url ?? ""] ? 200 : 404, { "Content-Type": type }).end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    paths,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The response body as bytes (harness/target.ts `send` decodes text). */
async function fetchBytes(url: string, init: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {}) {
  const response = await request(url, { method: (init.method ?? "GET") as "GET", headers: init.headers, body: init.body });
  return { status: response.statusCode, headers: response.headers, body: Buffer.from(await response.body.arrayBuffer()) };
}

describe("content type conversions over sockets", features(["rest.binary", "rest.http"], { referenceOnly: true }), () => {
  let gateway: RunningGateway;
  let backend: Awaited<ReturnType<typeof startBinaryBackend>>;
  let binaryApi: string;
  let textApi: string;
  let wildcardApi: string;

  beforeAll(async () => {
    backend = await startBinaryBackend();
    gateway = await startGateway({ template: TEMPLATE, port: 0, parameterOverrides: { BackendUrl: backend.url }, log: () => {} });
    const url = (api: string) => gateway.urls.find((entry) => entry.api === api)!.url;
    binaryApi = url("BinaryApi");
    textApi = url("TextApi");
    wildcardApi = url("WildcardApi");
  });
  afterAll(async () => {
    await gateway?.close();
    await backend?.close();
  });

  describe("integration response → method response, binaryMediaTypes set (image/png, application/octet-stream)", () => {
    // [route, integration payload, Accept, expected method response payload, table row]
    const rows: Array<[string, string, Buffer | string, string]> = [
      ["/as-is/png", "image/png", PNG, "binary data, binary Accept, no contentHandling → binary data"],
      ["/as-is/png", "application/json", PNG_BASE64, "binary data, text Accept, no contentHandling → base64-encoded string"],
      ["/as-is/b64", "image/png", PNG, "text data, binary Accept, no contentHandling → base64-decoded blob"],
      ["/as-is/b64", "application/json", PNG_BASE64, "text data, text Accept, no contentHandling → text data"],
      ["/to-text/png", "image/png", PNG_BASE64, "binary data, binary Accept, CONVERT_TO_TEXT → base64-encoded string"],
      ["/to-text/png", "application/json", PNG_BASE64, "binary data, text Accept, CONVERT_TO_TEXT → base64-encoded string"],
      ["/to-text/b64", "image/png", PNG_BASE64, "text data, binary Accept, CONVERT_TO_TEXT → UTF8-encoded string"],
      ["/to-text/b64", "application/json", PNG_BASE64, "text data, text Accept, CONVERT_TO_TEXT → UTF8-encoded string"],
      ["/to-binary/b64", "application/json", PNG, "text data, text Accept, CONVERT_TO_BINARY → base64-decoded blob"],
      ["/to-binary/b64", "image/png", PNG, "text data, binary Accept, CONVERT_TO_BINARY → base64-decoded blob"],
      ["/to-binary/png", "application/json", PNG, "binary data, text Accept, CONVERT_TO_BINARY → binary data"],
      ["/to-binary/png", "image/png", PNG, "binary data, binary Accept, CONVERT_TO_BINARY → binary data"],
    ];
    for (const [path, accept, expected, row] of rows) {
      it(`${path} with Accept ${accept}: ${row}`, async () => {
        const response = await fetchBytes(`${binaryApi}${path}`, { headers: { accept } });
        expect(response.status).toBe(200);
        expect(response.body.equals(Buffer.from(expected))).toBe(true);
      });
    }

    it("only the first Accept type counts: text/html before image/png gets base64", async () => {
      // Same page, "Important": "API Gateway honors only the first Accept media type".
      const response = await fetchBytes(`${binaryApi}/as-is/png`, { headers: { accept: "text/html, image/png" } });
      expect(response.body.toString("latin1")).toBe(PNG_BASE64);
    });

    it("CONVERT_TO_BINARY of text that is not base64 is a 500 configuration error", async () => {
      // "If the conversion fails, it returns a 500 response, which indicates an API configuration error."
      const response = await fetchBytes(`${binaryApi}/to-binary/not-b64`, { headers: { accept: "application/json" } });
      expect(response.status).toBe(500);
      expect(JSON.parse(response.body.toString("utf8"))).toEqual({ message: "Internal server error" });
      expect(response.headers["x-amzn-errortype"]).toBe("ApiConfigurationException");
    });

    it("a response template after CONVERT_TO_TEXT reads the base64 string as $input.body", async () => {
      // "You can define a mapping template for such a payload, but can only access the base64-encoded string in the
      // mapping template through $input.body".
      const response = await fetchBytes(`${binaryApi}/template/png`, { headers: { accept: "application/json" } });
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body.toString("utf8"))).toEqual({ data: PNG_BASE64 });
      expect(response.headers["content-type"]).toBe("application/json");
    });
  });

  describe("integration response → method response, no binaryMediaTypes", () => {
    it("no contentHandling: binary data becomes a UTF8-encoded string (invalid bytes are U+FFFD)", async () => {
      // "Text or binary data | A text type | Undefined | Undefined | UTF8-encoded string": without binaryMediaTypes
      // every Accept is a text type.
      const response = await fetchBytes(`${textApi}/as-is/png`, { headers: { accept: "image/png" } });
      expect(response.body.equals(AS_UTF8)).toBe(true);
    });

    it("CONVERT_TO_TEXT: a UTF8-encoded string too", async () => {
      const response = await fetchBytes(`${textApi}/to-text/png`, { headers: { accept: "application/json" } });
      expect(response.body.equals(AS_UTF8)).toBe(true);
    });

    it("CONVERT_TO_BINARY: the base64 text is decoded to a blob", async () => {
      const response = await fetchBytes(`${textApi}/to-binary/b64`, { headers: { accept: "application/json" } });
      expect(response.body.equals(PNG)).toBe(true);
    });

    it("text data passes unchanged", async () => {
      const response = await fetchBytes(`${textApi}/as-is/b64`, { headers: { accept: "application/json" } });
      expect(response.body.toString("latin1")).toBe(PNG_BASE64);
    });
  });

  describe("method request → integration request", () => {
    it("binary data (application/octet-stream) with CONVERT_TO_TEXT reaches the backend as its base64 string", async () => {
      const response = await fetchBytes(`${binaryApi}/upload-as-text`, { method: "POST", headers: { "content-type": "application/octet-stream" }, body: PNG });
      expect(response.status).toBe(200);
      const echoed = JSON.parse(response.body.toString("utf8")) as { base64: string };
      expect(Buffer.from(echoed.base64, "base64").toString("latin1")).toBe(PNG_BASE64);
    });

    it("base64 text with CONVERT_TO_BINARY reaches the backend as the decoded blob", async () => {
      const response = await fetchBytes(`${binaryApi}/upload-as-binary`, { method: "POST", headers: { "content-type": "text/plain" }, body: PNG_BASE64 });
      expect(response.status).toBe(200);
      expect((JSON.parse(response.body.toString("utf8")) as { base64: string }).base64).toBe(PNG_BASE64);
    });

    it("text that is not base64 with CONVERT_TO_BINARY is a 500 and never reaches the backend", async () => {
      const before = backend.paths.length;
      const response = await fetchBytes(`${binaryApi}/upload-as-binary`, { method: "POST", headers: { "content-type": "text/plain" }, body: "not base64!" });
      expect(response.status).toBe(500);
      expect(backend.paths.length).toBe(before);
      expect(response.headers["x-amzn-errortype"]).toBe("ApiConfigurationException");
    });
  });

  describe("Lambda proxy isBase64Encoded behind binaryMediaTypes */*", features("rest.lambda-proxy"), () => {
    it("a browser's Accept (text/html first) still gets the decoded bytes", async () => {
      // lambda-proxy-binary-media.html: "set your API's binary media types to */*" when the Accept order is not yours.
      const response = await fetchBytes(`${wildcardApi}/png`, { headers: { accept: "text/html,application/xhtml+xml,image/webp,*/*;q=0.8" } });
      expect(response.status).toBe(200);
      expect(response.headers["content-type"]).toBe("image/png");
      expect(response.body.equals(PNG)).toBe(true);
    });
  });
});
