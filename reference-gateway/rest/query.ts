import { clientKeyed } from "./request.ts";

/** Query string maps as API Gateway builds them for `queryStringParameters` / `multiValueQueryStringParameters`. */
export interface QueryMaps {
  /** Last value wins. */
  single: Record<string, string>;
  multi: Record<string, string[]>;
  /** Every decoded key/value in request order. */
  pairs: Array<[string, string]>;
}

export function decodeQueryComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
}

export function parseQuery(rawQuery: string | undefined): QueryMaps {
  const single = clientKeyed<string>();
  const multi = clientKeyed<string[]>();
  const pairs: Array<[string, string]> = [];
  if (!rawQuery) return { single, multi, pairs };
  // api-gateway-known-issues.md (REST): a semicolon in the query string splits the data, like `&`.
  for (const part of rawQuery.split(/[&;]/)) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const key = decodeQueryComponent(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? "" : decodeQueryComponent(part.slice(eq + 1));
    single[key] = value;
    (multi[key] ??= []).push(value);
    pairs.push([key, value]);
  }
  return { single, multi, pairs };
}
