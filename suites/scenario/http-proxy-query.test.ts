import { describe, expect, it } from "vitest";
import { send } from "../harness/target.ts";
import type { EchoedRequest } from "../harness/echo-backend.ts";
import { features } from "../harness/conformance.ts";

describe("HTTP_PROXY query strings", features("rest.http-proxy"), () => {
  it("are decoded and re-encoded on the way to the backend, % included (api-gateway-known-issues.md, REST)", async () => {
    const response = await send("GET", "/proxy/q?x=%41&y=a+b&z=100%25&x=2");
    expect(response.status).toBe(200);
    const echoed = response.json<EchoedRequest>();
    // The fixture proxies /proxy/{proxy+} to the echo backend, which reports the request line it received.
    expect(echoed.url).toBe("/q?x=A&y=a%20b&z=100%25&x=2");
  });
});
