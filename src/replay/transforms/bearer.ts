import { readFileSync, statSync } from "node:fs";
import { withHeader, type Transform } from "./transform.ts";

/**
 * `bearer=TOKEN` or `bearer=@FILE`: requests that carried a Bearer token carry this one. With @FILE the token is
 * re-read whenever the file changes, so a helper process can keep it fresh during a long replay.
 */
export function bearerTransform(spec: string): Transform {
  let token = spec;
  let readAt = -1;
  const current = (): string => {
    if (!spec.startsWith("@")) return token;
    const file = spec.slice(1);
    const modified = statSync(file).mtimeMs;
    if (modified !== readAt) {
      token = readFileSync(file, "utf8").trim();
      readAt = modified;
    }
    return token;
  };
  if (spec.startsWith("@")) current(); // a missing file fails at start, not on the first request
  return (request) => {
    const authorization = request.headers.find(([name]) => name.toLowerCase() === "authorization")?.[1];
    return authorization && /^bearer\s/i.test(authorization) ? withHeader(request, "Authorization", `Bearer ${current()}`) : request;
  };
}
