/** Send lag samples (ms), kept in a growable Float64Array: 8 bytes a request, exact percentiles at the end. */
export class LagSamples {
  private values = new Float64Array(1024);
  private size = 0;
  private sorted = true;

  add(ms: number): void {
    if (this.size === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.size++] = ms;
    this.sorted = false;
  }

  get count(): number {
    return this.size;
  }

  /** Nearest-rank percentile; undefined with no samples. */
  percentile(p: number): number | undefined {
    if (this.size === 0) return undefined;
    if (!this.sorted) {
      this.values.subarray(0, this.size).sort();
      this.sorted = true;
    }
    const rank = Math.min(this.size, Math.max(1, Math.ceil((p / 100) * this.size)));
    return this.values[rank - 1];
  }
}
