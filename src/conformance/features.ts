/**
 * The conformance catalogue: every feature a suite can declare, the profile it belongs to and its level. Profiles
 * are what a gateway claims ("REST-CORE core"), features are what a test needs. Shaped after the Kubernetes Gateway
 * API conformance profiles (core / extended) so a report reads the same way.
 */

export type ProfileId = "REST-CORE" | "REST-AUTH" | "REST-TRAFFIC" | "HTTP-API" | "WEBSOCKET" | "TOOLING";
export type Level = "core" | "extended";

export interface FeatureInfo {
  profile: ProfileId;
  level: Level;
  description: string;
}

const feature = (profile: ProfileId, level: Level, description: string): FeatureInfo => ({ profile, level, description });

export const FEATURES = {
  // REST-CORE
  "rest.routing": feature("REST-CORE", "core", "stages, resources, {param}, {proxy+}, ANY, precedence, 403 Missing Authentication Token"),
  "rest.request-ids": feature("REST-CORE", "core", "x-amzn-RequestId, x-amz-apigw-id and X-Amzn-Trace-Id on every response"),
  "rest.lambda-proxy": feature("REST-CORE", "core", "Lambda proxy integration: payload 1.0 event and response validation"),
  "rest.mock": feature("REST-CORE", "core", "MOCK integrations: status from the request template, response selection"),
  "rest.http-proxy": feature("REST-CORE", "core", "HTTP_PROXY integrations: pass-through, header remapping"),
  "rest.gateway-responses": feature("REST-CORE", "core", "the gateway-response catalogue: statuses, bodies, x-amzn-ErrorType, DEFAULT_4XX/5XX"),
  "limits.timeout": feature("REST-CORE", "core", "integration timeoutInMillis → 504, Lambda Timeout → 502"),
  "limits.payload": feature("REST-CORE", "core", "10 MB request payload limit → 413"),
  "rest.http": feature("REST-CORE", "extended", "HTTP (non-proxy) integrations: parameter mapping, templates, status selection"),
  "rest.vtl": feature("REST-CORE", "extended", "mapping templates in API Gateway's Velocity ($input, $util, $context)"),
  "rest.validation": feature("REST-CORE", "extended", "request validators: required parameters and body models"),
  "rest.gateway-responses.custom": feature("REST-CORE", "extended", "customised gateway responses (status, headers, templates)"),
  "rest.lambda-custom": feature("REST-CORE", "extended", "Lambda custom (non-proxy) integrations"),
  "rest.aws-integrations": feature("REST-CORE", "extended", "AWS service integrations (DynamoDB, S3 actions and paths)"),
  "rest.stage-variables": feature("REST-CORE", "extended", "stage variables in templates, URIs and function names"),
  "rest.canary": feature("REST-CORE", "extended", "canary releases: traffic split and canary stage variables"),
  "rest.binary": feature("REST-CORE", "extended", "binaryMediaTypes and base64 bodies"),
  "cors.rest": feature("REST-CORE", "extended", "CORS for REST APIs: OPTIONS methods, SAM Cors, gateway responses"),
  "robustness.http": feature("REST-CORE", "extended", "responses HTTP cannot carry become gateway errors; framing headers"),
  "robustness.parsing": feature("REST-CORE", "extended", "malformed, pipelined and absolute-form requests"),
  "robustness.fuzz": feature("REST-CORE", "extended", "fuzzed requests and malformed framing: well-formed AWS-shaped answers, no smuggling, no crash"),
  "robustness.exhaustion": feature("REST-CORE", "extended", "slowloris, header floods (10240 bytes), huge bodies, idle connections, nesting, regexes"),
  "robustness.faults": feature("REST-CORE", "extended", "failing functions and backends: the right 5xx, workers replaced, no leaked sockets"),
  "robustness.shutdown": feature("TOOLING", "extended", "graceful shutdown: in-flight requests finish, new ones refused"),
  "robustness.tls": feature("TOOLING", "extended", "HTTPS with HTTP/2 and HTTP/1.1 by ALPN, given or self-signed certificates"),
  "robustness.secrets": feature("TOOLING", "extended", "API keys and tokens never in the gateway's logs"),
  // REST-AUTH
  "auth.api-key": feature("REST-AUTH", "core", "API keys and usage plans (x-api-key, INVALID_API_KEY)"),
  "auth.lambda-token": feature("REST-AUTH", "core", "TOKEN Lambda authorizers"),
  "auth.lambda-request": feature("REST-AUTH", "core", "REQUEST Lambda authorizers"),
  "auth.cognito": feature("REST-AUTH", "core", "COGNITO_USER_POOLS authorizers"),
  "auth.iam": feature("REST-AUTH", "core", "AWS_IAM: SigV4 verification"),
  "auth.resource-policy": feature("REST-AUTH", "extended", "resource policies for execute-api:Invoke"),
  "auth.authorizer-cache": feature("REST-AUTH", "extended", "authorizer result caching per identity"),
  // REST-TRAFFIC
  "throttle.stage": feature("REST-TRAFFIC", "core", "stage-level throttling (rate and burst) → 429"),
  "throttle.method": feature("REST-TRAFFIC", "core", "method-level throttling"),
  "throttle.usage-plan": feature("REST-TRAFFIC", "core", "usage-plan throttling per API key"),
  quota: feature("REST-TRAFFIC", "core", "usage-plan quotas"),
  "throttle.account": feature("REST-TRAFFIC", "extended", "account-level throttling"),
  cache: feature("REST-TRAFFIC", "extended", "stage response cache and cache keys"),
  "cache.invalidation": feature("REST-TRAFFIC", "extended", "Cache-Control: max-age=0 invalidation and its authorization"),
  "observe.metrics": feature("TOOLING", "extended", "CloudWatch-named metrics (Count, Latency, 4XX/5XX, CacheHit/Miss) on the admin endpoint"),
  "observe.access-log": feature("TOOLING", "extended", "access logs in the stage's AccessLogSetting.Format with $context variables"),
  // HTTP-API
  "http-api.routing": feature("HTTP-API", "core", "route keys, {proxy+}, ANY, $default route and stage"),
  "http-api.lambda-proxy": feature("HTTP-API", "core", "Lambda proxy payload 2.0 (and 1.0), response inference"),
  "http-api.http-proxy": feature("HTTP-API", "core", "HTTP_PROXY integrations"),
  "http-api.errors": feature("HTTP-API", "core", "HTTP API error bodies (Not Found, Unauthorized, …)"),
  "http-api.jwt": feature("HTTP-API", "core", "JWT authorizers (issuer, audience, scopes)"),
  "cors.http-api": feature("HTTP-API", "core", "CorsConfiguration: automatic preflights and response decoration"),
  "http-api.lambda-auth": feature("HTTP-API", "extended", "Lambda authorizers (simple and IAM-policy responses)"),
  "http-api.iam": feature("HTTP-API", "extended", "AWS_IAM on HTTP API routes"),
  "http-api.parameter-mapping": feature("HTTP-API", "extended", "overwrite/append/remove parameter mapping"),
  "http-api.throttle": feature("HTTP-API", "extended", "route throttling"),
  "http-api.stage-variables": feature("HTTP-API", "extended", "stage variables in HTTP API events"),
  // WEBSOCKET
  "websocket.connect": feature("WEBSOCKET", "core", "$connect and $disconnect routes, handshake refusal"),
  "websocket.routing": feature("WEBSOCKET", "core", "routeSelectionExpression, custom routes and $default"),
  "websocket.lambda-proxy": feature("WEBSOCKET", "core", "WebSocket Lambda proxy events"),
  "websocket.connections": feature("WEBSOCKET", "core", "@connections management API (POST, GET, DELETE, 410 Gone)"),
  "websocket.route-responses": feature("WEBSOCKET", "extended", "two-way routes with route responses"),
  "websocket.auth": feature("WEBSOCKET", "extended", "authorizers on $connect"),
  "websocket.limits": feature("WEBSOCKET", "extended", "message size and connection time limits"),
  "websocket.throttle": feature("WEBSOCKET", "extended", "route throttling of $connect handshakes and messages"),
  // TOOLING: gateproof's own CLI and replayer; not a gateway feature, in no gateway profile's verdict.
  "tooling.cli": feature("TOOLING", "extended", "the gateproof serve command (reference only)"),
  "tooling.replay": feature("TOOLING", "extended", "gateproof record/replay against the target"),
} as const satisfies Record<string, FeatureInfo>;

