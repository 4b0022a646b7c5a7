import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { HANDLER, allPaths, expectLoadError, load, method, writeFiles } from "./helpers.ts";

const uri = (fn: string) => `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${fn}/invocations`;

const OAS3 = `openapi: 3.0.1
info: { title: "Pet Store!", version: "1" }
servers: [{ url: "https://example.com" }]
x-amazon-apigateway-binary-media-types: ["image/png"]
x-amazon-apigateway-api-key-source: AUTHORIZER
x-amazon-apigateway-gateway-responses:
  MISSING_AUTHENTICATION_TOKEN:
    statusCode: 404
    responseParameters: { gatewayresponse.header.x-a: "'b'" }
components:
  parameters:
    Q: { name: q, in: query, required: true, schema: { type: string } }
paths:
  /pets/{petId}:
    parameters:
      - { name: petId, in: path, required: true, schema: { type: string } }
    get:
      parameters:
        - $ref: "#/components/parameters/Q"
        - { name: X-H, in: header, schema: { type: string } }
        - { name: c, in: cookie, schema: { type: string } }
      responses:
        "200":
          description: ok
          headers:
            X-Rate: { required: true, schema: { type: string } }
            X-Other: { schema: { type: string } }
      x-amazon-apigateway-integration:
        type: HTTP
        httpMethod: get
        uri: "https://backend.example.com/pets/{petId}"
        requestParameters: { integration.request.path.petId: method.request.path.petId }
        passthroughBehavior: when_no_templates
        timeoutInMillis: 5000
        contentHandling: CONVERT_TO_TEXT
        cacheKeyParameters: [method.request.querystring.q]
        responses:
          "4\\\\d{2}": { statusCode: "400" }
          default:
            statusCode: 200
            responseParameters: { method.response.header.X-Rate: "'10'" }
            responseTemplates: { application/json: "$input.body" }
          "5\\\\d{2}": { statusCode: "500", contentHandling: CONVERT_TO_BINARY }
  /{proxy+}:
    x-amazon-apigateway-any-method:
      x-amazon-apigateway-integration:
        type: AWS_PROXY
        httpMethod: POST
        uri: "${uri("flat:$LATEST")}"
  /nested:
    post:
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: "${uri("nested:live")}"
`;

const FUNCS = { "fns/flat.mjs": HANDLER, "fns/nested/index.js": HANDLER };

describe("plain OpenAPI 3", () => {
  test("resources, parameters, responses, integration fields, functions dir", async () => {
    const fnDir = join(writeFiles(FUNCS), "fns");
    const { model, file } = await load(OAS3, {}, { functionsDir: fnDir, stage: "beta" }, "openapi.yaml");
    const api = model.restApis[0]!;
    expect(api).toMatchObject({ logicalId: "PetStore", name: "Pet Store!", stages: [{ name: "beta", variables: {} }], binaryMediaTypes: ["image/png"], apiKeySource: "AUTHORIZER" });
    expect(api.gatewayResponses).toEqual({ MISSING_AUTHENTICATION_TOKEN: { statusCode: "404", responseParameters: { "gatewayresponse.header.x-a": "'b'" }, responseTemplates: {} } });
    expect(allPaths(api)).toEqual(["/", "/pets", "/pets/{petId} GET", "/{proxy+} ANY", "/nested POST"]);
    const get = method(api, "/pets/{petId}", "GET");
    expect(get.location).toEqual({ file, path: "$.paths['/pets/{petId}'].get" });
    expect(get.requestParameters).toEqual({ "method.request.path.petId": true, "method.request.querystring.q": true, "method.request.header.X-H": false });
    expect(get.methodResponses).toEqual({ "200": { statusCode: "200", responseParameters: { "method.response.header.X-Rate": true, "method.response.header.X-Other": false } } });
    expect(get.integration).toEqual({
      type: "HTTP",
      httpMethod: "GET",
      uri: "https://backend.example.com/pets/{petId}",
      requestParameters: { "integration.request.path.petId": "method.request.path.petId" },
      requestTemplates: {},
      passthroughBehavior: "WHEN_NO_TEMPLATES",
      timeoutInMillis: 5000,
      contentHandling: "CONVERT_TO_TEXT",
      cacheKeyParameters: ["method.request.querystring.q"],
      integrationResponses: [
        { selectionPattern: "4\\d{2}", statusCode: "400", responseParameters: {}, responseTemplates: {} },
        { statusCode: "200", responseParameters: { "method.response.header.X-Rate": "'10'" }, responseTemplates: { "application/json": "$input.body" } },
        { selectionPattern: "5\\d{2}", statusCode: "500", responseParameters: {}, responseTemplates: {}, contentHandling: "CONVERT_TO_BINARY" },
      ],
    });
    expect(method(api, "/{proxy+}", "ANY").integration.functionLogicalId).toBe("flat");
    expect(model.functions["flat"]).toMatchObject({ functionName: "flat", handler: "flat.handler", codeDir: fnDir, runtime: "nodejs20.x", timeoutSeconds: 3, memorySize: 128 });
    expect(model.functions["nested"]).toMatchObject({ handler: "index.handler", codeDir: join(fnDir, "nested") });
  });

  test("default stage is prod; mock integration defaults", async () => {
    const { model } = await load(`openapi: 3.0.0\ninfo: { title: t, version: "1" }\npaths:\n  /:\n    get:\n      x-amazon-apigateway-integration: { type: mock }\n`, {}, {}, "o.yaml");
    const api = model.restApis[0]!;
    expect(api.stages).toEqual([{ name: "prod", variables: {} }]);
    expect(method(api, "/", "GET").integration).toEqual({ type: "MOCK", requestParameters: {}, requestTemplates: {}, passthroughBehavior: "WHEN_NO_MATCH", timeoutInMillis: 29000, integrationResponses: [], cacheKeyParameters: [] });
  });
});

