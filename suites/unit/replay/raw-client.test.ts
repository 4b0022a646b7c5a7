import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import type { Answer } from "../../../src/replay/compare/differ.ts";
import type { SendClient } from "../../../src/replay/send/client.ts";
import type { WireRequest } from "../../../src/replay/send/outgoing.ts";
import { RawClient, ResponseParser, serialiseRequest, type FramedResponse } from "../../../src/replay/send/raw.ts";

const sendOnce = (client: SendClient, request: WireRequest): Promise<Answer> => new Promise((resolve) => client.send(request, resolve));

/** Feeds `bytes` split at `split`, each piece from one read buffer that is scribbled over after every feed, as a socket's is. */
function parseAll(bytes: string, split: number[] = [], head = false): FramedResponse[] {
  const out: FramedResponse[] = [];
  const parser = new ResponseParser((response) => out.push(response), () => head);
  const buffer = Buffer.from(bytes, "latin1");
  const read = Buffer.alloc(buffer.length);
  let from = 0;
  for (const at of [...split, buffer.length]) {
    buffer.copy(read, 0, from, at);
    parser.feed(read.subarray(0, at - from));
    read.fill("#");
    from = at;
  }
  return out;
}

describe("raw client response framing", () => {
  it("frames by Content-Length, keeps header order and repeats, and splits back-to-back responses", () => {
    const wire = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 5\r\n\r\nhello" + "HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\n\r\nno";
    const responses = parseAll(wire);
    expect(responses).toHaveLength(2);
    expect(responses[0]!.status).toBe(200);
    expect(responses[0]!.headers).toEqual([["content-type", "application/json"], ["set-cookie", "a=1"], ["set-cookie", "b=2"], ["content-length", "5"]]);
    expect(responses[0]!.body.toString()).toBe("hello");
    expect(responses[1]!.status).toBe(404);
    expect(responses[1]!.body.toString()).toBe("no");
  });

  it("trims header names and values as String.prototype.trim does, tabs and no-break spaces included", () => {
    const [response] = parseAll("HTTP/1.1 200 OK\r\n X-Pad \t:\t v a \xa0\r\nX-Empty:\r\ncontent-length: 0\r\n\r\n");
    expect(response!.headers).toEqual([["x-pad", "v a"], ["x-empty", ""], ["content-length", "0"]]);
  });

  it("reuses a repeated head's parse only for the same bytes, and still asks each response whether it has a body", () => {
    const out: FramedResponse[] = [];
    const noBody = [false, true, false, false];
    const parser = new ResponseParser((response) => out.push(response), () => noBody[out.length]!);
    const head = (value: string) => `HTTP/1.1 200 OK\r\nx-v: ${value}\r\nContent-Length: 2\r\n\r\n`;
    parser.feed(Buffer.from(head("1") + "hi" + head("1") + head("1") + "ho" + head("2") + "hu", "latin1"));
    expect(out.map((r) => [r.headers[0]![1], r.body.toString()])).toEqual([["1", "hi"], ["1", ""], ["1", "ho"], ["2", "hu"]]);
  });

  it("gives the same answer however the bytes are split across reads", () => {
    const wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nx-trailer: t\r\n\r\n";
    for (let at = 1; at < wire.length; at++) {
      const responses = parseAll(wire, [at]);
      expect(responses, `split at ${at}`).toHaveLength(1);
      expect(responses[0]!.body.toString()).toBe("hello, world");
    }
  });

  it("a response not yet complete is not counted", () => {
    expect(parseAll("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello")).toHaveLength(0);
    expect(parseAll("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")).toHaveLength(0);
  });

  it("knows which responses have no body, and when the server wants to close", () => {
    expect(parseAll("HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\n\r\n").map((r) => [r.status, r.body.length])).toEqual([[204, 0], [304, 0]]);
    const headResponse = parseAll("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", [], true);
    expect(headResponse.map((r) => [r.status, r.body.length])).toEqual([[200, 0]]);
    expect(parseAll("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").map((r) => [r.status, r.keepAlive])).toEqual([[201, false]]);
    expect(parseAll("HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n")[0]!.keepAlive).toBe(false);
  });

  it("reads a body without a length until the connection ends, and rejects a cut-short one", () => {
    const out: FramedResponse[] = [];
    const parser = new ResponseParser((r) => out.push(r));
    parser.feed(Buffer.from("HTTP/1.1 200 OK\r\n\r\nall of "));
    parser.feed(Buffer.from("it"));
    parser.end();
    expect(out[0]!.body.toString()).toBe("all of it");
    const cut = new ResponseParser(() => undefined);
    cut.feed(Buffer.from("HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nabc"));
    expect(() => cut.end()).toThrow(/mid-response/);
  });

  it("serialises method, path with query, Host, headers and a body with its length", () => {
    const bytes = serialiseRequest({ method: "POST", path: "/a/b?x=1&y", headers: [["content-type", "text/plain"]], body: Buffer.from("héllo") }, "t:8080");
    expect(bytes.toString("utf8")).toBe("POST /a/b?x=1&y HTTP/1.1\r\nhost: t:8080\r\ncontent-type: text/plain\r\ncontent-length: 6\r\n\r\nhéllo");
  });

  it("round-trips against node:http over keep-alive, and turns a refused connection into an error answer", async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c)).on("end", () => {
        seen.push(`${req.method} ${req.url} ${body}`);
        if (req.url === "/chunked") {
          res.write("par");
          res.end("ts");
        } else res.writeHead(201, { "x-echo": req.headers["x-in"] ?? "" }).end(body);
      });
    });
    let sockets = 0;
    server.on("connection", () => sockets++);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const client = new RawClient(base, 2);
    try {
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => sendOnce(client, { method: "POST", path: `/p/${i}?q=${i}`, headers: [["x-in", `v${i}`]], body: Buffer.from(`b${i}`) })),
      );
      answers.forEach((answer, i) => {
        expect(answer.status).toBe(201);
        expect(answer.body!.toString()).toBe(`b${i}`);
        expect(answer.headers).toContainEqual(["x-echo", `v${i}`]);
      });
      const chunked = await sendOnce(client, { method: "GET", path: "/chunked", headers: [], body: undefined });
      expect(chunked.body!.toString()).toBe("parts");
      expect(seen).toHaveLength(21);
      expect(sockets).toBe(2);
    } finally {
      await client.close();
      await new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve())));
    }
    const free = net.createServer();
    await new Promise<void>((resolve) => free.listen(0, "127.0.0.1", resolve));
    const port = (free.address() as AddressInfo).port;
    await new Promise<void>((resolve) => free.close(() => resolve()));
    const refused = new RawClient(new URL(`http://127.0.0.1:${port}`), 1);
    const answer = await sendOnce(refused, { method: "GET", path: "/x", headers: [], body: undefined });
    expect(answer.error).toBe("ECONNREFUSED");
    await refused.close();
  });
});
