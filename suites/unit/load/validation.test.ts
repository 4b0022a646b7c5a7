import { describe, expect, test } from "vitest";
import { MODEL_REF_BASE } from "../../../reference-gateway/load/models.ts";
import { HANDLER, expectLoadError, load, method } from "./helpers.ts";

/**
 * Request validators and models in every source format (spec §9, §11.1 "Validation"):
 *  - OpenAPI: x-amazon-apigateway-request-validators (root map), x-amazon-apigateway-request-validator (root default,
 *    per operation; "the method-level setting overrides the API-level one"), definitions / components.schemas as models.
 *  - CloudFormation: AWS::ApiGateway::RequestValidator (RestApiId, Name, ValidateRequestBody, ValidateRequestParameters)
 *    referenced by Method RequestValidatorId; Method RequestModels {contentType: modelName}; AWS::ApiGateway::Model
 *    (RestApiId, Name, ContentType, Schema as object or JSON string).
 *  - SAM: Api Models; event RequestModel {Model, Required, ValidateBody, ValidateParameters}
 *    (sam-property-function-requestmodel.md), RequestParameters with Required.
 *  - Model names are alphanumeric only; `$ref` to another model uses
 *    https://apigateway.amazonaws.com/restapis/{api_id}/models/{model_name} (models-mappings-models.md).
 */
const mock = { type: "mock", requestTemplates: { "application/json": '{"statusCode": 200}' } };
const N = "o.json";

function swagger(extra: Record<string, unknown> = {}, post: Record<string, unknown> = {}): string {
  return JSON.stringify({
    swagger: "2.0",
    info: { title: "v", version: "1" },
    "x-amazon-apigateway-request-validators": {
      all: { validateRequestBody: true, validateRequestParameters: true },
      params: { validateRequestBody: false, validateRequestParameters: true },
    },
    "x-amazon-apigateway-request-validator": "all",
    definitions: {
      Owner: { type: "object", required: ["name"], properties: { name: { type: "string" } }, example: { name: "x" } },
      Pet: { type: "object", properties: { owner: { $ref: "#/definitions/Owner" }, example: { type: "string", readOnly: true } } },
    },
    paths: {
      "/pets": {
        post: { consumes: ["application/json", "application/xml"], parameters: [{ in: "body", name: "b", schema: { $ref: "#/definitions/Pet" } }], "x-amazon-apigateway-integration": mock, ...post },
        get: { "x-amazon-apigateway-request-validator": "params", parameters: [{ in: "query", name: "q", required: true, type: "string" }], "x-amazon-apigateway-integration": mock },
        put: { parameters: [{ in: "body", name: "b", schema: { type: "array" } }], "x-amazon-apigateway-integration": mock },
      },
    },
    ...extra,
  });
}

