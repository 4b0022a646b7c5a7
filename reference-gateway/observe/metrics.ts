/**
 * CloudWatch's API Gateway metrics for REST APIs, kept in process (api-gateway-metrics-and-dimensions.md):
 *   Count, 4XXError, 5XXError, CacheHitCount, CacheMissCount   — sums;
 *   Latency (request received → response ready), IntegrationLatency (integration request sent → its answer)
 *                                                              — milliseconds, as sum / count / min / max.
 * Dimensions as CloudWatch's: ApiName + Stage, detailed per Resource + Method. A request that matched no resource
 * counts at the stage only (Resource and Method absent). Served by the admin endpoint as JSON and as Prometheus text.
 */
export interface MetricDimensions {
  ApiName: string;
  Stage: string;
  Resource?: string;
  Method?: string;
}

export interface LatencyStats {
  sum: number;
  count: number;
  min: number;
  max: number;
}

export interface MetricSeries {
  dimensions: MetricDimensions;
  Count: number;
  "4XXError": number;
  "5XXError": number;
  CacheHitCount: number;
  CacheMissCount: number;
  Latency: LatencyStats;
  IntegrationLatency: LatencyStats;
}

export interface RequestMetrics {
  dimensions: MetricDimensions;
  status: number;
  latencyMs: number;
  /** undefined when the integration was not called (a cache hit, a gateway error before it). */
  integrationLatencyMs?: number;
  cache?: "hit" | "miss";
}

const emptyLatency = (): LatencyStats => ({ sum: 0, count: 0, min: 0, max: 0 });

function addLatency(stats: LatencyStats, ms: number): void {
  stats.min = stats.count === 0 ? ms : Math.min(stats.min, ms);
  stats.max = stats.count === 0 ? ms : Math.max(stats.max, ms);
  stats.sum += ms;
  stats.count += 1;
}

export class Metrics {
  private readonly series = new Map<string, MetricSeries>();
  /** The series of a dimensions object already seen: callers that keep one object per method skip the key. */
  private readonly seriesOf = new WeakMap<MetricDimensions, MetricSeries>();

  record(request: RequestMetrics): void {
    const d = request.dimensions;
    let series = this.seriesOf.get(d);
    if (!series) {
      const key = `${d.ApiName}\u0000${d.Stage}\u0000${d.Resource ?? ""}\u0000${d.Method ?? ""}`;
      series = this.series.get(key);
      if (!series) {
        series = { dimensions: { ...d }, Count: 0, "4XXError": 0, "5XXError": 0, CacheHitCount: 0, CacheMissCount: 0, Latency: emptyLatency(), IntegrationLatency: emptyLatency() };
        this.series.set(key, series);
      }
      this.seriesOf.set(d, series);
    }
    series.Count += 1;
    if (request.status >= 400 && request.status < 500) series["4XXError"] += 1;
    if (request.status >= 500 && request.status < 600) series["5XXError"] += 1;
    if (request.cache === "hit") series.CacheHitCount += 1;
    if (request.cache === "miss") series.CacheMissCount += 1;
    addLatency(series.Latency, request.latencyMs);
    if (request.integrationLatencyMs !== undefined) addLatency(series.IntegrationLatency, request.integrationLatencyMs);
  }

