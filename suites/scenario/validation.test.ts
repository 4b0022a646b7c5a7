import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type RunningGateway } from "../../reference-gateway/index.ts";
import { header, isReference, send } from "../harness/target.ts";
import { features } from "../harness/conformance.ts";

/**
 * Request validation (spec §9), against a second reference gateway serving fixtures/validation.yaml (Swagger 2.0,
 * MOCK routes; API default validator "all", per-operation overrides). Sources:
 *  - [DOC] api-gateway-method-request-validation.md: required parameters must be "included and not blank"; the body
 *    must adhere to the model "for a given content type. If no matching content type is found, request validation is
 *    not performed"; failure is a 400.
 *  - [DOC] api-gateway-request-validation-test.md / spec §2.3: `{"message": "Missing required request parameters: [q1]"}`,
 *    `{"message": "Invalid request body"}`; gateway responses BAD_REQUEST_PARAMETERS / BAD_REQUEST_BODY (§2),
 *    x-amzn-ErrorType BadRequestException (§2.2 [LS]).
 *  - [LS] LocalStack's AWS-validated handler (execute_api/handlers/method_request.py): missing names sorted by their
 *    full `method.request.{header|path|querystring}.NAME` key and joined with ", "; an empty body validated as `{}`.
 *  - [OBS] validationErrorString: the draft-4 validator's report, `[object has missing required properties
 *    (["body","subject","to"])]` (RafPe/serverless-reqvalidator-plugin#1, an API Gateway execution log), messages
 *    worded as java-json-tools json-schema-validator's validation.properties.
 */
