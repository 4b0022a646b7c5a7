// The ceiling of any gateway that runs handlers in worker threads: a bare node:http server that hands each request
// to an idle worker thread and answers when the worker has posted back — one postMessage each way and nothing else
// (no event, no routing, a worker that answers at once). The reference's Lambda routes pay this hand-off plus their
// own work, so no target for them can sit above this server's req/s. Eight workers, as the reference starts up to
// eight environments per function; a request finding none idle waits for the next one. Prints its URL on stdout.
import http from "node:http";
import { Worker } from "node:worker_threads";

const WORKERS = 8;
const body = Buffer.from('{"message":"hello"}');
const worker = `const { parentPort } = require("node:worker_threads"); parentPort.on("message", (m) => parentPort.postMessage(m));`;

/** @type {Worker[]} */ const idle = [];
/** @type {http.ServerResponse[]} */ const waiting = [];
/** @type {Map<Worker, http.ServerResponse>} */ const serving = new Map();

function handOff(/** @type {Worker} */ to, /** @type {http.ServerResponse} */ res) {
  serving.set(to, res);
  to.postMessage("{}");
}

for (let i = 0; i < WORKERS; i++) {
  const thread = new Worker(worker, { eval: true });
  thread.on("message", () => {
    const res = serving.get(thread);
    res.writeHead(200, { "Content-Type": "application/json", "Content-Length": body.length });
    res.end(body);
    const next = waiting.shift();
    if (next) handOff(thread, next);
    else idle.push(thread);
  });
  idle.push(thread);
}

const server = http.createServer((req, res) => {
  const thread = idle.pop();
  if (thread) handOff(thread, res);
  else waiting.push(res);
});
server.listen(0, "127.0.0.1", () => process.stdout.write(`http://127.0.0.1:${server.address().port}\n`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
