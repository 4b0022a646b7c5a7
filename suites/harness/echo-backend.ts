import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The HTTP backend behind the fixture's HTTP and HTTP_PROXY integrations. It answers with what it received:
 * `{ method, url, headers: [[name, value]…], body }`. `?status=NNN` picks the status (echoed in x-echo-status),
 * `?delay=MS` answers late, and it always sends `Server` and `WWW-Authenticate` so header remapping shows.
 * A deployment of the fixture needs a backend that answers the same way.
 */
export interface EchoedRequest {
  method: string;
  url: string;
  headers: Array<[string, string]>;
  body: string;
}

/** The echoed request's headers of one name (case-insensitive), in arrival order. */
export const echoedHeader = (echoed: EchoedRequest, name: string): string[] =>
  echoed.headers.filter(([key]) => key.toLowerCase() === name.toLowerCase()).map(([, value]) => value);

export interface EchoBackend {
  url: string;
  /** The last 1000 requests it answered, oldest first: suites prove a rejected request never reached the integration. */
  received: EchoedRequest[];
  close(): Promise<void>;
}

/** `responseHeaders` are added to every answer (suites that check what the gateway does to a backend's headers). */
export async function startEchoBackend(port = 0, options: { responseHeaders?: Record<string, string> } = {}): Promise<EchoBackend> {
  const received: EchoedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      // Only the query is read: a path such as "//x" (an empty greedy segment forwarded as is) is no URL to parse.
      const target = req.url ?? "/";
      const query = new URLSearchParams(target.includes("?") ? target.slice(target.indexOf("?") + 1) : "");
      const asked = Number(query.get("status") ?? 200);
      const status = Number.isInteger(asked) && asked >= 200 && asked <= 599 ? asked : 200;
      const delay = Number(query.get("delay") ?? 0);
      const headers: Array<[string, string]> = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
      const echoed: EchoedRequest = { method: req.method ?? "", url: req.url ?? "", headers, body: Buffer.concat(chunks).toString("utf8") };
      // Bounded, since `npm start` keeps one running for as long as the user likes.
      if (received.push(echoed) > 1000) received.shift();
      const respond = () => {
        if (res.destroyed) return;
        res.writeHead(status, {
          "Content-Type": "application/json",
          Server: "echo-backend",
          "WWW-Authenticate": 'Basic realm="echo"',
          "x-echo-status": String(status),
          ...options.responseHeaders,
        });
        res.end(JSON.stringify(echoed));
      };
      if (delay > 0) setTimeout(respond, delay);
      else respond();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
