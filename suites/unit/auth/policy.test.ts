import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ipInCidr } from "../../../reference-gateway/auth/cidr.ts";
import { evaluatePolicy, methodArn, type PolicyRequest } from "../../../reference-gateway/auth/policy.ts";
import type { PolicyDocument, PolicyStatement } from "../../../reference-gateway/model/index.ts";

const API = "arn:aws:execute-api:us-east-1:123456789012:abc123";
const invoke = (resource: string, extra: Partial<PolicyRequest> = {}): PolicyRequest => ({
  action: "execute-api:Invoke",
  resource,
  conditionKeys: {},
  ...extra,
});
const doc = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: "2012-10-17", Statement });
const allow = (Resource: string | string[], rest: Partial<PolicyStatement> = {}): PolicyStatement => ({ Effect: "Allow", Action: "execute-api:Invoke", Resource, ...rest });
const deny = (Resource: string | string[], rest: Partial<PolicyStatement> = {}): PolicyStatement => ({ Effect: "Deny", Action: "execute-api:Invoke", Resource, ...rest });

describe("methodArn", () => {
  it("puts the upper-cased method and the path without its leading slash after the stage", () => {
    expect(methodArn("us-east-1", "123456789012", "abc123", "prod", "get", "/pets/42")).toBe(`${API}/prod/GET/pets/42`);
  });
  // Root resource: `…/ESTestInvoke-stage/GET/` in a captured authorizer event; spec §7.1 shows `…/*/GET/` for the root.
  it("gives the root resource a trailing slash only", () => {
    expect(methodArn("us-east-1", "123456789012", "abc123", "prod", "GET", "/")).toBe(`${API}/prod/GET/`);
  });
});

