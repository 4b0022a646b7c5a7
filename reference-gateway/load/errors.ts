/** The one error type the loader throws: it names the file, the JSON path of the construct and the reason. */
export class LoadError extends Error {
  readonly file: string;
  readonly jsonPath: string;
  readonly reason: string;

  constructor(file: string, jsonPath: string, reason: string) {
    super(`${file}: ${jsonPath}: ${reason}`);
    this.name = "LoadError";
    this.file = file;
    this.jsonPath = jsonPath;
    this.reason = reason;
  }
}

/** Throws a LoadError; typed `never` so it can be used in expressions. */
export function fail(file: string, jsonPath: string, reason: string): never {
  throw new LoadError(file, jsonPath, reason);
}