describe("OpenAPI validators and models", () => {
  test("Swagger 2: validators, API default and per-operation override, definitions, $ref rewritten, annotations dropped", async () => {
    const { model } = await load(swagger(), {}, {}, N);
    const api = model.restApis[0]!;
    const post = method(api, "/pets", "POST");
    expect(post.requestValidator).toEqual({ name: "all", validateRequestBody: true, validateRequestParameters: true });
    expect(post.requestModels).toEqual({ "application/json": "Pet", "application/xml": "Pet" });
    const get = method(api, "/pets", "GET");
    expect(get.requestValidator).toEqual({ name: "params", validateRequestBody: false, validateRequestParameters: true });
    expect(get.requestParameters).toEqual({ "method.request.querystring.q": true });
    expect(api.models["Pet"]).toEqual({
      name: "Pet",
      contentType: "application/json",
      // a property *named* example stays; the keyword example/readOnly goes (AWS's importer drops them).
      schema: { type: "object", properties: { owner: { $ref: `${MODEL_REF_BASE}Owner` }, example: { type: "string" } } },
    });
    expect(api.models["Owner"]!.schema).toEqual({ type: "object", required: ["name"], properties: { name: { type: "string" } } });
    // built-in models every REST API has
    expect(Object.keys(api.models)).toEqual(expect.arrayContaining(["Empty", "Error"]));
  });

  test("Swagger 2: an inline body schema becomes a generated alphanumeric model", async () => {
    const { model } = await load(swagger(), {}, {}, N);
    const api = model.restApis[0]!;
    const put = method(api, "/pets", "PUT");
    const name = put.requestModels["application/json"]!;
    expect(name).toMatch(/^Model[a-f0-9]{10}$/);
    expect(api.models[name]!.schema).toEqual({ type: "array" });
  });

  test("OpenAPI 3: components.schemas and requestBody content types; AWS model URL refs", async () => {
    const doc = {
      openapi: "3.0.1",
      info: { title: "v3", version: "1" },
      "x-amazon-apigateway-request-validators": { body: { validateRequestBody: true } },
      components: {
        schemas: {
          A: { type: "object", properties: { b: { $ref: "https://apigateway.amazonaws.com/restapis/abc123/models/B" } } },
          B: { type: "string" },
        },
        requestBodies: { R: { content: { "application/json": { schema: { $ref: "#/components/schemas/A" } } } } },
      },
      paths: {
        "/a": { post: { "x-amazon-apigateway-request-validator": "body", requestBody: { $ref: "#/components/requestBodies/R" }, "x-amazon-apigateway-integration": mock } },
        "/b": { post: { requestBody: { content: { "text/plain": { schema: { $ref: "#/components/schemas/B" } }, "application/json": { schema: { type: "object" } } } }, "x-amazon-apigateway-integration": mock } },
      },
    };
    const { model } = await load(JSON.stringify(doc), {}, {}, N);
    const api = model.restApis[0]!;
    expect(method(api, "/a", "POST").requestModels).toEqual({ "application/json": "A" });
    expect(method(api, "/a", "POST").requestValidator).toEqual({ name: "body", validateRequestBody: true, validateRequestParameters: false });
    expect(method(api, "/b", "POST").requestValidator).toBeUndefined();
    expect(method(api, "/b", "POST").requestModels["text/plain"]).toBe("B");
    expect(api.models["A"]!.schema).toEqual({ type: "object", properties: { b: { $ref: `${MODEL_REF_BASE}B` } } });
  });

  test("load errors: unknown validator (API default and per operation), bad validator property, model names, refs", async () => {
    const V = "$['x-amazon-apigateway-request-validator']";
    await expectLoadError(swagger({ "x-amazon-apigateway-request-validator": "nope" }), V, 'unknown request validator "nope"', {}, {}, N);
    await expectLoadError(swagger({}, { "x-amazon-apigateway-request-validator": "nope" }), "$.paths['/pets'].post['x-amazon-apigateway-request-validator']", 'unknown request validator "nope"', {}, {}, N);
    await expectLoadError(
      swagger({ "x-amazon-apigateway-request-validators": { all: { validateRequestBody: "yes" } } }),
      "$['x-amazon-apigateway-request-validators'].all.validateRequestBody",
      "validateRequestBody must be a boolean",
      {}, {}, N,
    );
    await expectLoadError(
      swagger({ "x-amazon-apigateway-request-validators": { all: { validateEverything: true } } }),
      "$['x-amazon-apigateway-request-validators'].all.validateEverything",
      "request validator property validateEverything is not supported",
      {}, {}, N,
    );
    await expectLoadError(swagger({ definitions: { "Pet_In": { type: "object" } } }), "$.definitions.Pet_In", 'model name "Pet_In" must be alphanumeric', {}, {}, N);
    await expectLoadError(swagger({ definitions: { Pet: { $ref: "#/definitions/Ghost" } } }), "$.definitions.Pet['$ref']", '$ref to unknown model "Ghost"', {}, {}, N);
    await expectLoadError(swagger({ definitions: { Pet: { $ref: "other.json#/Pet" } } }), "$.definitions.Pet['$ref']", /^\$ref "other.json#\/Pet" must point at a model of this API/, {}, {}, N);
    await expectLoadError(swagger({}, { parameters: [{ in: "body", name: "b", schema: { $ref: "#/definitions/Ghost" } }] }), "$.paths['/pets'].post.parameters[0].schema['$ref']", 'unknown model "Ghost"', {}, {}, N);
  });
});

const CFN_FN = {
  Fn: { Type: "AWS::Lambda::Function", Properties: { Code: "./code", Handler: "index.handler", Runtime: "nodejs20.x" } },
};

