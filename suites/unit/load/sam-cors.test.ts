/**
 * SAM `Cors` → OPTIONS MOCK methods, as samtranslator writes them (aws/serverless-application-model:
 * samtranslator/model/api/api_generator.py `_add_cors`, samtranslator/swagger/swagger.py `add_cors`,
 * `_options_method_response_for_cors`, `_make_cors_allowed_methods_for_path_item`).
 */
import { describe, expect, test } from "vitest";
import { corsAllowedMethods } from "../../../reference-gateway/load/sam-cors.ts";
import type { RestApi } from "../../../reference-gateway/model/types.ts";
import { HANDLER, allPaths, expectLoadError, findResource, load, method } from "./helpers.ts";

const SRC = { "src/app.mjs": HANDLER };
const H = "method.response.header.";

/** An explicit Api `Api` with `apiProps` (10-space indented), served by one function with `events`. */
function template(apiProps: string, events = "", head = ""): string {
  return `Transform: AWS::Serverless-2016-10-31
${head}
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: s
${apiProps}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: app.handler
      CodeUri: src
      Events:
${events || `        Get:
          Type: Api
          Properties: { RestApiId: !Ref Api, Path: /items, Method: GET }
        Post:
          Type: Api
          Properties: { RestApiId: !Ref Api, Path: /items, Method: post }
        Any:
          Type: Api
          Properties: { RestApiId: !Ref Api, Path: "/any/{proxy+}", Method: ANY }
`}`;
}

async function api(apiProps: string, events = "", head = ""): Promise<RestApi> {
  const { model } = await load(template(apiProps, events, head), SRC);
  return model.restApis.find((a) => a.logicalId === "Api")!;
}

const mockParams = (a: RestApi, path: string) => method(a, path, "OPTIONS").integration.integrationResponses[0]!.responseParameters;

