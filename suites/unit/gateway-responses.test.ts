import { describe, expect, it } from "vitest";
import {
  compileGatewayResponses,
  errorContext,
  GATEWAY_RESPONSES,
  GatewayError,
  renderGatewayResponse,
  type ErrorResponseType,
} from "../../reference-gateway/errors/index.ts";
import type { TemplateScope } from "../../reference-gateway/templates/index.ts";

const scopeFor = (error: GatewayError, header: Record<string, string> = {}): TemplateScope => ({
  context: { requestId: "rid-1", stage: "test", error: errorContext(error.type, error.message) },
  stageVariables: { greeting: "hello" },
  input: { body: "", params: { path: {}, querystring: {}, header } },
});

const render = (type: ErrorResponseType, config: Parameters<typeof compileGatewayResponses>[0] = {}, options: { accept?: string; header?: Record<string, string>; error?: GatewayError } = {}) => {
  const error = options.error ?? new GatewayError(type);
  const rendered = renderGatewayResponse(error, compileGatewayResponses(config), scopeFor(error, options.header), options.accept);
  const headers = Object.fromEntries(rendered.headers.map(([name, value]) => [name.toLowerCase(), value]));
  return { ...rendered, headerMap: headers };
};

/** spec §2 (statuses), §2.2 (x-amzn-ErrorType), §2.3 (messages); the catalogue's own strengths noted there. */
const EXPECTED: Record<ErrorResponseType, [number, string, string]> = {
  ACCESS_DENIED: [403, "User is not authorized to access this resource", "AccessDeniedException"],
  API_CONFIGURATION_ERROR: [500, "Internal server error", "ApiConfigurationException"],
  AUTHORIZER_CONFIGURATION_ERROR: [500, "Internal server error", "AuthorizerConfigurationException"],
  AUTHORIZER_FAILURE: [500, "Internal server error", "AuthorizerFailureException"],
  BAD_REQUEST_PARAMETERS: [400, "Missing required request parameters", "BadRequestException"],
  BAD_REQUEST_BODY: [400, "Invalid request body", "BadRequestException"],
  EXPIRED_TOKEN: [403, "The security token included in the request is expired", "ExpiredTokenException"],
  INTEGRATION_FAILURE: [504, "Internal server error", "InternalServerErrorException"],
  INTEGRATION_TIMEOUT: [504, "Endpoint request timed out", "InternalServerErrorException"],
  INVALID_API_KEY: [403, "Forbidden", "ForbiddenException"],
  INVALID_SIGNATURE: [403, "The request signature we calculated does not match the signature you provided", "InvalidSignatureException"],
  MISSING_AUTHENTICATION_TOKEN: [403, "Missing Authentication Token", "MissingAuthenticationTokenException"],
  QUOTA_EXCEEDED: [429, "Limit Exceeded", "LimitExceededException"],
  REQUEST_TOO_LARGE: [413, "Request Too Long", "BadRequestException"],
  RESOURCE_NOT_FOUND: [404, "Not Found", "ResourceNotFoundException"],
  THROTTLED: [429, "Too Many Requests", "TooManyRequestsException"],
  UNAUTHORIZED: [401, "Unauthorized", "UnauthorizedException"],
  UNSUPPORTED_MEDIA_TYPE: [415, "Unsupported Media Type", "BadRequestException"],
  WAF_FILTERED: [403, "Forbidden", "WafFilteredException"],
};

/**
 * spec §2.1: default template {"message":$context.error.messageString}; integration-side ones are spaced (captured);
 * policy denials say "Message" (spec §2.3); authorizer failures are {"message":null} (catalogue.ts cites the captures).
 */
function builtinBody(type: ErrorResponseType, message: string): string {
  if (type === "INTEGRATION_TIMEOUT" || type === "INTEGRATION_FAILURE" || type === "REQUEST_TOO_LARGE") return `{"message": ${JSON.stringify(message)}}`;
  if (type === "ACCESS_DENIED") return `{"Message":${JSON.stringify(message)}}`;
  if (type === "AUTHORIZER_CONFIGURATION_ERROR" || type === "AUTHORIZER_FAILURE") return '{"message":null}';
  return `{"message":${JSON.stringify(message)}}`;
}

