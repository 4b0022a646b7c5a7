/**
 * Mapping-template selection (request-response-data-mappings.md, "Select a VTL mapping template"):
 * only the MIME type counts (parameters such as charset are ignored); a missing Content-Type/Accept means
 * application/json; on the response side only the first Accept type is honoured (api-gateway-known-issues.md)
 * and, when it has no template, the first template defined is used.
 */
export function mediaType(header: string | undefined): string {
  if (!header) return "application/json";
  // Clients send the same Accept / Content-Type request after request: the last answer is kept.
  if (header === lastHeader) return lastMediaType;
  const first = header.split(",")[0]!;
  lastMediaType = first.split(";")[0]!.trim().toLowerCase() || "application/json";
  lastHeader = header;
  return lastMediaType;
}
let lastHeader: string | undefined;
let lastMediaType = "";

/** The template keyed by the request's Content-Type, or undefined (passthrough rules decide what then). */
export function selectRequestTemplate<T>(templates: Record<string, T>, contentType: string | undefined): T | undefined {
  const wanted = mediaType(contentType);
  for (const key in templates) if (key.toLowerCase() === wanted) return templates[key];
  return undefined;
}

/** The template for the first Accept type, else the first one defined; undefined when none is defined. */
export function selectResponseTemplate<T>(templates: Record<string, T>, accept: string | undefined): { contentType: string; template: T } | undefined {
  const wanted = mediaType(accept);
  let first: string | undefined;
  for (const key in templates) {
    if (key.toLowerCase() === wanted) return { contentType: key, template: templates[key]! };
    first ??= key;
  }
  return first === undefined ? undefined : { contentType: first, template: templates[first]! };
}
