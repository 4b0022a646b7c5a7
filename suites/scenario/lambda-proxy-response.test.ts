import { describe, expect, it } from "vitest";
import { header, send, type TargetResponse } from "../harness/target.ts";
import { features } from "../harness/conformance.ts";

/**
 * Which Lambda proxy response shapes API Gateway (REST, payload 1.0) accepts and how it renders them, through the
 * fixture's shape function (suites/fixture/functions/shape.js, `/shape?shape=NAME`).
 *
 * Sources: spec §6.2 (set-up-lambda-proxy-integrations.md, [KC] malformed-502); "captured" = evidence gathered on
 * real AWS this session (502 body with a space, InternalServerErrorException; no field required, `{}` → 200).
 */

const shape = (name: string, headers?: Record<string, string>): Promise<TargetResponse> => send("GET", `/shape?shape=${name}`, { headers });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("accepted shapes", features("rest.lambda-proxy"), () => {
  it("minimal: statusCode 200 and a body; Content-Type defaults to application/json", async () => {
    const response = await shape("minimal");
    expect(response.status).toBe(200);
    expect(response.text).toBe("ok");
    // Spec §10: integration responses always carry a Content-Type, default application/json.
    expect(header(response, "content-type")).toBe("application/json");
  });

  it("empty {}: no field is required → 200 with an empty body", async () => {
    const response = await shape("empty");
    // Captured: `{}` → 200, empty body.
    expect(response.status).toBe(200);
    expect(response.text).toBe("");
    expect(header(response, "content-type")).toBe("application/json");
  });

  it("status-string: statusCode \"201\" is accepted as 201", async () => {
    const response = await shape("status-string");
    // Captured (localstack AWS-validated snapshot): numeric string status codes are accepted.
    expect(response.status).toBe(201);
    expect(response.text).toBe("created");
  });

  it("headers-scalars: boolean and number header values become strings", async () => {
    const response = await shape("headers-scalars");
    expect(response.status).toBe(200);
    // Captured (localstack AWS-validated snapshot): true → "true", 42 → "42".
    expect(header(response, "x-bool")).toBe("true");
    expect(header(response, "x-num")).toBe("42");
    expect(header(response, "x-str")).toBe("s");
    expect(response.text).toBe("");
  });

  it("multi-merge: a name in both maps gets both, multiValueHeaders first; a pair in both appears once", async () => {
    const response = await shape("multi-merge");
    expect(response.status).toBe(200);
    // set-up-lambda-proxy-integrations.html, "Output format": "API Gateway merges them into a single list. If the
    // same key-value pair is specified in both, only the values from multiValueHeaders will appear in the merged
    // list." Observed on REST: multiValueHeaders values, then the headers value (aws/aws-sam-cli#1166 console test:
    // X-Foo=foo,bar for multiValueHeaders foo, headers bar; aws-lambda-dotnet LambdaTestTool-v2
    // V1_CombinesSingleAndMultiValueHeaders, against deployed APIs: Combined-Header has all three values).
    expect(header(response, "x-one")).toBe("single");
    expect(header(response, "x-both")).toBe("m1, m2, from-headers");
    expect(header(response, "x-same")).toBe("same, other");
    // Each value is its own Set-Cookie line: a cookie in headers is not lost beside those in multiValueHeaders.
    expect(response.headers["set-cookie"]).toEqual(["a=1", "b=2", "c=3"]);
    expect(response.text).toBe("");
  });

  it("content-type: the function's Content-Type is kept", async () => {
    const response = await shape("content-type");
    expect(response.status).toBe(200);
    // Spec §6.2: headers pass to the client; the application/json default applies only when none is given (§10).
    expect(header(response, "content-type")).toBe("text/plain");
    expect(response.text).toBe("plain");
  });

  it("status-404: the function's own 404 is passed through, not a gateway error", async () => {
    const response = await shape("status-404");
    // Spec §6.2: statusCode is the HTTP status; the response is the function's (no x-amzn-ErrorType).
    expect(response.status).toBe(404);
    expect(response.text).toBe('{"missing":true}');
    expect(header(response, "x-amzn-ErrorType")).toBeUndefined();
    expect(header(response, "x-amzn-RequestId")).toMatch(UUID);
  });

  it("the same shapes answer any method on the ANY resource (POST)", async () => {
    const response = await send("POST", "/shape?shape=status-string", { body: "ignored" });
    // Fixture: /shape Method any; spec §6.2.
    expect(response.status).toBe(201);
    expect(response.text).toBe("created");
  });
});

describe("rejected shapes → 502", features("rest.lambda-proxy", "rest.gateway-responses"), () => {
  const rejected = ["status-bad", "multi-not-list", "unknown-key", "body-object", "bare-string", "null-result", "array-result", "throw", "callback-error"];

  for (const name of rejected) {
    it(`${name} → 502 {"message": "Internal server error"}`, async () => {
      const response = await shape(name);
      // Spec §6.2: any other shape (or a function error) → 502; captured body with a space, InternalServerErrorException.
      expect(response.status).toBe(502);
      expect(response.text).toBe('{"message": "Internal server error"}');
      expect(header(response, "x-amzn-ErrorType")).toBe("InternalServerErrorException");
      expect(header(response, "content-type")).toBe("application/json");
      // The fixture's gateway responses customise only DEFAULT_4XX: a 5XX does not get x-fixture (spec §2.1 fallback by class).
      expect(header(response, "x-fixture")).toBeUndefined();
      expect(header(response, "x-amzn-RequestId")).toMatch(UUID);
    });
  }

  it("exit: the process dying is a 502, and the function still serves the next request", async () => {
    const response = await shape("exit");
    // Spec §6.2: a function error → 502 with the same body (captured).
    expect(response.status).toBe(502);
    expect(response.text).toBe('{"message": "Internal server error"}');
    expect(header(response, "x-amzn-ErrorType")).toBe("InternalServerErrorException");
    // Lambda replaces the dead execution environment: the next invoke succeeds.
    const next = await shape("minimal");
    expect(next.status).toBe(200);
    expect(next.text).toBe("ok");
  });
});

describe("base64 bodies", features("rest.lambda-proxy", "rest.binary"), () => {
  const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

  it("with Accept: image/png the body is the decoded bytes", async () => {
    const response = await shape("base64", { Accept: "image/png" });
    expect(response.status).toBe(200);
    // Spec §6.2 + fixture BinaryMediaTypes image~1png: isBase64Encoded with a binary Accept → decoded bytes.
    expect(header(response, "content-type")).toBe("image/png");
    expect(header(response, "content-length")).toBe("4");
    expect(response.text).toBe(PNG.toString("utf8"));
  });

  it("without a binary Accept the body is the base64 text", async () => {
    const response = await shape("base64", { Accept: "application/json" });
    expect(response.status).toBe(200);
    // api-gateway-payload-encodings-workflow.md (spec §6.2): no binary Accept → body left as the text the function gave.
    expect(response.text).toBe(PNG.toString("base64"));
    expect(header(response, "content-type")).toBe("image/png");
  });

  it("without any Accept header the body is the base64 text", async () => {
    const response = await shape("base64");
    // Same source: only a matching Accept makes API Gateway decode.
    expect(response.status).toBe(200);
    expect(response.text).toBe(PNG.toString("base64"));
  });
});