describe("built-in defaults for every gateway response type", () => {
  it("the catalogue covers the 19 non-DEFAULT types of the API enum (spec §2: 21 values)", () => {
    expect(Object.keys(GATEWAY_RESPONSES).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [type, [status, message, errorType]] of Object.entries(EXPECTED) as Array<[ErrorResponseType, [number, string, string]]>) {
    it(`${type} → ${status} ${JSON.stringify(message)} ${errorType}`, () => {
      const rendered = render(type);
      expect(rendered.status).toBe(status);
      expect(rendered.body).toBe(builtinBody(type, message));
      expect(rendered.headerMap["x-amzn-errortype"]).toBe(errorType);
      expect(rendered.headerMap["content-type"]).toBe("application/json");
    });
  }

  it("a status the step attaches (Lambda proxy failures are 502) replaces the type's default", () => {
    const error = new GatewayError("INTEGRATION_FAILURE", { status: 502, message: "Internal server error" });
    expect(render("INTEGRATION_FAILURE", {}, { error }).status).toBe(502);
  });

  it("a message the step attaches is what $context.error.message carries", () => {
    const error = new GatewayError("BAD_REQUEST_PARAMETERS", { message: "Missing required request parameters: [q1]" });
    // spec §2.3: 400 {"message": "Missing required request parameters: [q1]"}.
    expect(JSON.parse(render("BAD_REQUEST_PARAMETERS", {}, { error }).body)).toEqual({ message: "Missing required request parameters: [q1]" });
  });

  it("errorContext: messageString is the quoted message (spec §1.4)", () => {
    expect(errorContext("THROTTLED", 'say "hi"')).toEqual({ message: 'say "hi"', messageString: '"say \\"hi\\""', responseType: "THROTTLED", validationErrorString: "" });
  });
});

describe("customisation and field-wise fallback (spec §2.1)", () => {
  const TEMPLATE = { "application/json": '{"message":$context.error.messageString,"type":"$context.error.responseType"}' };

  it("console example: MISSING_AUTHENTICATION_TOKEN statusCode 404 + DEFAULT_4XX template", () => {
    const rendered = render("MISSING_AUTHENTICATION_TOKEN", {
      DEFAULT_4XX: { responseParameters: {}, responseTemplates: TEMPLATE },
      MISSING_AUTHENTICATION_TOKEN: { statusCode: "404", responseParameters: {}, responseTemplates: {} },
    });
    expect(rendered.status).toBe(404);
    expect(rendered.body).toBe('{"message":"Missing Authentication Token","type":"MISSING_AUTHENTICATION_TOKEN"}');
    expect(rendered.headerMap["x-amzn-errortype"]).toBe("MissingAuthenticationTokenException");
  });

  it("DEFAULT_4XX statusCode changes every 4XX type without its own; 5XX types are untouched", () => {
    const config = { DEFAULT_4XX: { statusCode: "400", responseParameters: {}, responseTemplates: {} } };
    expect(render("THROTTLED", config).status).toBe(400);
    expect(render("UNAUTHORIZED", config).status).toBe(400);
    expect(render("API_CONFIGURATION_ERROR", config).status).toBe(500);
  });

  it("DEFAULT_5XX statusCode changes 5XX types; 4XX ones are untouched", () => {
    const config = { DEFAULT_5XX: { statusCode: "503", responseParameters: {}, responseTemplates: {} } };
    expect(render("API_CONFIGURATION_ERROR", config).status).toBe(503);
    expect(render("INTEGRATION_TIMEOUT", config).status).toBe(503);
    expect(render("THROTTLED", config).status).toBe(429);
  });

  it("a type's own status beats DEFAULT_xXX's", () => {
    const rendered = render("THROTTLED", {
      DEFAULT_4XX: { statusCode: "400", responseParameters: {}, responseTemplates: {} },
      THROTTLED: { statusCode: "503", responseParameters: {}, responseTemplates: {} },
    });
    expect(rendered.status).toBe(503);
  });

  it("a type's own template beats DEFAULT_xXX's; without one the type keeps DEFAULT_xXX's", () => {
    const config = {
      DEFAULT_4XX: { responseParameters: {}, responseTemplates: TEMPLATE },
      THROTTLED: { responseParameters: {}, responseTemplates: { "application/json": '{"slow":"down"}' } },
    };
    expect(render("THROTTLED", config).body).toBe('{"slow":"down"}');
    expect(render("QUOTA_EXCEEDED", config).body).toBe('{"message":"Limit Exceeded","type":"QUOTA_EXCEEDED"}');
  });

  it("headers: DEFAULT_xXX's and the type's own are merged, the type's winning; x-amzn-ErrorType stays the type's", () => {
    const rendered = render(
      "UNSUPPORTED_MEDIA_TYPE",
      {
        DEFAULT_4XX: {
          responseParameters: {
            "gatewayresponse.header.x-static": "'from-default'",
            "gatewayresponse.header.x-caller": "method.request.header.x-caller",
            "gatewayresponse.header.x-greeting": "stageVariables.greeting",
            "gatewayresponse.header.x-rid": "context.requestId",
          },
          responseTemplates: {},
        },
        UNSUPPORTED_MEDIA_TYPE: {
          responseParameters: { "gatewayresponse.header.x-static": "'own'" },
          responseTemplates: {},
        },
      },
      { header: { "X-Caller": "alice" } },
    );
    expect(rendered.headerMap["x-static"]).toBe("own");
    // spec §2.1: values from method.request.header.N (case-insensitive), stageVariables.x, context.x.
    expect(rendered.headerMap["x-caller"]).toBe("alice");
    expect(rendered.headerMap["x-greeting"]).toBe("hello");
    expect(rendered.headerMap["x-rid"]).toBe("rid-1");
    expect(rendered.headerMap["x-amzn-errortype"]).toBe("BadRequestException");
  });

  it("path and querystring targets are accepted but send nothing: only header targets become response headers", () => {
    // x-amazon-apigateway-gateway-responses.responseParameters (AWS developer guide): "param-position can be header,
    // path, or querystring"; a response has no path or query string. Before, the target's full name was sent as a header.
    const rendered = render("THROTTLED", {
      THROTTLED: { responseParameters: { "gatewayresponse.querystring.q": "'v'", "gatewayresponse.path.p": "'v'", "gatewayresponse.header.x-h": "'v'" }, responseTemplates: {} },
    });
    expect(rendered.headerMap["x-h"]).toBe("v");
    expect(Object.keys(rendered.headerMap).filter((name) => name.startsWith("gatewayresponse."))).toEqual([]);
  });

  it("a header whose source is absent is not set", () => {
    const rendered = render("THROTTLED", { DEFAULT_4XX: { responseParameters: { "gatewayresponse.header.x-caller": "method.request.header.x-caller" }, responseTemplates: {} } });
    expect(rendered.headerMap).not.toHaveProperty("x-caller");
  });

  it("the template is chosen by the first Accept type, else the first one (spec §1.7)", () => {
    const config = { DEFAULT_4XX: { responseParameters: {}, responseTemplates: { "application/json": "J $context.error.responseType", "text/plain": "T $context.error.message" } } };
    const plain = render("THROTTLED", config, { accept: "text/plain" });
    expect(plain.body).toBe("T Too Many Requests");
    expect(plain.headerMap["content-type"]).toBe("text/plain");
    const html = render("THROTTLED", config, { accept: "text/html, text/plain" });
    expect(html.body).toBe("J THROTTLED");
    expect(html.headerMap["content-type"]).toBe("application/json");
  });

  it("REQUEST_TOO_LARGE ignores customisation, even through DEFAULT_4XX (known-issues: not customisable)", () => {
    const rendered = render("REQUEST_TOO_LARGE", {
      DEFAULT_4XX: { statusCode: "400", responseParameters: { "gatewayresponse.header.x-static": "'s'" }, responseTemplates: TEMPLATE },
      REQUEST_TOO_LARGE: { statusCode: "400", responseParameters: {}, responseTemplates: { "application/json": "custom" } },
    });
    expect(rendered.status).toBe(413);
    expect(rendered.body).toBe('{"message": "Request Too Long"}');
    expect(rendered.headerMap).not.toHaveProperty("x-static");
  });

  it("gateway-response templates are plain substitution, not VTL: directives are kept as text (spec §2.1)", () => {
    const rendered = render("THROTTLED", { THROTTLED: { responseParameters: {}, responseTemplates: { "application/json": "#if(1)x#end $context.error.responseType" } } });
    expect(rendered.body).toBe("#if(1)x#end THROTTLED");
  });
});
