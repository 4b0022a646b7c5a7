/** Public types of the local Lambda runtime. */

export interface LambdaRuntimeOptions {
  /** Default "us-east-1". */
  region?: string;
  /** Default "123456789012". */
  accountId?: string;
  /** Concurrent execution environments per function; extra invocations queue FIFO. Default 8. */
  maxWorkersPerFunction?: number;
  /**
   * Receives the function's log output: Lambda text-format lines (`<ISO time>\t<requestId>\t<LEVEL>\t<message>\n`),
   * START / END / REPORT lines, and raw stdout/stderr text of the handler. Default: process.stdout.write.
   */
  log?: (line: string) => void;
}

export interface LambdaErrorShape {
  errorType: string;
  errorMessage: string;
  trace: string[];
}

export type InvokeResult =
  | {
      ok: true;
      /** The handler's result after a JSON round-trip, as Lambda serialises it; undefined → null. */
      payload: unknown;
      durationMs: number;
    }
  | {
      ok: false;
      /** error: the function reported an error; timeout: deadline passed; crash: the environment died. */
      kind: "error" | "timeout" | "crash";
      error: LambdaErrorShape;
      durationMs: number;
    };