describe("Swagger 2", () => {
  test("JSON Swagger with a functions dir", async () => {
    const fnDir = join(writeFiles({ "f/echo.cjs": "exports.handler = async () => ({statusCode: 200});" }), "f");
    const doc = {
      swagger: "2.0",
      info: { title: "sw", version: "1" },
      basePath: "/dev",
      schemes: ["https"],
      definitions: { Pet: { type: "object" } },
      "x-amazon-apigateway-documentation": { version: "1" },
      paths: {
        "/echo/{id}": {
          put: {
            parameters: [{ name: "id", in: "path", required: true, type: "string" }, { in: "body", name: "b", schema: { $ref: "#/definitions/Pet" } }],
            responses: { "201": { description: "made", headers: { Location: { type: "string" } } } },
            "x-amazon-apigateway-integration": { type: "aws_proxy", httpMethod: "POST", uri: uri("echo") },
          },
        },
      },
    };
    const { model } = await load(JSON.stringify(doc), {}, { functionsDir: fnDir }, "swagger.json");
    const m = method(model.restApis[0]!, "/echo/{id}", "PUT");
    expect(m.requestParameters).toEqual({ "method.request.path.id": true });
    expect(m.methodResponses["201"]!.responseParameters).toEqual({ "method.response.header.Location": false });
    expect(m.integration.functionLogicalId).toBe("echo");
    expect(model.functions["echo"]!.handler).toBe("echo.handler");
  });
});

