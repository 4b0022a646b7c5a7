import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { startEchoBackend, type EchoBackend } from "../harness/echo-backend.ts";
import { signWithAws4 } from "../harness/sigv4-clients.ts";
import { send } from "../harness/target.ts";
import { features } from "../harness/conformance.ts";

/**
 * Property (issue #4, SigV4): any single-byte change to a signed request's method, path, query, a signed header or
 * the body is refused with 403, and the changed request never reaches the integration. Requests are signed by aws4.
 */
const USER = { accessKeyId: "AKIAGATEPROOFUSER01", secretAccessKey: "user-secret-0123456789abcdefghijklmnopqrstuv" };
const SAFE = "abcdefghijklmnopqrstuvwxyz0123456789";

describe("property: a changed byte breaks the SigV4 signature", features(["auth.iam"], { referenceOnly: true }), () => {
  let gateway: RunningGateway;
  let backend: EchoBackend;
  let stage: string;

  beforeAll(async () => {
    backend = await startEchoBackend();
    gateway = await startGateway({
      template: new URL("../scenario/fixtures/tokens/template.yaml", import.meta.url).pathname,
      port: 0,
      parameterOverrides: { BackendUrl: backend.url },
      iamCredentialsFile: new URL("../scenario/fixtures/tokens/iam-credentials.json", import.meta.url).pathname,
      cognitoJwks: { "us-east-1_TestPool1": new URL("../scenario/fixtures/tokens/unused-jwks.json", import.meta.url).href },
      log: () => {},
    });
    stage = gateway.urls[0]!.url;
  });
  afterAll(async () => {
    await gateway?.close();
    await backend?.close();
  });

  /** Replaces the character at `index` of `text` by another from SAFE (so the change is always a real one). */
  const changeAt = (text: string, index: number, pick: number) => {
    const i = index % text.length;
    const replacement = [...SAFE].filter((c) => c !== text[i])[pick % (SAFE.length - 1)]!;
    return text.slice(0, i) + replacement + text.slice(i + 1);
  };

  it("method, path, query, signed header or body changed → 403, integration not reached", async () => {
    const word = fc.stringMatching(/^[a-z0-9]{1,12}$/);
    await fc.assert(
      fc.asyncProperty(word, word, word, fc.string({ minLength: 1, maxLength: 40 }), fc.constantFrom("method", "path", "query", "header", "body"), fc.nat(), fc.nat(), async (segment, key, value, body, part, index, pick) => {
        const origin = new URL(stage).origin;
        const signed = signWithAws4({ method: "PUT", url: `${stage}/iam/${segment}?${key}=${value}`, body, headers: { "X-Signed": "abc" } }, USER);
        let method = "PUT";
        let path = signed.path;
        const headers = { ...signed.headers };
        let sentBody = body;
        const queryAt = path.indexOf("?");
        if (part === "method") method = "POST";
        if (part === "path") path = changeAt(path.slice(0, queryAt), "/test/iam/".length + (index % segment.length), pick) + path.slice(queryAt);
        if (part === "header") headers["X-Signed"] = changeAt("abc", index, pick);
        if (part === "body") sentBody = Buffer.from(body).length === body.length ? changeAt(body, index, pick) : `${body}x`;
        if (part === "query") path = signed.path.slice(0, queryAt + 1) + changeAt(`${key}=${value}`.replace("=", "\u0000"), index, pick).replace("\u0000", "=");
        const before = backend.received.length;
        const response = await send(method, path, { base: origin, headers, body: sentBody });
        expect(response.status).toBe(403);
        expect(backend.received.length).toBe(before);
      }),
      { numRuns: 100 },
    );
  });
});