describe("SAM Cors: the OPTIONS method SAM generates", () => {
  test("a string Cors is AllowOrigin; Allow-Methods computed per path (sorted, OPTIONS added); no Allow-Headers", async () => {
    const a = await api(`      Cors: "'https://app.example'"`);
    const options = method(a, "/items", "OPTIONS");
    // swagger.py _options_method_response_for_cors: the whole snippet.
    expect(options.integration).toEqual({
      type: "MOCK",
      requestParameters: {},
      requestTemplates: { "application/json": '{\n  "statusCode" : 200\n}\n' },
      passthroughBehavior: "WHEN_NO_MATCH",
      timeoutInMillis: 29000,
      integrationResponses: [
        {
          statusCode: "200",
          responseParameters: { [`${H}Access-Control-Allow-Origin`]: "'https://app.example'", [`${H}Access-Control-Allow-Methods`]: "'GET,OPTIONS,POST'" },
          responseTemplates: { "application/json": "{}\n" },
        },
      ],
      cacheKeyParameters: [],
    });
    expect(options.methodResponses).toEqual({
      "200": { statusCode: "200", responseParameters: { [`${H}Access-Control-Allow-Origin`]: false, [`${H}Access-Control-Allow-Methods`]: false } },
    });
    expect(options).toMatchObject({ authorizationType: "NONE", apiKeyRequired: false, requestParameters: {} });
    expect(options.location.path).toBe("$.Resources.Api.Properties.Cors");
  });

  test("ANY on a path → all of SAM's _ALL_HTTP_METHODS", async () => {
    const a = await api(`      Cors: "'*'"`);
    expect(mockParams(a, "/any/{proxy+}")[`${H}Access-Control-Allow-Methods`]).toBe("'DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT'");
    expect(findResource(a, "/any/{proxy+}").methods["ANY"]).toBeDefined();
  });

  test("SAM does not touch the other methods: no Access-Control-Allow-Origin on the Lambda proxy methods", async () => {
    const a = await api(`      Cors: "'*'"`);
    const get = method(a, "/items", "GET");
    expect(get.integration.type).toBe("AWS_PROXY");
    expect(get.methodResponses).toEqual({});
    expect(get.integration.integrationResponses).toEqual([]);
  });

  test("a map: AllowMethods/AllowHeaders verbatim, MaxAge, AllowCredentials 'true' — in SAM's order", async () => {
    const a = await api(`      Cors:
        AllowOrigin: "'https://app.example'"
        AllowHeaders: "'Content-Type,X-Custom'"
        AllowMethods: "'GET,PUT'"
        MaxAge: "'600'"
        AllowCredentials: true`);
    const params = mockParams(a, "/items");
    expect(Object.entries(params)).toEqual([
      [`${H}Access-Control-Allow-Origin`, "'https://app.example'"],
      [`${H}Access-Control-Allow-Headers`, "'Content-Type,X-Custom'"],
      [`${H}Access-Control-Allow-Methods`, "'GET,PUT'"],
      [`${H}Access-Control-Max-Age`, "'600'"],
      [`${H}Access-Control-Allow-Credentials`, "'true'"],
    ]);
    // the given AllowMethods is used for every path, ANY included
    expect(mockParams(a, "/any/{proxy+}")[`${H}Access-Control-Allow-Methods`]).toBe("'GET,PUT'");
  });

  test("AllowCredentials false (or absent) → no Allow-Credentials; empty AllowHeaders/AllowMethods count as not given", async () => {
    const a = await api(`      Cors: { AllowOrigin: "'https://x.example'", AllowCredentials: false, AllowHeaders: "", AllowMethods: "" }`);
    expect(Object.keys(mockParams(a, "/items"))).toEqual([`${H}Access-Control-Allow-Origin`, `${H}Access-Control-Allow-Methods`]);
    expect(mockParams(a, "/items")[`${H}Access-Control-Allow-Methods`]).toBe("'GET,OPTIONS,POST'");
  });

  test("a map without AllowOrigin → '*' (CorsProperties default)", async () => {
    const a = await api(`      Cors: { AllowHeaders: "'X-A'" }`);
    expect(mockParams(a, "/items")[`${H}Access-Control-Allow-Origin`]).toBe("'*'");
  });

  test("a path that already has OPTIONS is left alone (swagger.py: skip if options is present)", async () => {
    const a = await api(
      `      Cors: "'*'"`,
      `        Get:
          Type: Api
          Properties: { RestApiId: !Ref Api, Path: /items, Method: GET }
        Opt:
          Type: Api
          Properties: { RestApiId: !Ref Api, Path: /items, Method: OPTIONS }
        Other:
          Type: Api
          Properties: { RestApiId: !Ref Api, Path: /other, Method: DELETE }
`,
    );
    expect(method(a, "/items", "OPTIONS").integration.type).toBe("AWS_PROXY");
    expect(mockParams(a, "/other")[`${H}Access-Control-Allow-Methods`]).toBe("'DELETE,OPTIONS'");
  });

  test("DefinitionBody paths count as written: user OPTIONS kept, method-less path and path-level keys as SAM reads them", async () => {
    const a = await api(`      Cors: "'*'"
      DefinitionBody:
        swagger: "2.0"
        info: { title: t, version: "1" }
        paths:
          /items:
            get:
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates: { application/json: '{"statusCode": 200}' }
                responses: { default: { statusCode: "200" } }
          /own:
            options:
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates: { application/json: '{"statusCode": 204}' }
                responses: { default: { statusCode: "204" } }
          /with-params:
            parameters: [{ name: q, in: query, type: string }]
            put:
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates: { application/json: '{"statusCode": 200}' }
                responses: { default: { statusCode: "200" } }`);
    // events merged into the inline body: /items gets GET (body) + POST (event)
    expect(mockParams(a, "/items")[`${H}Access-Control-Allow-Methods`]).toBe("'GET,OPTIONS,POST'");
    expect(method(a, "/own", "OPTIONS").integration.integrationResponses[0]!.statusCode).toBe("204");
    // _make_cors_allowed_methods_for_path_item upper-cases every key of the path item, `parameters` included.
    expect(mockParams(a, "/with-params")[`${H}Access-Control-Allow-Methods`]).toBe("'OPTIONS,PARAMETERS,PUT'");
  });

  test("Globals.Api.Cors applies to the implicit ServerlessRestApi; a resource map merges over a Globals map", async () => {
    const { model } = await load(
      `Transform: AWS::Serverless-2016-10-31
Globals:
  Api:
    Cors:
      AllowOrigin: "'https://g.example'"
      MaxAge: "'60'"
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: s
      Cors: { AllowOrigin: "'https://own.example'" }
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: app.handler
      CodeUri: src
      Events:
        Implicit: { Type: Api, Properties: { Path: /a, Method: GET } }
        Explicit: { Type: Api, Properties: { RestApiId: !Ref Api, Path: /b, Method: GET } }
`,
      SRC,
    );
    const implicit = model.restApis.find((x) => x.logicalId === "ServerlessRestApi")!;
    const explicit = model.restApis.find((x) => x.logicalId === "Api")!;
    expect(mockParams(implicit, "/a")).toEqual({ [`${H}Access-Control-Allow-Origin`]: "'https://g.example'", [`${H}Access-Control-Allow-Methods`]: "'GET,OPTIONS'", [`${H}Access-Control-Max-Age`]: "'60'" });
    expect(mockParams(explicit, "/b")).toEqual({ [`${H}Access-Control-Allow-Origin`]: "'https://own.example'", [`${H}Access-Control-Allow-Methods`]: "'GET,OPTIONS'", [`${H}Access-Control-Max-Age`]: "'60'" });
    expect(method(implicit, "/a", "OPTIONS").location.path).toBe("$.Globals.Api.Cors");
  });

  test("intrinsics in Cors are resolved", async () => {
    const a = await api(`      Cors: !Sub "'https://\${Host}'"`, "", `Parameters:\n  Host: { Type: String, Default: app.example }`);
    expect(mockParams(a, "/items")[`${H}Access-Control-Allow-Origin`]).toBe("'https://app.example'");
  });

  test("falsy Cors adds nothing", async () => {
    for (const v of ['""', "{}", "false"]) {
      const a = await api(`      Cors: ${v}`);
      expect(allPaths(a)).not.toContain("/items GET,POST,OPTIONS");
      expect(findResource(a, "/items").methods["OPTIONS"]).toBeUndefined();
    }
  });

  test("DefaultAuthorizer reaches the OPTIONS method unless AddDefaultAuthorizerToCorsPreflight is false (_add_cors runs before _add_auth)", async () => {
    const auth = (flag: string) => `      Cors: "'*'"
      Auth:
        DefaultAuthorizer: Tok
${flag}        Authorizers:
          Tok: { FunctionArn: !GetAtt Fn.Arn }`;
    const withAuth = await api(auth(""));
    expect(method(withAuth, "/items", "OPTIONS").authorizationType).toBe("CUSTOM");
    const without = await api(auth("        AddDefaultAuthorizerToCorsPreflight: false\n"));
    expect(method(without, "/items", "OPTIONS").authorizationType).toBe("NONE");
    expect(method(without, "/items", "GET").authorizationType).toBe("CUSTOM");
  });

  test("ApiKeyRequired reaches OPTIONS unless AddApiKeyRequiredToCorsPreflight is false", async () => {
    expect(method(await api(`      Cors: "'*'"\n      Auth: { ApiKeyRequired: true }`), "/items", "OPTIONS").apiKeyRequired).toBe(true);
    expect(method(await api(`      Cors: "'*'"\n      Auth: { ApiKeyRequired: true, AddApiKeyRequiredToCorsPreflight: false }`), "/items", "OPTIONS").apiKeyRequired).toBe(false);
  });
});

