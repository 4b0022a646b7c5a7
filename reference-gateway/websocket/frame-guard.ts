/**
 * WebSocket frames larger than API Gateway's frame limit (32 KB, spec §10/§12.2) close the connection with 1009,
 * even when the message as a whole is within the 128 KB message limit. `ws` only limits whole messages
 * (maxPayload), so this reads the frame headers (RFC 6455 §5.2) of the raw client bytes alongside it.
 */
export class FrameGuard {
  private header = Buffer.alloc(0);
  private skip = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /** Feeds received bytes; returns true as soon as a frame header announces more than the limit. */
  push(chunk: Buffer): boolean {
    let i = 0;
    while (i < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      const want = this.headerLength() ?? 2;
      const n = Math.min(want - this.header.length, chunk.length - i);
      this.header = Buffer.concat([this.header, chunk.subarray(i, i + n)]);
      i += n;
      const full = this.headerLength();
      if (full === undefined || this.header.length < full) continue;
      const payloadLength = this.payloadLength();
      if (payloadLength > this.maxFrameBytes) return true;
      this.skip = payloadLength;
      this.header = Buffer.alloc(0);
    }
    return false;
  }

  private headerLength(): number | undefined {
    if (this.header.length < 2) return undefined;
    const len7 = this.header[1]! & 0x7f;
    const masked = (this.header[1]! & 0x80) !== 0;
    return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
  }

  private payloadLength(): number {
    const len7 = this.header[1]! & 0x7f;
    if (len7 === 126) return this.header.readUInt16BE(2);
    if (len7 === 127) return Number(this.header.readBigUInt64BE(2));
    return len7;
  }
}
