import { relative } from "node:path";
import type { Reporter, SerializedError, TestModule } from "vitest/node";
import type { ConformanceMeta } from "./meta.ts";
import { buildReport, type BuildOptions, type ConformanceReport, type RawTest } from "./report.ts";
import { writeReports } from "./writers.ts";

export interface ConformanceReporterOptions extends Omit<BuildOptions, "errors" | "durationMs" | "startedAt"> {
  root: string;
  /** Where conformance.{json,md,junit.xml,html} go; nothing is written without it. */
  reportDir?: string;
}

/**
 * A vitest reporter that turns a run into a ConformanceReport: tests by status (passed, failed, not supported,
 * reference-only, skipped) with the features they declared in `task.meta.conformance`, per feature and per profile.
 */
export class ConformanceReporter implements Reporter {
  report: ConformanceReport | undefined;
  written: string[] = [];
  private started = Date.now();
  private startedAt = new Date().toISOString();

  constructor(private readonly options: ConformanceReporterOptions) {}

  onTestRunStart(): void {
    this.started = Date.now();
    this.startedAt = new Date().toISOString();
  }

  async onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<SerializedError>): Promise<void> {
    const raws: RawTest[] = [];
    const errors: BuildOptions["errors"] = [];
    for (const module of modules) {
      const file = relative(this.options.root, module.moduleId);
      for (const error of module.errors()) errors.push({ file, message: error.message, ...(error.stack ? { stack: error.stack } : {}) });
      for (const test of module.children.allTests()) {
        const result = test.result();
        const raw: RawTest = {
          file,
          name: test.fullName,
          state: result.state,
          meta: test.meta().conformance as ConformanceMeta | undefined,
          errors: (result.errors ?? []).map((e) => ({
            message: e.message,
            ...(typeof e.expected === "string" ? { expected: e.expected } : {}),
            ...(typeof e.actual === "string" ? { actual: e.actual } : {}),
            ...(typeof e.diff === "string" ? { diff: e.diff } : {}),
            ...(e.stack ? { stack: e.stack } : {}),
          })),
        };
        const duration = test.diagnostic()?.duration;
        if (duration !== undefined) raw.durationMs = duration;
        raws.push(raw);
      }
    }
    for (const error of unhandled) errors.push({ message: `unhandled: ${error.message}`, ...(error.stack ? { stack: error.stack } : {}) });
    this.report = buildReport(raws, { ...this.options, errors, startedAt: this.startedAt, durationMs: Date.now() - this.started });
    if (this.options.reportDir) this.written = await writeReports(this.report, this.options.reportDir);
  }
}
