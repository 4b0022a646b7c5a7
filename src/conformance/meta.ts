import type { FeatureId } from "./features.ts";

/** One request and its answer as the suites' `send` saw them; the last one per test goes into the report. */
export interface RecordedExchange {
  requestId: string;
  method: string;
  url: string;
  headers: Record<string, string | string[]>;
  /** UTF-8 text, or base64 when `bodyEncoding` says so; cut at BODY_LIMIT characters (`truncated`). */
  body?: string;
  bodyEncoding?: "utf8" | "base64";
  truncated?: boolean;
  response?: {
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: string;
    truncated?: boolean;
  };
  /** A transport error instead of a response. */
  error?: string;
}

/** What a test carries in vitest's `task.meta.conformance`. */
export interface ConformanceMeta {
  features: FeatureId[];
  /** Set when the test is skipped on purpose; absent when it runs. */
  status?: "not-supported" | "reference-only" | "not-selected";
  unsupported?: FeatureId[];
  reason?: string;
  /** Requests sent through the harness so far, and the last of them. */
  requests?: number;
  lastExchange?: RecordedExchange;
}

export const BODY_LIMIT = 4096;
export const TEST_ID_HEADER = "x-gateproof-test-id";

declare module "vitest" {
  interface TaskMeta {
    conformance?: ConformanceMeta;
  }
}
