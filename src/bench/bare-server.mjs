// The floor: a bare node:http server answering the bytes the benchmark routes answer. Prints its URL on stdout.
import http from "node:http";

const body = Buffer.from('{"message":"hello"}');
const server = http.createServer((req, res) => {
  res.writeHead(200, { "Content-Type": "application/json", "Content-Length": body.length });
  res.end(body);
});
server.listen(0, "127.0.0.1", () => process.stdout.write(`http://127.0.0.1:${server.address().port}\n`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
