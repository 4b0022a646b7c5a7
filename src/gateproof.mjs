#!/usr/bin/env node
// The installed `gateproof` command: gateproof ships TypeScript sources and runs them through tsx's loader.
import { register } from "tsx/esm/api";

register();
const { main } = await import("./cli.ts");
process.exitCode = await main(process.argv.slice(2));
