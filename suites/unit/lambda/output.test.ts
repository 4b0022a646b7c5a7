import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { OutputLines } from "../../../reference-gateway/lambda/output.ts";

/**
 * OutputLines on its own: how a function's raw stdout bytes become log lines, whatever the writes were. The largest
 * event, 262,144 - 26 bytes, and where its figure comes from: suites/scenario/lambda-output.test.ts (which checks the
 * same through a running gateway).
 */
const MAX = 262_144 - 26;

const linesOf = (writes: (string | Uint8Array)[], flush = true): string[] => {
  const lines: string[] = [];
  const output = new OutputLines((line) => void lines.push(line));
  for (const chunk of writes) output.write(chunk);
  if (flush) output.flush();
  return lines;
};

/** Deterministic pseudo-random numbers (a failure can be replayed). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

describe("OutputLines (raw stdout into log lines)", () => {
  it("counts the largest event in UTF-8 bytes and never cuts inside a character", () => {
    expect(linesOf(["x".repeat(MAX)])).toEqual(["x".repeat(MAX) + "\n"]);
    expect(linesOf(["é".repeat(MAX)])).toEqual(["é".repeat(MAX / 2) + "\n", "é".repeat(MAX / 2) + "\n"]);
    for (const [char, bytes] of [["é", 2], ["€", 3], ["😀", 4]] as const) {
      for (let short = 1; short < bytes; short++) {
        const lead = "x".repeat(MAX - short);
        expect(linesOf([lead + char + "\n"])).toEqual([lead + "\n", char + "\n"]);
      }
    }
  });

  it("logs the bytes of an unfinished character with the partial line it ends, as one U+FFFD", () => {
    const euro = Buffer.from("€");
    expect(linesOf(["a", euro.subarray(0, 2)])).toEqual(["a\uFFFD\n"]);
    // Not carried into what comes after the flush.
    const lines: string[] = [];
    const output = new OutputLines((line) => void lines.push(line));
    output.write(euro.subarray(0, 1));
    output.flush();
    output.write(euro.subarray(1));
    output.write("\n");
    expect(lines).toEqual(["\uFFFD\n", "\uFFFD\uFFFD\n"]);
  });

  it("gives the same lines however the bytes were split into writes", () => {
    const next = random(20261124);
    const pieces = ["a", "é", "€", "😀", "\n", "x".repeat(1000), "\n\n", "y".repeat(MAX - 3), "z".repeat(MAX + 7)];
    for (let round = 0; round < 20; round++) {
      let text = "";
      while (text.length < 3 * MAX) text += pieces[Math.floor(next() * pieces.length)];
      const bytes = Buffer.from(text);
      const whole = linesOf([bytes]);
      const writes: (string | Uint8Array)[] = [];
      for (let at = 0; at < bytes.length; ) {
        const size = next() < 0.3 ? 1 + Math.floor(next() * 4) : Math.floor(next() * 2 * MAX);
        const piece = bytes.subarray(at, at + size);
        // Whole characters may go as strings, as a handler's string writes do.
        const asText = piece.toString();
        writes.push(next() < 0.5 && Buffer.byteLength(asText) === piece.length && !asText.includes("\uFFFD") ? asText : piece);
        at += size;
      }
      expect(linesOf(writes)).toEqual(whole);
      // Nothing lost or changed: the lines are the text's, cut where they are too long.
      expect(whole.map((line) => line.slice(0, -1)).join("")).toBe(text.replaceAll("\n", ""));
      expect(whole.every((line) => Buffer.byteLength(line) - 1 <= MAX)).toBe(true);
    }
  });

  it("costs each write its own length: a long line a byte at a time", () => {
    const started = performance.now();
    const writes: string[] = Array.from({ length: 200_000 }, () => ".");
    writes.push("\n");
    expect(linesOf(writes)).toEqual([".".repeat(200_000) + "\n"]);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("gives back the room a long partial line took once the line is out", async () => {
    v8.setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    /** Bytes of ArrayBuffers still reachable (Buffers' memory is outside the V8 heap). */
    const retained = async () => {
      for (let i = 0; i < 3; i++) {
        gc();
        await new Promise((resolve) => setImmediate(resolve));
      }
      return process.memoryUsage().arrayBuffers;
    };
    // Warm environments each keep a stdout's and a stderr's OutputLines: 64 here, each after a 200,000-byte partial line.
    const COUNT = 64;
    const grown = () =>
      Array.from({ length: COUNT }, () => {
        const output = new OutputLines(() => {});
        output.write("x".repeat(200_000));
        return output;
      });
    const before = await retained();
    const flushed = grown();
    for (const output of flushed) output.flush();
    // Ended by its newline, with a short partial line after it.
    const continued = grown();
    for (const output of continued) output.write("\nshort");
    const after = await retained();
    // Kept, they held 2 x 64 x 200,000 bytes (25.6 MB); at most a small buffer each now.
    expect(after - before).toBeLessThan(4 << 20);
    expect(flushed.length + continued.length).toBe(2 * COUNT);
  });
});
