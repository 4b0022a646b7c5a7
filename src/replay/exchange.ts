/**
 * The one shape every traffic source becomes and every replay step reads: a request as it was sent, the response
 * as it came back (when the source has one), and when it started.
 */
export type HeaderList = Array<[name: string, value: string]>;

export interface RecordedRequest {
  method: string;
  /** Absolute URL as the recorded target saw it. */
  url: string;
  /** `url` parsed, when the source parsed it to check it: a replay reads it instead of parsing it again. */
  parsedUrl?: URL;
  headers: HeaderList;
  body: Buffer | undefined;
}

export interface RecordedResponse {
  /** 0 when the request got no answer (HAR's convention); `error` then says why. */
  status: number;
  /** Undefined when the source does not carry them (access logs): not compared. */
  headers: HeaderList | undefined;
  body: Buffer | undefined;
  error?: string;
}

export interface Exchange {
  /** Where it came from, for messages and reports: `file:line` or `file#entry`. */
  origin: string;
  /** Request start, ms since the epoch; fractional when the source is finer than a millisecond. */
  startedAt: number;
  request: RecordedRequest;
  response: RecordedResponse | undefined;
  /** What the source could not supply (access logs rebuild requests only as far as `$context` goes). */
  missing: readonly string[];
}

export function headerValue(headers: HeaderList | undefined, name: string): string | undefined {
  const lower = name.toLowerCase();
  return headers?.find(([key]) => key.toLowerCase() === lower)?.[1];
}
