import { describe, expect, it } from "vitest";
import { MemoryStore } from "../../../reference-gateway/state/index.ts";

describe("MemoryStore", () => {
  it("keeps a value for its TTL on the injected clock, then forgets it", async () => {
    let now = 1_000;
    const store = new MemoryStore(() => now);
    await store.set("k", "v", 500);
    now = 1_499;
    expect(await store.get("k")).toBe("v");
    now = 1_500;
    expect(await store.get("k")).toBeUndefined();
  });

  it("overwrites and deletes", async () => {
    const store = new MemoryStore(() => 0);
    await store.set("a", "1", 10);
    await store.set("a", "2", 10);
    expect(await store.get("a")).toBe("2");
    await store.delete("a");
    expect(await store.get("a")).toBeUndefined();
  });
});