describe("evaluatePolicy", () => {
  // An operator the evaluator cannot apply (Date, Numeric, Arn, Null) must not let a Lambda authorizer's Deny lapse:
  // the loader refuses resource policies with one, authorizer output arrives per request. House rule: a security
  // setting that cannot be enforced never serves the route open.
  it("applies a Deny whose condition operator it cannot evaluate, and never an Allow", () => {
    const future = { DateGreaterThan: { "aws:CurrentTime": "2000-01-01T00:00:00Z" } };
    expect(evaluatePolicy(doc(allow(`${API}/*`), deny(`${API}/*`, { Condition: future })), invoke(`${API}/prod/GET/pets`))).toBe("Deny");
    expect(evaluatePolicy(doc(allow(`${API}/*`, { Condition: future })), invoke(`${API}/prod/GET/pets`))).toBe("Implicit");
  });

  it("allows a matching Allow, implicitly denies anything else", () => {
    const policy = doc(allow(`${API}/prod/GET/pets`));
    expect(evaluatePolicy(policy, invoke(`${API}/prod/GET/pets`))).toBe("Allow");
    expect(evaluatePolicy(policy, invoke(`${API}/prod/POST/pets`))).toBe("Implicit");
    expect(evaluatePolicy(policy, invoke(`${API}/prod/GET/pets/1`))).toBe("Implicit");
  });

  it("lets an explicit Deny win whatever the statement order", () => {
    const arn = `${API}/prod/GET/pets`;
    expect(evaluatePolicy(doc(allow("*"), deny(arn)), invoke(arn))).toBe("Deny");
    expect(evaluatePolicy(doc(deny(arn), allow("*")), invoke(arn))).toBe("Deny");
  });

  it("matches * across slashes and ? as exactly one character", () => {
    expect(evaluatePolicy(doc(allow(`${API}/*/GET/*`)), invoke(`${API}/prod/GET/a/b/c`))).toBe("Allow");
    expect(evaluatePolicy(doc(allow(`${API}/prod/GET/pets/?`)), invoke(`${API}/prod/GET/pets/7`))).toBe("Allow");
    expect(evaluatePolicy(doc(allow(`${API}/prod/GET/pets/?`)), invoke(`${API}/prod/GET/pets/42`))).toBe("Implicit");
  });

  it("compares resources case-sensitively and actions case-insensitively", () => {
    expect(evaluatePolicy(doc(allow(`${API}/prod/GET/Pets`)), invoke(`${API}/prod/GET/pets`))).toBe("Implicit");
    expect(evaluatePolicy(doc(allow(`${API}/*`, { Action: "EXECUTE-API:invoke" })), invoke(`${API}/prod/GET/pets`))).toBe("Allow");
    expect(evaluatePolicy(doc(allow(`${API}/*`, { Action: "execute-api:*" })), invoke(`${API}/prod/GET/pets`))).toBe("Allow");
    expect(evaluatePolicy(doc(allow(`${API}/*`, { Action: "s3:GetObject" })), invoke(`${API}/prod/GET/pets`))).toBe("Implicit");
  });

  it("treats regex metacharacters in patterns literally", () => {
    expect(evaluatePolicy(doc(allow(`${API}/prod/GET/a.b`)), invoke(`${API}/prod/GET/axb`))).toBe("Implicit");
    expect(evaluatePolicy(doc(allow(`${API}/prod/GET/a(b)`)), invoke(`${API}/prod/GET/a(b)`))).toBe("Allow");
  });

  it("accepts lists and NotAction / NotResource", () => {
    expect(evaluatePolicy(doc(allow([`${API}/prod/GET/a`, `${API}/prod/GET/b`])), invoke(`${API}/prod/GET/b`))).toBe("Allow");
    const notResource: PolicyStatement = { Effect: "Deny", Action: "execute-api:Invoke", NotResource: `${API}/prod/GET/public` };
    expect(evaluatePolicy(doc(allow("*"), notResource), invoke(`${API}/prod/GET/secret`))).toBe("Deny");
    expect(evaluatePolicy(doc(allow("*"), notResource), invoke(`${API}/prod/GET/public`))).toBe("Allow");
    const notAction: PolicyStatement = { Effect: "Allow", NotAction: "s3:*", Resource: "*" };
    expect(evaluatePolicy(doc(notAction), invoke(`${API}/prod/GET/x`))).toBe("Allow");
  });

  it("never matches a statement that names neither Action nor Resource", () => {
    expect(evaluatePolicy(doc({ Effect: "Allow", Resource: "*" }), invoke(`${API}/prod/GET/x`))).toBe("Implicit");
    expect(evaluatePolicy(doc({ Effect: "Allow", Action: "*" }), invoke(`${API}/prod/GET/x`))).toBe("Implicit");
  });

  describe("Principal", () => {
    const arn = `${API}/prod/GET/x`;
    it("matches everyone, anonymous included, on * and {AWS: *}", () => {
      expect(evaluatePolicy(doc(allow(arn, { Principal: "*" })), invoke(arn))).toBe("Allow");
      expect(evaluatePolicy(doc(allow(arn, { Principal: { AWS: "*" } })), invoke(arn))).toBe("Allow");
    });
    it("matches an account by id or root ARN, and a user by exact ARN", () => {
      const caller = { arn: "arn:aws:iam::111122223333:user/alice", accountId: "111122223333" };
      expect(evaluatePolicy(doc(allow(arn, { Principal: { AWS: "111122223333" } })), invoke(arn, { principal: caller }))).toBe("Allow");
      expect(evaluatePolicy(doc(allow(arn, { Principal: { AWS: ["arn:aws:iam::111122223333:root"] } })), invoke(arn, { principal: caller }))).toBe("Allow");
      expect(evaluatePolicy(doc(allow(arn, { Principal: { AWS: caller.arn } })), invoke(arn, { principal: caller }))).toBe("Allow");
      expect(evaluatePolicy(doc(allow(arn, { Principal: { AWS: "arn:aws:iam::111122223333:user/bob" } })), invoke(arn, { principal: caller }))).toBe("Implicit");
      expect(evaluatePolicy(doc(allow(arn, { Principal: { AWS: "444455556666" } })), invoke(arn, { principal: caller }))).toBe("Implicit");
    });
    it("never matches a named principal for an anonymous caller", () => {
      expect(evaluatePolicy(doc(allow(arn, { Principal: { AWS: "111122223333" } })), invoke(arn))).toBe("Implicit");
    });
  });

  describe("Condition", () => {
    const arn = `${API}/prod/GET/x`;
    const withKeys = (conditionKeys: Record<string, string | undefined>) => invoke(arn, { conditionKeys });

    it("IpAddress / NotIpAddress on aws:SourceIp, IPv4 and IPv6", () => {
      const ipOnly = doc(allow(arn, { Condition: { IpAddress: { "aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"] } } }));
      expect(evaluatePolicy(ipOnly, withKeys({ "aws:SourceIp": "10.1.2.3" }))).toBe("Allow");
      expect(evaluatePolicy(ipOnly, withKeys({ "aws:SourceIp": "11.1.2.3" }))).toBe("Implicit");
      expect(evaluatePolicy(ipOnly, withKeys({ "aws:SourceIp": "2001:db8:0:1::5" }))).toBe("Allow");
      expect(evaluatePolicy(ipOnly, withKeys({ "aws:SourceIp": "2001:db9::5" }))).toBe("Implicit");
      expect(evaluatePolicy(ipOnly, withKeys({}))).toBe("Implicit");
      const blocked = doc(allow(arn), deny(arn, { Condition: { NotIpAddress: { "aws:SourceIp": "192.0.2.0/24" } } }));
      expect(evaluatePolicy(blocked, withKeys({ "aws:SourceIp": "192.0.2.77" }))).toBe("Allow");
      expect(evaluatePolicy(blocked, withKeys({ "aws:SourceIp": "198.51.100.1" }))).toBe("Deny");
    });

    it("String operators, case-sensitive, with IfExists and negation on a missing key", () => {
      const vpce = (op: string, value: string | string[]) => doc(allow(arn, { Condition: { [op]: { "aws:SourceVpce": value } } }));
      expect(evaluatePolicy(vpce("StringEquals", "vpce-1a"), withKeys({ "aws:SourceVpce": "vpce-1a" }))).toBe("Allow");
      expect(evaluatePolicy(vpce("StringEquals", "vpce-1a"), withKeys({ "aws:SourceVpce": "VPCE-1A" }))).toBe("Implicit");
      expect(evaluatePolicy(vpce("StringEquals", ["vpce-1a", "vpce-2b"]), withKeys({ "aws:SourceVpce": "vpce-2b" }))).toBe("Allow");
      expect(evaluatePolicy(vpce("StringNotEquals", "vpce-1a"), withKeys({ "aws:SourceVpce": "vpce-9z" }))).toBe("Allow");
      expect(evaluatePolicy(vpce("StringNotEquals", "vpce-1a"), withKeys({ "aws:SourceVpce": "vpce-1a" }))).toBe("Implicit");
      expect(evaluatePolicy(vpce("StringLike", "vpce-*"), withKeys({ "aws:SourceVpce": "vpce-77" }))).toBe("Allow");
      expect(evaluatePolicy(vpce("StringNotLike", "vpce-?a"), withKeys({ "aws:SourceVpce": "vpce-1a" }))).toBe("Implicit");
      // Missing key: positive operators fail, negated ones hold, IfExists holds.
      expect(evaluatePolicy(vpce("StringEquals", "vpce-1a"), withKeys({}))).toBe("Implicit");
      expect(evaluatePolicy(vpce("StringNotEquals", "vpce-1a"), withKeys({}))).toBe("Allow");
      expect(evaluatePolicy(vpce("StringEqualsIfExists", "vpce-1a"), withKeys({}))).toBe("Allow");
      expect(evaluatePolicy(vpce("StringEqualsIfExists", "vpce-1a"), withKeys({ "aws:SourceVpce": "vpce-2b" }))).toBe("Implicit");
    });

    it("Bool, key names case-insensitive", () => {
      const secure = doc(allow(arn, { Condition: { Bool: { "aws:SecureTransport": "true" } } }));
      expect(evaluatePolicy(secure, withKeys({ "aws:securetransport": "true" }))).toBe("Allow");
      expect(evaluatePolicy(secure, withKeys({ "aws:SecureTransport": "false" }))).toBe("Implicit");
    });

    it("requires every operator and key to hold", () => {
      const both = doc(allow(arn, { Condition: { StringEquals: { "aws:SourceVpce": "vpce-1" }, IpAddress: { "aws:SourceIp": "10.0.0.0/8" } } }));
      expect(evaluatePolicy(both, withKeys({ "aws:SourceVpce": "vpce-1", "aws:SourceIp": "10.0.0.1" }))).toBe("Allow");
      expect(evaluatePolicy(both, withKeys({ "aws:SourceVpce": "vpce-1", "aws:SourceIp": "8.8.8.8" }))).toBe("Implicit");
    });

    it("does not match on an operator it does not know", () => {
      const numeric = doc(allow(arn, { Condition: { NumericLessThan: { "aws:MultiFactorAuthAge": "3600" } } }));
      expect(evaluatePolicy(numeric, withKeys({ "aws:MultiFactorAuthAge": "10" }))).toBe("Implicit");
    });
  });

  describe("properties", () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9._~\-{}+]{1,12}$/);
    const methodArnArb = fc.record({
      method: fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"),
      path: fc.array(segment, { maxLength: 5 }).map((parts) => "/" + parts.join("/")),
    });

    it("a policy allowing {api}/{stage}/* allows every method ARN of that API and stage", () => {
      fc.assert(
        fc.property(methodArnArb, ({ method, path }) => {
          const arn = methodArn("us-east-1", "123456789012", "abc123", "prod", method, path);
          expect(evaluatePolicy(doc(allow(`${API}/prod/*`)), invoke(arn))).toBe("Allow");
          expect(evaluatePolicy(doc(allow(`${API}/prod/*`)), invoke(arn.replace("/prod/", "/dev/")))).toBe("Implicit");
        }),
        { numRuns: 200, seed: 0x4a11 },
      );
    });

    it("a matching Deny beats any Allows, in any order", () => {
      fc.assert(
        fc.property(methodArnArb, fc.array(fc.constantFrom(`${API}/*`, "*", `${API}/prod/*/*`), { minLength: 1, maxLength: 3 }), fc.nat(3), ({ method, path }, allows, at) => {
          const arn = methodArn("us-east-1", "123456789012", "abc123", "prod", method, path);
          const statements = allows.map((r) => allow(r));
          statements.splice(at % (statements.length + 1), 0, deny(arn));
          expect(evaluatePolicy(doc(...statements), invoke(arn))).toBe("Deny");
        }),
        { numRuns: 200, seed: 0x4a12 },
      );
    });
  });
});

describe("ipInCidr", () => {
  it("reads single addresses, prefixes, IPv4-mapped IPv6 and rejects garbage", () => {
    expect(ipInCidr("10.0.0.1", "10.0.0.1")).toBe(true);
    expect(ipInCidr("10.0.0.2", "10.0.0.1")).toBe(false);
    expect(ipInCidr("::ffff:10.0.0.1", "10.0.0.0/24")).toBe(true);
    expect(ipInCidr("1.2.3.4", "0.0.0.0/0")).toBe(true);
    expect(ipInCidr("::1", "::1/128")).toBe(true);
    expect(ipInCidr("fe80::1", "fe80::/10")).toBe(true);
    expect(ipInCidr("fec0::1", "fe80::/10")).toBe(false);
    expect(ipInCidr("10.0.0.1", "10.0.0.0/33")).toBe(false);
    expect(ipInCidr("10.0.0.1", "::/0")).toBe(false);
    expect(ipInCidr("nonsense", "10.0.0.0/8")).toBe(false);
  });
});
