import type { Answer } from "../compare/differ.ts";

/** A transport failure as an answer (compared like a status), never an exception: one refused connection must not end a replay. */
export function transportError(error: unknown): Answer {
  const code = (error as { code?: string }).code;
  return { status: 0, headers: undefined, body: undefined, error: code ?? (error as Error).message };
}

/** A transform pointed the request at another origin than the client's target: not sent. */
export const movedAway = (origin: string): Answer => ({
  status: 0,
  headers: undefined,
  body: undefined,
  error: `transform moved the request to another origin (${origin})`,
});
