import { describe, expect, it } from "vitest";
import { InvalidAuthorizerOutput, readAuthorizerOutput } from "../../../reference-gateway/auth/authorizer-output.ts";

const statement = { Action: "execute-api:Invoke", Effect: "Allow", Resource: "arn:aws:execute-api:us-east-1:123456789012:abc/*" };

describe("readAuthorizerOutput", () => {
  it("stringifies context values and keeps principalId and usageIdentifierKey (spec §7.1)", () => {
    const read = readAuthorizerOutput({
      principalId: "alice",
      policyDocument: { Version: "2012-10-17", Statement: [statement] },
      context: { s: "x", n: 1.5, b: false },
      usageIdentifierKey: "key-1",
    });
    expect(read).toEqual({ principalId: "alice", policy: { Version: "2012-10-17", Statement: [statement] }, context: { s: "x", n: "1.5", b: "false" }, usageIdentifierKey: "key-1" });
  });

  it("accepts a single Statement object and a missing principalId", () => {
    expect(readAuthorizerOutput({ policyDocument: { Statement: statement } }).policy.Statement).toEqual([statement]);
  });

  it.each([
    ["no result", null],
    ["no policyDocument", { principalId: "a" }],
    ["an empty Statement list", { policyDocument: { Statement: [] } }],
    ["an Effect in the wrong case", { policyDocument: { Statement: [{ ...statement, Effect: "allow" }] } }],
    ["a statement without Resource", { policyDocument: { Statement: [{ Action: "execute-api:Invoke", Effect: "Allow" }] } }],
    ["a non-string Resource entry", { policyDocument: { Statement: [{ ...statement, Resource: [1] }] } }],
    ["an object context value", { policyDocument: { Statement: [statement] }, context: { o: { a: 1 } } }],
    ["an array context value", { policyDocument: { Statement: [statement] }, context: { l: [1] } }],
    ["a non-string principalId", { principalId: 7, policyDocument: { Statement: [statement] } }],
  ])("refuses %s", (_, payload) => {
    expect(() => readAuthorizerOutput(payload)).toThrow(InvalidAuthorizerOutput);
  });
});