describe("request validation (second reference gateway)", features(["rest.validation"], { referenceOnly: true }), () => {
  let gateway: RunningGateway;
  let base: string;
  const json = { "content-type": "application/json" };
  const goodPet = JSON.stringify({ name: "rex", price: 30, owner: { name: "ann" } });

  beforeAll(async () => {
    gateway = await startGateway({ template: new URL("./fixtures/validation.yaml", import.meta.url).pathname, port: 0, stage: "test", log: () => {} });
    base = gateway.urls[0]!.url;
  });
  afterAll(async () => {
    await gateway?.close();
  });

  describe("required parameters", () => {
    const all = "/params/7?q1=a&q2=b";
    it("all present → passes to the integration", async () => {
      const response = await send("GET", all, { base, headers: { "X-Req": "1" } });
      expect(response.status).toBe(200);
      expect(response.text).toBe('{"ok":true}');
    });
    it("a missing query parameter → 400 BAD_REQUEST_PARAMETERS", async () => {
      const response = await send("GET", "/params/7?q2=b", { base, headers: { "X-Req": "1" } });
      expect(response.status).toBe(400);
      // spec §2.3 [DOC]; the default body is compact like every non-integration gateway response (errors/catalogue.ts).
      expect(response.json()).toEqual({ message: "Missing required request parameters: [q1]" });
      expect(header(response, "x-amzn-errortype")).toBe("BadRequestException");
    });
    it("a blank query parameter (`?q1=`) counts as missing [DOC: 'included and not blank']", async () => {
      const response = await send("GET", "/params/7?q1=&q2=b", { base, headers: { "X-Req": "1" } });
      expect(response.status).toBe(400);
      expect(response.json()).toEqual({ message: "Missing required request parameters: [q1]" });
    });
    it("a missing or blank header → 400; headers match case-insensitively", async () => {
      expect((await send("GET", all, { base })).json()).toEqual({ message: "Missing required request parameters: [X-Req]" });
      expect((await send("GET", all, { base, headers: { "X-Req": "  " } })).json()).toEqual({ message: "Missing required request parameters: [X-Req]" });
      expect((await send("GET", all, { base, headers: { "x-req": "1" } })).status).toBe(200);
    });
    it("several missing → one message, header before querystring, each sorted by name [LS]", async () => {
      const response = await send("GET", "/params/7", { base });
      expect(response.json()).toEqual({ message: "Missing required request parameters: [X-Req, q1, q2]" });
    });
    it("optional parameters are not required", async () => {
      expect((await send("GET", `${all}&opt=`, { base, headers: { "X-Req": "1" } })).status).toBe(200);
    });
  });

  describe("body against the model", () => {
    it("a valid body passes", async () => {
      const response = await send("POST", "/pets", { base, headers: json, body: goodPet });
      expect(response.status).toBe(200);
    });
    it("an invalid body → 400 BAD_REQUEST_BODY; $context.error.validationErrorString holds the report [OBS]", async () => {
      const response = await send("POST", "/pets", { base, headers: json, body: JSON.stringify({ name: "rex" }) });
      expect(response.status).toBe(400);
      expect(header(response, "x-amzn-errortype")).toBe("BadRequestException");
      // The fixture's BAD_REQUEST_BODY template is `$context.error.validationErrorString` alone.
      expect(response.text).toBe('[object has missing required properties (["price"])]');
    });
    it("type, enum and range failures use the draft-4 validator's wording [OBS]", async () => {
      const response = await send("POST", "/pets", { base, headers: json, body: JSON.stringify({ name: 5, type: "cow", price: 10 }) });
      expect(response.status).toBe(400);
      expect(response.text).toBe(
        '[instance type (integer) does not match any allowed primitive type (allowed: ["string"]), ' +
          'instance value ("cow") not found in enum (possible values: ["dog","cat","fish"]), ' +
          "numeric instance is lower than the required minimum (minimum: 25, found: 10)]",
      );
    });
    it("$ref between models: the referenced model is enforced", async () => {
      const response = await send("POST", "/pets", { base, headers: json, body: JSON.stringify({ name: "rex", price: 30, owner: {} }) });
      expect(response.status).toBe(400);
      expect(response.text).toBe('[object has missing required properties (["name"])]');
    });
    it("an empty body is validated as {} [LS]", async () => {
      const response = await send("POST", "/pets", { base, headers: json, body: "" });
      expect(response.status).toBe(400);
      expect(response.text).toBe('[object has missing required properties (["name","price"])]');
    });
    it("a body that is not JSON → 400 BAD_REQUEST_BODY", async () => {
      const response = await send("POST", "/pets", { base, headers: json, body: "{not json" });
      expect(response.status).toBe(400);
      expect(header(response, "x-amzn-errortype")).toBe("BadRequestException");
    });
    it("an inline body schema is a model too", async () => {
      const bad = await send("POST", "/inline", { base, headers: json, body: "[1,2,3]" });
      expect(bad.status).toBe(400);
      expect(bad.text).toBe("[array is too long: must have at most 2 elements but instance has 3 elements]");
      expect((await send("POST", "/inline", { base, headers: json, body: "[1,2]" })).status).toBe(200);
    });
  });

  describe("content type selects the model [DOC]", () => {
    const invalid = JSON.stringify({ name: "rex" });
    it("charset is ignored", async () => {
      expect((await send("POST", "/pets", { base, headers: { "content-type": "application/json; charset=utf-8" }, body: invalid })).status).toBe(400);
    });
    it("no Content-Type means application/json", async () => {
      expect((await send("POST", "/pets", { base, body: invalid })).status).toBe(400);
    });
    it("a type without a model is not validated", async () => {
      const response = await send("POST", "/pets", { base, headers: { "content-type": "text/plain" }, body: invalid });
      expect(response.status).toBe(200);
    });
  });

  describe("which validator applies", () => {
    const badPet = JSON.stringify({ name: 1 });
    it("a method-level validator that validates nothing turns the API default off", async () => {
      expect((await send("POST", "/off", { base, headers: json, body: badPet })).status).toBe(200);
    });
    it("params-only: parameters checked, body not", async () => {
      expect((await send("POST", "/params-only", { base, headers: json, body: badPet })).json()).toEqual({ message: "Missing required request parameters: [q1]" });
      expect((await send("POST", "/params-only?q1=x", { base, headers: json, body: badPet })).status).toBe(200);
    });
    it("body-only: body checked, parameters not", async () => {
      expect((await send("POST", "/body-only", { base, headers: json, body: goodPet })).status).toBe(200);
      expect((await send("POST", "/body-only", { base, headers: json, body: badPet })).status).toBe(400);
    });
    it("parameters are checked before the body (spec §9; design.md: validate (params, then body))", async () => {
      expect((await send("POST", "/both", { base, headers: json, body: badPet })).json()).toEqual({ message: "Missing required request parameters: [q1]" });
      expect((await send("POST", "/both?q1=x", { base, headers: json, body: badPet })).status).toBe(400);
      expect((await send("POST", "/both?q1=x", { base, headers: json, body: goodPet })).status).toBe(200);
    });
  });
});
