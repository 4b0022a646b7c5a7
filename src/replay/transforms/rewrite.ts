import { withHeader, type Transform } from "./transform.ts";

/** `host=NAME`: the Host header the target sees (custom domains, virtual hosts), independent of where it is sent. */
export const hostTransform = (host: string): Transform => (request) => withHeader(request, "Host", host);

/** `base-path=/from:/to`: replaces a leading path prefix (segment-aligned); other paths pass unchanged. */
export function basePathTransform(from: string, to: string): Transform {
  const prefix = from.replace(/\/+$/, "");
  const replacement = to.replace(/\/+$/, "");
  return (request) => {
    const path = request.url.pathname;
    if (path !== prefix && !path.startsWith(`${prefix}/`)) return request;
    const url = new URL(request.url);
    url.pathname = replacement + path.slice(prefix.length) || "/";
    return { ...request, url };
  };
}

/** `stage=from:to`: the stage is the first path segment of a REST API's URL. */
export const stageTransform = (from: string, to: string): Transform => basePathTransform(`/${from}`, `/${to}`);

/** `api-key=VALUE`: requests that carried an x-api-key carry this one instead. */
export const apiKeyTransform = (key: string): Transform => (request) =>
  request.headers.some(([name]) => name.toLowerCase() === "x-api-key") ? withHeader(request, "x-api-key", key) : request;
