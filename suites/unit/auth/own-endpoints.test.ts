import { describe, expect, it } from "vitest";
import { OwnEndpoints } from "../../../reference-gateway/auth/own-endpoints.ts";

describe("OwnEndpoints: execute-api URLs of the gateway's own APIs → where it serves them", () => {
  const own = new OwnEndpoints(new Set(["abcde12345"]));

  it("owns an API of the model before it listens, localizes it only once it does", () => {
    const url = "https://abcde12345.execute-api.eu-west-1.amazonaws.com/test/issuer";
    expect(own.owns(url)).toBe(true);
    expect(own.localize(url)).toBeUndefined();
    own.serve("abcde12345", "http://127.0.0.1:4000");
    expect(own.localize(url)).toBe("http://127.0.0.1:4000/test/issuer");
    expect(own.localize(`${url}/jwks.json?x=1`)).toBe("http://127.0.0.1:4000/test/issuer/jwks.json?x=1");
    expect(own.localize("https://abcde12345.execute-api.cn-north-1.amazonaws.com.cn:443")).toBe("http://127.0.0.1:4000/");
  });

  it.each([
    "https://zzzzz99999.execute-api.us-east-1.amazonaws.com/test", // another API
    "http://abcde12345.execute-api.us-east-1.amazonaws.com/test", // not https
    "https://abcde12345.execute-api.us-east-1.amazonaws.com.evil.example/test", // another host
    "https://abcde12345.execute-api.us-east-1.amazonaws.com@evil.example/test", // userinfo trick
  ])("leaves %s alone", (url) => {
    own.serve("abcde12345", "http://127.0.0.1:4000");
    expect(own.owns(url)).toBe(false);
    expect(own.localize(url)).toBeUndefined();
  });
});