function cfn(method: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    Resources: {
      ...CFN_FN,
      Api: { Type: "AWS::ApiGateway::RestApi", Properties: { Name: "a" } },
      Dep: { Type: "AWS::ApiGateway::Deployment", Properties: { RestApiId: { Ref: "Api" }, StageName: "prod" } },
      Res: { Type: "AWS::ApiGateway::Resource", Properties: { RestApiId: { Ref: "Api" }, ParentId: { "Fn::GetAtt": ["Api", "RootResourceId"] }, PathPart: "pets" } },
      Val: { Type: "AWS::ApiGateway::RequestValidator", Properties: { RestApiId: { Ref: "Api" }, Name: "both", ValidateRequestBody: true, ValidateRequestParameters: true } },
      PetModel: { Type: "AWS::ApiGateway::Model", Properties: { RestApiId: { Ref: "Api" }, Name: "Pet", ContentType: "application/json", Schema: { type: "object", properties: { owner: { $ref: "https://apigateway.amazonaws.com/restapis/abc/models/Owner" } } } } },
      OwnerModel: { Type: "AWS::ApiGateway::Model", Properties: { RestApiId: { Ref: "Api" }, Name: "Owner", ContentType: "application/json", Schema: '{"type":"object","required":["name"]}' } },
      M: {
        Type: "AWS::ApiGateway::Method",
        Properties: { RestApiId: { Ref: "Api" }, ResourceId: { Ref: "Res" }, HttpMethod: "POST", AuthorizationType: "NONE", Integration: { Type: "MOCK" }, ...method },
      },
      ...extra,
    },
  });
}

describe("CloudFormation validators and models", () => {
  test("RequestValidator by Ref, RequestModels by name and by Ref, Model Schema as object or JSON string", async () => {
    const code = { "code/index.js": HANDLER };
    const tpl = cfn({ RequestValidatorId: { Ref: "Val" }, RequestModels: { "application/json": "Pet", "text/plain": { Ref: "OwnerModel" } }, RequestParameters: { "method.request.header.x-a": true } });
    const { model } = await load(tpl, code, {}, "t.json");
    const api = model.restApis[0]!;
    const m = method(api, "/pets", "POST");
    expect(m.requestValidator).toEqual({ name: "both", validateRequestBody: true, validateRequestParameters: true });
    expect(m.requestModels).toEqual({ "application/json": "Pet", "text/plain": "Owner" });
    expect(api.models["Pet"]!.schema).toEqual({ type: "object", properties: { owner: { $ref: `${MODEL_REF_BASE}Owner` } } });
    expect(api.models["Owner"]).toEqual({ name: "Owner", contentType: "application/json", schema: { type: "object", required: ["name"] } });
  });

  test("Model without Name is named by its logical id; Empty is built in", async () => {
    const doc = JSON.parse(cfn({ RequestModels: { "application/json": "Empty", "application/x-owner": { Ref: "OwnerModel" } } }));
    doc.Resources.PetModel.Properties.Schema = { type: "object" };
    delete doc.Resources.OwnerModel.Properties.Name;
    const { model } = await load(JSON.stringify(doc), { "code/index.js": HANDLER }, {}, "t.json");
    expect(method(model.restApis[0]!, "/pets", "POST").requestModels).toEqual({ "application/json": "Empty", "application/x-owner": "OwnerModel" });
    expect(method(model.restApis[0]!, "/pets", "POST").requestValidator).toBeUndefined();
  });

  test("load errors: unknown model, bad model name, bad JSON schema string, $ref to an unknown model, validator of another API", async () => {
    const code = { "code/index.js": HANDLER };
    await expectLoadError(cfn({ RequestModels: { "application/json": "Ghost" } }), "$.Resources.M.Properties.RequestModels['application/json']", 'unknown model "Ghost"', code, {}, "t.json");
    const badName = JSON.parse(cfn({}));
    badName.Resources.PetModel.Properties.Name = "pet-model";
    await expectLoadError(JSON.stringify(badName), "$.Resources.PetModel.Properties.Name", 'model name "pet-model" must be alphanumeric', code, {}, "t.json");
    const badJson = JSON.parse(cfn({}));
    badJson.Resources.OwnerModel.Properties.Schema = "{nope";
    await expectLoadError(JSON.stringify(badJson), "$.Resources.OwnerModel.Properties.Schema", /^Schema is not valid JSON: /, code, {}, "t.json");
    // PetModel's $ref names "Owner"; without a Name the Owner model is called OwnerModel.
    const unnamed = JSON.parse(cfn({}));
    delete unnamed.Resources.OwnerModel.Properties.Name;
    await expectLoadError(JSON.stringify(unnamed), "$.Resources.PetModel.Properties.Schema.properties.owner['$ref']", '$ref to unknown model "Owner"', code, {}, "t.json");
    const other = JSON.parse(cfn({ RequestValidatorId: { Ref: "Val2" } }));
    other.Resources.PetModel.Properties.Schema = {};
    other.Resources.Api2 = { Type: "AWS::ApiGateway::RestApi", Properties: { Name: "b" } };
    other.Resources.Dep2 = { Type: "AWS::ApiGateway::Deployment", Properties: { RestApiId: { Ref: "Api2" }, StageName: "prod" } };
    other.Resources.Val2 = { Type: "AWS::ApiGateway::RequestValidator", Properties: { RestApiId: { Ref: "Api2" }, ValidateRequestBody: true } };
    await expectLoadError(JSON.stringify(other), "$.Resources.M.Properties.RequestValidatorId", 'request validator "Val2" belongs to another RestApi', code, {}, "t.json");
  });
});