  /** Per method (and unmatched requests per stage), plus the stage and API rollups CloudWatch also publishes. */
  snapshot(): { methods: MetricSeries[]; stages: MetricSeries[]; apis: MetricSeries[] } {
    const methods = [...this.series.values()].map((s) => structuredClone(s));
    const rollup = (pick: (d: MetricDimensions) => MetricDimensions) => {
      const out = new Map<string, MetricSeries>();
      for (const s of methods) {
        const dims = pick(s.dimensions);
        const key = JSON.stringify(dims);
        const into = out.get(key) ?? { dimensions: dims, Count: 0, "4XXError": 0, "5XXError": 0, CacheHitCount: 0, CacheMissCount: 0, Latency: emptyLatency(), IntegrationLatency: emptyLatency() };
        into.Count += s.Count;
        into["4XXError"] += s["4XXError"];
        into["5XXError"] += s["5XXError"];
        into.CacheHitCount += s.CacheHitCount;
        into.CacheMissCount += s.CacheMissCount;
        for (const name of ["Latency", "IntegrationLatency"] as const) {
          const a = into[name];
          const b = s[name];
          if (b.count === 0) continue;
          a.min = a.count === 0 ? b.min : Math.min(a.min, b.min);
          a.max = a.count === 0 ? b.max : Math.max(a.max, b.max);
          a.sum += b.sum;
          a.count += b.count;
        }
        out.set(key, into);
      }
      return [...out.values()];
    };
    return {
      methods: methods.filter((s) => s.dimensions.Resource !== undefined),
      stages: rollup((d) => ({ ApiName: d.ApiName, Stage: d.Stage })),
      apis: rollup((d) => ({ ApiName: d.ApiName, Stage: "" })).map((s) => ({ ...s, dimensions: { ApiName: s.dimensions.ApiName, Stage: "" } })),
    };
  }

  /** JSON for the admin endpoint: the snapshot with each latency's average. */
  json(): unknown {
    const withAverage = (s: MetricSeries) => ({
      ...s,
      Latency: { ...s.Latency, average: s.Latency.count ? s.Latency.sum / s.Latency.count : 0 },
      IntegrationLatency: { ...s.IntegrationLatency, average: s.IntegrationLatency.count ? s.IntegrationLatency.sum / s.IntegrationLatency.count : 0 },
    });
    const { methods, stages, apis } = this.snapshot();
    return {
      namespace: "AWS/ApiGateway",
      methods: methods.map(withAverage),
      stages: stages.map(withAverage),
      apis: apis.map((s) => withAverage({ ...s, dimensions: { ApiName: s.dimensions.ApiName } as MetricDimensions })),
    };
  }

  /**
   * Prometheus text exposition (0.0.4): one family per CloudWatch metric, `apigateway_<Name>` (counters end in
   * `_total`; latencies are summaries with `_sum`/`_count`, plus `_max` gauges), labelled with the CloudWatch
   * dimensions, per method and per stage (`Resource`/`Method` absent on the stage series).
   */
  prometheus(): string {
    const { methods, stages } = this.snapshot();
    const all = [...stages, ...methods];
    const labels = (d: MetricDimensions) =>
      Object.entries(d)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}="${String(v).replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`)
        .join(",");
    const lines: string[] = [];
    for (const name of ["Count", "4XXError", "5XXError", "CacheHitCount", "CacheMissCount"] as const) {
      lines.push(`# HELP apigateway_${name}_total API Gateway ${name} (CloudWatch AWS/ApiGateway ${name}, Sum)`, `# TYPE apigateway_${name}_total counter`);
      for (const s of all) lines.push(`apigateway_${name}_total{${labels(s.dimensions)}} ${s[name]}`);
    }
    for (const name of ["Latency", "IntegrationLatency"] as const) {
      lines.push(`# HELP apigateway_${name}_milliseconds API Gateway ${name} in ms (CloudWatch AWS/ApiGateway ${name})`, `# TYPE apigateway_${name}_milliseconds summary`);
      for (const s of all) {
        lines.push(`apigateway_${name}_milliseconds_sum{${labels(s.dimensions)}} ${s[name].sum}`, `apigateway_${name}_milliseconds_count{${labels(s.dimensions)}} ${s[name].count}`);
      }
      lines.push(`# TYPE apigateway_${name}_milliseconds_max gauge`);
      for (const s of all) lines.push(`apigateway_${name}_milliseconds_max{${labels(s.dimensions)}} ${s[name].max}`);
    }
    return lines.join("\n") + "\n";
  }
}
