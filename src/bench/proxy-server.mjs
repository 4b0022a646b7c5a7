// The HTTP_PROXY baselines, in front of the same backend the reference's /proxy route calls:
//   node proxy-server.mjs node    BACKEND_URL   — plain node:http server piping each request through an undici Pool;
//   node proxy-server.mjs fastify BACKEND_URL   — fastify 5 + @fastify/http-proxy (its default undici client).
// Prints its URL on stdout.
import http from "node:http";
import { Pool } from "undici";

const [kind, backend] = process.argv.slice(2);
if (!backend) throw new Error("usage: proxy-server.mjs node|fastify BACKEND_URL");

if (kind === "node") {
  const pool = new Pool(backend, { connections: 128, pipelining: 1 });
  const server = http.createServer((req, res) => {
    const headers = { ...req.headers };
    delete headers.host;
    delete headers.connection;
    pool
      .request({ method: req.method, path: req.url, headers, body: req.method === "GET" || req.method === "HEAD" ? null : req })
      .then(({ statusCode, headers: upstream, body }) => {
        delete upstream.connection;
        delete upstream["keep-alive"];
        delete upstream["transfer-encoding"];
        res.writeHead(statusCode, upstream);
        body.pipe(res);
      })
      .catch(() => {
        res.writeHead(502, { "Content-Type": "application/json" });
        res.end('{"message":"bad gateway"}');
      });
  });
  server.listen(0, "127.0.0.1", () => process.stdout.write(`http://127.0.0.1:${server.address().port}\n`));
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
} else if (kind === "fastify") {
  const { default: Fastify } = await import("fastify");
  const { default: proxy } = await import("@fastify/http-proxy");
  const app = Fastify({ logger: false });
  await app.register(proxy, { upstream: backend, prefix: "/" });
  const address = await app.listen({ port: 0, host: "127.0.0.1" });
  process.stdout.write(`${address}\n`);
  process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
} else {
  throw new Error(`unknown proxy kind ${kind}`);
}
