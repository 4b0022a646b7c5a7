// vitest setupFiles: runs before each test file. Its afterAll is registered first, so it runs last (after hooks run
// in reverse order): after the file's own afterAll has stopped its processes gracefully, it stops what is left.
import { afterAll } from "vitest";
import { stopOwnedProcesses } from "./processes.ts";

afterAll(stopOwnedProcesses);