const sam = (event: string, api = "") => `Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: s
${api}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: app.handler
      CodeUri: src
      Events:
        Post:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /pets
            Method: post
${event}
`;

describe("SAM validators and models", () => {
  const SRC = { "src/app.mjs": HANDLER };
  const models = "      Models:\n        Pet: { type: object, required: [name], properties: { owner: { $ref: '#/definitions/Owner' } } }\n        Owner: { type: object }\n";
  test("Api Models + event RequestModel → model and SAM-named validator; RequestParameters Required", async () => {
    const { model } = await load(
      sam(
        "            RequestModel: { Model: Pet, Required: true, ValidateBody: true, ValidateParameters: true }\n            RequestParameters:\n              - method.request.querystring.q: { Required: true }\n              - method.request.header.h\n",
        models,
      ),
      SRC,
    );
    const api = model.restApis[0]!;
    const m = method(api, "/pets", "POST");
    expect(m.requestModels).toEqual({ "application/json": "Pet" });
    expect(m.requestValidator).toEqual({ name: "body-and-params", validateRequestBody: true, validateRequestParameters: true });
    expect(m.requestParameters).toEqual({ "method.request.querystring.q": true, "method.request.header.h": false });
    expect(api.models["Pet"]!.schema).toEqual({ type: "object", required: ["name"], properties: { owner: { $ref: `${MODEL_REF_BASE}Owner` } } });
  });

  test("only ValidateBody given → body-only; none given → no validator", async () => {
    const one = await load(sam("            RequestModel: { Model: Pet, ValidateBody: true }\n", models), SRC);
    expect(method(one.model.restApis[0]!, "/pets", "POST").requestValidator).toEqual({ name: "body-only", validateRequestBody: true, validateRequestParameters: false });
    const none = await load(sam("            RequestModel: { Model: Pet }\n", models), SRC);
    expect(method(none.model.restApis[0]!, "/pets", "POST").requestValidator).toBeUndefined();
  });

  test("load errors: unknown model, RequestModel without Model, unknown RequestModel key, bad SAM model name", async () => {
    const P = "$.Resources.Fn.Properties.Events.Post.Properties.RequestModel";
    await expectLoadError(sam("            RequestModel: { Model: Ghost, ValidateBody: true }\n", models), `${P}.Model`, 'unknown model "Ghost"', SRC);
    await expectLoadError(sam("            RequestModel: { ValidateBody: true }\n", models), P, "RequestModel needs a Model", SRC);
    await expectLoadError(sam("            RequestModel: { Model: Pet, Strict: true }\n", models), `${P}.Strict`, "RequestModel property Strict is not supported yet", SRC);
    await expectLoadError(sam("", "      Models:\n        my-model: { type: object }\n"), "$.Resources.Api.Properties.Models['my-model']", 'model name "my-model" must be alphanumeric', SRC);
  });
});
