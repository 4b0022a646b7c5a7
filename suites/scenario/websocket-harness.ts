/** Small `ws` client helpers for the WebSocket suites (real sockets; nothing mocked). */
import WebSocket from "ws";

/** `protocols`: the subprotocols offered in Sec-WebSocket-Protocol (none by default). */
export function connect(url: string, headers: Record<string, string> = {}, protocols: string[] = []): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { headers, perMessageDeflate: false });
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => reject(Object.assign(new Error(`handshake refused: ${res.statusCode}`), { status: res.statusCode })));
    ws.once("error", reject);
  });
}

/** The handshake status when the server refuses the upgrade. */
export async function refusedStatus(url: string): Promise<number> {
  try {
    const ws = await connect(url);
    ws.close();
    return 101;
  } catch (error) {
    return (error as { status?: number }).status ?? -1;
  }
}

/** Messages as they arrive, for `next()`. */
export class Inbox {
  private readonly queue: Array<{ data: Buffer; binary: boolean }> = [];
  private waiter: (() => void) | undefined;
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    ws.on("message", (data: Buffer, binary: boolean) => {
      this.queue.push({ data, binary });
      this.waiter?.();
    });
    this.closed = new Promise((resolve) => ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  async next(timeoutMs = 5000): Promise<string> {
    const started = Date.now();
    while (this.queue.length === 0) {
      if (Date.now() - started > timeoutMs) throw new Error("no message");
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 50);
      });
    }
    return this.queue.shift()!.data.toString("utf8");
  }

  /** True when nothing arrives within `ms`. */
  async quiet(ms: number): Promise<boolean> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return this.queue.length === 0;
  }
}
