import { inject } from "vitest";
import { request } from "undici";

export const targetUrl = (): string => inject("targetUrl");
export const isReference = (): boolean => inject("targetKind") === "reference";

export interface TargetResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json<T = unknown>(): T;
}

/**
 * One request to the target over a real socket. `path` is appended to the stage URL as written (no
 * normalisation, so suites can send exactly the bytes they mean).
 */
export async function send(
  method: string,
  path: string,
  options: { headers?: Record<string, string | string[]>; body?: string | Buffer; base?: string } = {},
): Promise<TargetResponse> {
  const response = await request((options.base ?? targetUrl()) + path, {
    method: method as "GET",
    headers: options.headers,
    body: options.body,
  });
  const buffer = Buffer.from(await response.body.arrayBuffer());
  const text = buffer.toString("utf8");
  return {
    status: response.statusCode,
    headers: response.headers,
    text,
    json: <T>() => JSON.parse(text) as T,
  };
}

export const header = (response: TargetResponse, name: string): string | undefined => {
  const value = response.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(", ") : value;
};
