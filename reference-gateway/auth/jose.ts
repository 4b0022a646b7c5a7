/**
 * jose, imported on first use: only APIs with Cognito or JWT authorizers need it, and loading its ~180 modules at
 * start costs every other gateway start-up time and resident memory.
 */
let loading: Promise<typeof import("jose")> | undefined;

export function jose(): Promise<typeof import("jose")> {
  return (loading ??= import("jose"));
}
