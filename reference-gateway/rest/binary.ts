import { mediaType } from "../templates/index.ts";

/**
 * Whether a Content-Type / Accept value is one of the API's binaryMediaTypes (api-gateway-payload-encodings-workflow.md):
 * exact type or `type/*` or `*\/*` wildcards; for Accept only the first type counts.
 */
export function isBinaryMediaType(binaryMediaTypes: string[], header: string | undefined): boolean {
  if (binaryMediaTypes.length === 0 || !header) return false;
  const wanted = mediaType(header);
  const [type] = wanted.split("/");
  return binaryMediaTypes.some((candidate) => {
    const entry = candidate.toLowerCase();
    return entry === wanted || entry === "*/*" || entry === `${type}/*`;
  });
}