export type FeatureId = keyof typeof FEATURES;

export const FEATURE_IDS = Object.keys(FEATURES) as FeatureId[];

export const PROFILES: readonly ProfileId[] = ["REST-CORE", "REST-AUTH", "REST-TRAFFIC", "HTTP-API", "WEBSOCKET", "TOOLING"];

/** Gateway profiles: the ones a report gives a verdict for by default (TOOLING is gateproof's own). */
export const GATEWAY_PROFILES: readonly ProfileId[] = ["REST-CORE", "REST-AUTH", "REST-TRAFFIC", "HTTP-API", "WEBSOCKET"];

export const isFeatureId = (value: string): value is FeatureId => Object.hasOwn(FEATURES, value);
export const isProfileId = (value: string): value is ProfileId => (PROFILES as readonly string[]).includes(value);

export function featuresOf(profile: ProfileId, level?: Level): FeatureId[] {
  return FEATURE_IDS.filter((id) => FEATURES[id].profile === profile && (level === undefined || FEATURES[id].level === level));
}

/**
 * Expands a list of feature words: exact ids, `prefix.*` wildcards (`http-api.*`, `throttle.*`), profile names
 * (`REST-CORE`) and profile levels (`REST-CORE:core`). Unknown words are returned in `unknown`, never ignored.
 */
export function expandFeatures(words: readonly string[]): { features: FeatureId[]; unknown: string[] } {
  const out = new Set<FeatureId>();
  const unknown: string[] = [];
  for (const raw of words) {
    const word = raw.trim();
    if (word === "") continue;
    const [profile, level] = word.split(":");
    if (profile !== undefined && isProfileId(profile.toUpperCase()) && (level === undefined || level === "core" || level === "extended")) {
      for (const id of featuresOf(profile.toUpperCase() as ProfileId, level as Level | undefined)) out.add(id);
    } else if (word === "*") {
      for (const id of FEATURE_IDS) out.add(id);
    } else if (word.endsWith(".*")) {
      const prefix = word.slice(0, -1);
      const matched = FEATURE_IDS.filter((id) => id.startsWith(prefix));
      if (matched.length === 0) unknown.push(word);
      for (const id of matched) out.add(id);
    } else if (isFeatureId(word)) {
      out.add(word);
    } else {
      unknown.push(word);
    }
  }
  return { features: FEATURE_IDS.filter((id) => out.has(id)), unknown };
}

export const splitList = (value: string | undefined): string[] => (value ?? "").split(/[\s,]+/).filter((word) => word !== "");
