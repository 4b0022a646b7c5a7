/** The platform's own log lines (START / END / REPORT, timeout notice), in Lambda's text format. */

export function startLine(requestId: string): string {
  return `START RequestId: ${requestId} Version: $LATEST\n`;
}

export function endLine(requestId: string): string {
  return `END RequestId: ${requestId}\n`;
}

export interface ReportFields {
  requestId: string;
  durationMs: number;
  memorySize: number;
  maxMemoryUsedMB: number;
  initDurationMs?: number;
  status?: "timeout" | "error";
  errorType?: string;
}

/**
 * `REPORT RequestId: …\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB`.
 * One string built by concatenation: a line per invocation, and an array joined per line showed in the profile.
 */
export function reportLine(f: ReportFields): string {
  let line =
    `REPORT RequestId: ${f.requestId}\tDuration: ${f.durationMs.toFixed(2)} ms` +
    // Billed in 1 ms steps (e.g. "Duration: 3757.18 ms\tBilled Duration: 3758 ms"); init of a managed runtime not included.
    `\tBilled Duration: ${Math.max(1, Math.ceil(f.durationMs))} ms\tMemory Size: ${f.memorySize} MB` +
    `\tMax Memory Used: ${Math.max(1, Math.min(f.memorySize, Math.round(f.maxMemoryUsedMB)))} MB`;
  if (f.initDurationMs !== undefined) line += `\tInit Duration: ${f.initDurationMs.toFixed(2)} ms`;
  if (f.status) line += `\tStatus: ${f.status}`;
  if (f.errorType) line += `\tError Type: ${f.errorType}`;
  return line + "\n";
}

/** `2020-11-10T05:46:57.874Z 160788cd-… Task timed out after 3.00 seconds` (the log line Lambda writes). */
export function timeoutLine(requestId: string, timeoutSeconds: number, at: Date): string {
  return `${at.toISOString()} ${requestId} Task timed out after ${timeoutSeconds.toFixed(2)} seconds\n`;
}