describe("OpenAPI load errors", () => {
  const doc = (paths: string, root = "") => `openapi: 3.0.0\ninfo: { title: t, version: "1" }\n${root}paths:\n${paths}`;
  const op = (integration: string, extra = "") => doc(`  /a:\n    get:\n${extra}      x-amazon-apigateway-integration:\n${integration}`);
  const N = "o.yaml";
  const I = "$.paths['/a'].get['x-amazon-apigateway-integration']";

  test("method without integration", async () => {
    await expectLoadError(doc("  /a:\n    get:\n      responses: {}\n"), "$.paths['/a'].get", "GET method has no x-amazon-apigateway-integration", {}, {}, N);
  });
  test("timeout out of range", async () => {
    await expectLoadError(op("        type: mock\n        timeoutInMillis: 49\n"), `${I}.timeoutInMillis`, "timeoutInMillis 49 is outside 50..29000", {}, {}, N);
  });
  test("invalid paths", async () => {
    await expectLoadError(doc("  /a/{proxy+}/b:\n    get:\n      x-amazon-apigateway-integration: { type: mock }\n"), "$.paths['/a/{proxy+}/b']", 'invalid path "/a/{proxy+}/b": a greedy {name+} part must be the last one', {}, {}, N);
    await expectLoadError(doc("  /a//b:\n    get:\n      x-amazon-apigateway-integration: { type: mock }\n"), "$.paths['/a//b']", 'invalid path "/a//b": empty path part', {}, {}, N);
    await expectLoadError(doc("  a:\n    get:\n      x-amazon-apigateway-integration: { type: mock }\n"), "$.paths.a", 'invalid path "a": must start with /', {}, {}, N);
    await expectLoadError(doc("  /{a}:\n    get:\n      x-amazon-apigateway-integration: { type: mock }\n  /{b}:\n    get:\n      x-amazon-apigateway-integration: { type: mock }\n"), "$.paths['/{b}']", 'invalid path "/{b}": sibling /{a} already has a variable path part; only one is allowed', {}, {}, N);
  });
  test("gateway responses", async () => {
    const gr = (body: string) => doc("  /a:\n    get:\n      x-amazon-apigateway-integration: { type: mock }\n", `x-amazon-apigateway-gateway-responses:\n${body}`);
    const G = "$['x-amazon-apigateway-gateway-responses']";
    await expectLoadError(gr("  BOGUS: { statusCode: '400' }\n"), `${G}.BOGUS`, 'unknown gateway response type "BOGUS"', {}, {}, N);
    await expectLoadError(gr("  REQUEST_TOO_LARGE: { statusCode: '400' }\n"), `${G}.REQUEST_TOO_LARGE`, "gateway response REQUEST_TOO_LARGE is not customisable on AWS", {}, {}, N);
    await expectLoadError(gr("  DEFAULT_4XX: { statusCode: '99' }\n"), `${G}.DEFAULT_4XX.statusCode`, 'gateway response statusCode "99" must match [1-5]\\d\\d', {}, {}, N);
  });
  test("security constructs are refused while their enforcement is not wired (the ENFORCED_SECURITY gate)", async () => {
    // More forms and errors: suites/unit/load/security-*.test.ts.
    const none = { enforcedSecurity: new Set<never>() };
    const key = "components:\n  securitySchemes:\n    api_key: { type: apiKey, name: x-api-key, in: header }\n";
    await expectLoadError(doc("  /a:\n    get:\n      security: [{ api_key: [] }]\n      x-amazon-apigateway-integration: { type: mock }\n", key), "$.paths['/a'].get.security[0].api_key", 'API key requirement "api_key" is not enforced by gateproof yet; refusing to serve the route open', {}, none, N);
    await expectLoadError(doc("  /a:\n    get:\n      x-amazon-apigateway-integration: { type: mock }\n", "x-amazon-apigateway-policy: { Statement: [{ Effect: Allow, Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*' }] }\n"), "$['x-amazon-apigateway-policy']", "resource policy (x-amazon-apigateway-policy) is not enforced by gateproof yet; refusing to serve the route open", {}, none, N);
  });
  test("unknown request validator, CORS extension", async () => {
    await expectLoadError(doc("  /a:\n    get:\n      x-amazon-apigateway-integration: { type: mock }\n", "x-amazon-apigateway-request-validators:\n  all: { validateRequestBody: true }\nx-amazon-apigateway-request-validator: alll\n"), "$['x-amazon-apigateway-request-validator']", 'unknown request validator "alll"', {}, {}, N);
    await expectLoadError(doc("  /a:\n    get:\n      x-amazon-apigateway-integration: { type: mock }\n", "x-amazon-apigateway-cors: { allowOrigins: ['*'] }\n"), "$['x-amazon-apigateway-cors']", "x-amazon-apigateway-cors (HTTP API CORS) is not supported yet", {}, {}, N);
  });
  test("Lambda function without a functions dir, or missing from it", async () => {
    await expectLoadError(op(`        type: aws_proxy\n        httpMethod: POST\n        uri: "${uri("ghost")}"\n`), `${I}.uri`, 'integration uri points at Lambda function "ghost"; pass a functions directory to run it', {}, {}, N);
    const fnDir = writeFiles({ "x.txt": "" });
    await expectLoadError(op(`        type: aws_proxy\n        httpMethod: POST\n        uri: "${uri("ghost")}"\n`), `${I}.uri`, `Lambda function "ghost" not found in ${fnDir} (looked for ghost.{mjs,js,cjs} and ghost/index.{mjs,js,cjs})`, {}, { functionsDir: fnDir }, N);
  });
  test("malformed Lambda uri and non-POST", async () => {
    await expectLoadError(op(`        type: aws_proxy\n        httpMethod: POST\n        uri: "arn:aws:lambda:us-east-1:1:function:x"\n`), `${I}.uri`, 'AWS_PROXY uri must be arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations, got "arn:aws:lambda:us-east-1:1:function:x"', {}, {}, N);
    await expectLoadError(op(`        type: aws_proxy\n        httpMethod: GET\n        uri: "${uri("x")}"\n`), `${I}.httpMethod`, "httpMethod must be POST for a Lambda integration, got GET", {}, {}, N);
  });
  test("parameter overrides are unknown for OpenAPI", async () => {
    await expectLoadError(op("        type: mock\n"), "$", 'parameter override "X" does not match any parameter (OpenAPI definitions have no parameters)', {}, { parameterOverrides: { X: "1" } }, N);
  });
  test("invalid passthroughBehavior and contentHandling", async () => {
    await expectLoadError(op("        type: mock\n        passthroughBehavior: sometimes\n"), `${I}.passthroughBehavior`, 'passthroughBehavior "sometimes" must be WHEN_NO_MATCH, WHEN_NO_TEMPLATES or NEVER', {}, {}, N);
    await expectLoadError(op("        type: mock\n        contentHandling: CONVERT\n"), `${I}.contentHandling`, 'contentHandling "CONVERT" must be CONVERT_TO_TEXT or CONVERT_TO_BINARY', {}, {}, N);
  });
  test("invalid YAML and JSON", async () => {
    await expectLoadError("a: [1,\n", "$", /^invalid YAML: /, {}, {}, N);
    await expectLoadError("{ nope", "$", /^invalid JSON: /, {}, {}, "x.json");
  });
});
