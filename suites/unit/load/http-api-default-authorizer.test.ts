import { describe, expect, test } from "vitest";
import type { HttpApi } from "../../../reference-gateway/model/index.ts";
import { HANDLER, load } from "./helpers.ts";

// SAM puts an HttpApi's Auth.DefaultAuthorizer on every DefinitionBody method that has an integration and no security
// of its own, OPTIONS excepted (samtranslator open_api.py set_path_default_authorizer), not only on event routes.
const SRC = { "src/index.mjs": HANDLER };
const INTEGRATION = "x-amazon-apigateway-integration: { type: http_proxy, httpMethod: ANY, uri: 'http://example.com', payloadFormatVersion: '1.0' }";

function template(defaultAuthorizer: string): string {
  return `Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Open: { Type: HttpApi, Properties: { ApiId: !Ref Api, Path: /open, Method: get, Auth: { Authorizer: NONE } } }
        Event: { Type: HttpApi, Properties: { ApiId: !Ref Api, Path: /event, Method: get } }
        Preflight: { Type: HttpApi, Properties: { ApiId: !Ref Api, Path: /event, Method: options } }
        OwnPreflight: { Type: HttpApi, Properties: { ApiId: !Ref Api, Path: /own, Method: options, Auth: { Authorizer: Other } } }
      Runtime: nodejs20.x
      CodeUri: src
      Handler: index.handler
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        EnableIamAuthorizer: true
        DefaultAuthorizer: ${defaultAuthorizer}
        Authorizers:
          Jwt:
            IdentitySource: $request.header.Authorization
            AuthorizationScopes: [read]
            JwtConfiguration: { issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_x', audience: [client] }
          Other:
            JwtConfiguration: { issuer: 'https://issuer.example.com', audience: [client] }
      DefinitionBody:
        openapi: 3.0.1
        info: { title: t, version: "1" }
        components:
          securitySchemes:
            Other:
              type: oauth2
              x-amazon-apigateway-authorizer: { type: jwt, identitySource: $request.header.Authorization, jwtConfiguration: { issuer: 'https://issuer.example.com', audience: [client] } }
        paths:
          /plain:
            get: { ${INTEGRATION} }
            options: { ${INTEGRATION} }
          /emptysecurity:
            post: { security: [], ${INTEGRATION} }
          /own:
            get: { security: [{ Other: [] }], ${INTEGRATION} }
          /$default:
            x-amazon-apigateway-any-method: { isDefaultRoute: true, ${INTEGRATION} }
`;
}

const routes = async (defaultAuthorizer: string) => {
  const { model } = await load(template(defaultAuthorizer), SRC);
  const api = (model.httpApis ?? []).find((a: HttpApi) => a.logicalId === "Api")!;
  return Object.fromEntries(api.routes.map((r) => [r.routeKey, { type: r.authorizationType, scopes: r.authorizationScopes, authorizer: r.authorizerId === undefined ? undefined : api.authorizers[r.authorizerId]?.name }]));
};

describe("SAM HttpApi DefaultAuthorizer covers the DefinitionBody", () => {
  test("a JWT default with its AuthorizationScopes on definition and event methods without security; OPTIONS, own security and NONE events untouched", async () => {
    const r = await routes("Jwt");
    const jwt = { type: "JWT", scopes: ["read"], authorizer: "Jwt" };
    expect(r["GET /plain"]).toEqual(jwt);
    expect(r["POST /emptysecurity"]).toEqual(jwt);
    expect(r["$default"]).toEqual(jwt);
    expect(r["GET /event"]).toEqual(jwt);
    expect(r["OPTIONS /plain"]).toEqual({ type: "NONE", scopes: [], authorizer: undefined });
    expect(r["OPTIONS /event"]).toEqual({ type: "NONE", scopes: [], authorizer: undefined });
    expect(r["OPTIONS /own"]).toEqual({ type: "JWT", scopes: [], authorizer: "Other" });
    expect(r["GET /own"]).toEqual({ type: "JWT", scopes: [], authorizer: "Other" });
    expect(r["GET /open"]).toEqual({ type: "NONE", scopes: [], authorizer: undefined });
  });

  test("AWS_IAM as the default", async () => {
    const r = await routes("AWS_IAM");
    expect(r["GET /plain"]).toEqual({ type: "AWS_IAM", scopes: [], authorizer: undefined });
    expect(r["$default"]).toEqual({ type: "AWS_IAM", scopes: [], authorizer: undefined });
    expect(r["OPTIONS /plain"]!.type).toBe("NONE");
  });
});
