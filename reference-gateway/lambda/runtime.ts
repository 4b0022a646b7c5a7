/** LambdaRuntime: one warm pool per function, addressed by logical id. */
import type { LambdaFunction } from "../model/types.ts";
import type { InvokeResult, LambdaRuntimeOptions } from "./types.ts";
import { FunctionPool } from "./pool.ts";
import { functionNotFound } from "./errors.ts";

export class LambdaRuntime {
  private readonly pools = new Map<string, FunctionPool>();
  readonly region: string;
  readonly accountId: string;
  private readonly maxWorkers: number;
  private readonly log: (line: string) => void;
  private closed = false;

  constructor(
    private readonly functions: Record<string, LambdaFunction>,
    options: LambdaRuntimeOptions = {},
  ) {
    this.region = options.region ?? "us-east-1";
    this.accountId = options.accountId ?? "123456789012";
    this.maxWorkers = Math.max(1, options.maxWorkersPerFunction ?? 8);
    this.log = options.log ?? ((line: string) => void process.stdout.write(line));
  }

  invoke(logicalId: string, event: unknown, options: { requestId: string }): Promise<InvokeResult> {
    const pool = this.pool(logicalId);
    if (!pool) {
      return Promise.resolve({ ok: false, kind: "error", error: functionNotFound(logicalId), durationMs: 0 });
    }
    return pool.invoke(options.requestId, event);
  }

  /** Pre-start one execution environment of the function so the first request does not pay the init. */
  async warm(logicalId: string): Promise<void> {
    await this.pool(logicalId)?.warm();
  }

  /** Terminates all workers; pending and queued invocations settle as `crash`. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.pools.values()].map((p) => p.close()));
  }

  private pool(logicalId: string): FunctionPool | undefined {
    const fn = Object.hasOwn(this.functions, logicalId) ? this.functions[logicalId] : undefined;
    if (!fn) return undefined;
    let pool = this.pools.get(logicalId);
    if (!pool) {
      pool = new FunctionPool(fn, { region: this.region, maxWorkers: this.maxWorkers, log: this.log });
      if (this.closed) void pool.close();
      this.pools.set(logicalId, pool);
    }
    return pool;
  }
}
