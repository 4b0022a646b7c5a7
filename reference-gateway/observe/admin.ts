import type { AdminRouter } from "../admin/index.ts";
import type { Metrics } from "./metrics.ts";

/** Metrics on the admin endpoint: `GET /metrics` (JSON) and `GET /metrics/prometheus` (text exposition 0.0.4). */
export function registerMetricsAdmin(admin: AdminRouter, metrics: Metrics): void {
  admin.add("GET /metrics", () => ({ status: 200, json: metrics.json() }), "CloudWatch-named metrics per API, stage and method (JSON)");
  admin.add(
    "GET /metrics/prometheus",
    () => ({ status: 200, headers: { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" }, text: metrics.prometheus() }),
    "the same metrics as Prometheus text",
  );
}
