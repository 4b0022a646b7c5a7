/**
 * The execute-api URLs of the APIs this gateway serves, mapped to where it serves them. A template that points one
 * of its APIs at another (a JWT authorizer whose issuer is a stage of the same stack that publishes the discovery
 * document and JWKS, as suites/fixture/template.yaml does) works locally unchanged: the reference never calls AWS,
 * but `https://{apiId}.execute-api.{region}.amazonaws.com/{path}` of an API in the model is the same path on that
 * API's local origin (REST `/{stage}/…`, HTTP APIs `/…` or `/{stage}/…`, as on AWS).
 */
const EXECUTE_API = /^https:\/\/([a-z0-9]{10})\.execute-api\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?(?::443)?(?=\/|$)(.*)$/;

export class OwnEndpoints {
  private readonly origins = new Map<string, string>();

  constructor(private readonly apiIds: ReadonlySet<string>) {}

  /** Records the local origin (`http://127.0.0.1:PORT`) of an API once it listens. */
  serve(apiId: string, origin: string): void {
    this.origins.set(apiId, origin);
  }

  /** Whether `url` is an execute-api URL of an API in the model (known before any port opens). */
  owns(url: string): boolean {
    const m = EXECUTE_API.exec(url);
    return m !== null && this.apiIds.has(m[1]!);
  }

  /** The local URL for an execute-api URL of a served API; undefined for anything else. */
  localize(url: string): string | undefined {
    const m = EXECUTE_API.exec(url);
    const origin = m ? this.origins.get(m[1]!) : undefined;
    return origin === undefined ? undefined : origin + (m![2] || "/");
  }
}
