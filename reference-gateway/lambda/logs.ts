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

/** `REPORT RequestId: …\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB` */
export function reportLine(f: ReportFields): string {
  const parts = [
    `REPORT RequestId: ${f.requestId}`,
    `Duration: ${f.durationMs.toFixed(2)} ms`,
    // Billed in 1 ms steps (e.g. "Duration: 3757.18 ms\tBilled Duration: 3758 ms"); init of a managed runtime not included.
    `Billed Duration: ${Math.max(1, Math.ceil(f.durationMs))} ms`,
    `Memory Size: ${f.memorySize} MB`,
    `Max Memory Used: ${Math.max(1, Math.min(f.memorySize, Math.round(f.maxMemoryUsedMB)))} MB`,
  ];
  if (f.initDurationMs !== undefined) parts.push(`Init Duration: ${f.initDurationMs.toFixed(2)} ms`);
  if (f.status) parts.push(`Status: ${f.status}`);
  if (f.errorType) parts.push(`Error Type: ${f.errorType}`);
  return parts.join("\t") + "\n";
}

/** `2020-11-10T05:46:57.874Z 160788cd-… Task timed out after 3.00 seconds` (the log line Lambda writes). */
export function timeoutLine(requestId: string, timeoutSeconds: number, at = new Date()): string {
  return `${at.toISOString()} ${requestId} Task timed out after ${timeoutSeconds.toFixed(2)} seconds\n`;
}