describe("SAM Cors: refusals", () => {
  test("AllowCredentials true with AllowOrigin '*' or not set → SAM's error", async () => {
    const reason = "Unable to add Cors configuration because 'AllowCredentials' can not be true when 'AllowOrigin' is \"'*'\" or not set";
    await expectLoadError(template(`      Cors: { AllowOrigin: "'*'", AllowCredentials: true }`), "$.Resources.Api.Properties.Cors", reason, SRC);
    await expectLoadError(template(`      Cors: { AllowCredentials: true }`), "$.Resources.Api.Properties.Cors", reason, SRC);
  });

  test("unknown keys and non-string/non-map values → Invalid value for 'Cors' property", async () => {
    await expectLoadError(template(`      Cors: { AllowOrigins: "'*'" }`), "$.Resources.Api.Properties.Cors.AllowOrigins", /^Invalid value for 'Cors' property/, SRC);
    await expectLoadError(template(`      Cors: [a]`), "$.Resources.Api.Properties.Cors", "Invalid value for 'Cors' property", SRC);
    await expectLoadError(template(`      Cors: true`), "$.Resources.Api.Properties.Cors", "Invalid value for 'Cors' property", SRC);
  });

  test("an explicit empty AllowOrigin → SAM's add_cors error", async () => {
    await expectLoadError(template(`      Cors: { AllowOrigin: "" }`), "$.Resources.Api.Properties.Cors", "Invalid input. Value for AllowedOrigins is required", SRC);
  });

  test("values must be mapping expressions (SAM copies them unchanged; API Gateway takes nothing else)", async () => {
    await expectLoadError(template(`      Cors: "*"`), "$.Resources.Api.Properties.Cors.AllowOrigin", /^AllowOrigin "\*" is not a mapping expression: write a static value in single quotes, e\.g\. "'\*'"/, SRC);
    await expectLoadError(template(`      Cors: { MaxAge: 600 }`), "$.Resources.Api.Properties.Cors.MaxAge", /^MaxAge must be a string holding a mapping expression/, SRC);
    await expectLoadError(template(`      Cors: { AllowCredentials: "yes" }`), "$.Resources.Api.Properties.Cors.AllowCredentials", "AllowCredentials must be a boolean", SRC);
  });

  test("Cors with a DefinitionUri file → SAM's error", async () => {
    const doc = `swagger: "2.0"\ninfo: { title: t, version: "1" }\npaths: {}\n`;
    await expectLoadError(
      `Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: s
      DefinitionUri: api.yaml
      Cors: "'*'"
`,
      "$.Resources.Api.Properties.Cors",
      "Cors works only with inline Swagger specified in 'DefinitionBody' property.",
      { "api.yaml": doc },
    );
  });
});

describe("corsAllowedMethods (swagger.py _make_cors_allowed_methods_for_path_item)", () => {
  test("upper-cased, deduplicated, sorted, OPTIONS added", () => {
    expect(corsAllowedMethods(["post", "get"])).toBe("GET,OPTIONS,POST");
    expect(corsAllowedMethods([])).toBe("OPTIONS");
    expect(corsAllowedMethods(["get", "x-amazon-apigateway-any-method"])).toBe("DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT");
  });
});
