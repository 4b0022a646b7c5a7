// The ceiling of any gateway that runs handlers in worker threads: a bare node:http server that hands each request
// to an idle worker thread and answers when the worker has signalled back — nothing else (no event, no routing, a
// worker that answers at once). The reference's Lambda routes pay a hand-off like this plus their own work, so no
// target for them can sit above this server's req/s. The hand-off is the cheapest one Node offers: the worker blocks
// in Atomics.wait and is woken by Atomics.notify, and the main thread learns of the answer through Atomics.waitAsync
// (pinned to one core as in the bench, 4 of 5 alternating runs beat a postMessage round trip, by 10–20 %). Eight
// workers, as the reference starts up to eight environments per function; a request finding none idle waits for the
// next one. Prints its URL on stdout.
import http from "node:http";
import { Worker } from "node:worker_threads";

const WORKERS = 8;
const body = Buffer.from('{"message":"hello"}');
/** Int32 slots shared with each worker: REQUEST is set by the main thread, ANSWER by the worker. */
const REQUEST = 0;
const ANSWER = 1;
const worker = `
const { workerData } = require("node:worker_threads");
const slots = new Int32Array(workerData);
for (;;) {
  Atomics.wait(slots, ${REQUEST}, 0);
  Atomics.store(slots, ${REQUEST}, 0);
  Atomics.store(slots, ${ANSWER}, 1);
  Atomics.notify(slots, ${ANSWER});
}`;

/** @typedef {{ slots: Int32Array; res: http.ServerResponse | undefined }} Thread */
/** @type {Thread[]} */ const idle = [];
/** @type {http.ServerResponse[]} */ const waiting = [];

function answer(/** @type {Thread} */ thread) {
  const res = /** @type {http.ServerResponse} */ (thread.res);
  res.writeHead(200, { "Content-Type": "application/json", "Content-Length": body.length });
  res.end(body);
  const next = waiting.shift();
  if (next) handOff(thread, next);
  else idle.push(thread);
}

function handOff(/** @type {Thread} */ thread, /** @type {http.ServerResponse} */ res) {
  thread.res = res;
  Atomics.store(thread.slots, ANSWER, 0);
  const answered = Atomics.waitAsync(thread.slots, ANSWER, 0);
  Atomics.store(thread.slots, REQUEST, 1);
  Atomics.notify(thread.slots, REQUEST);
  if (answered.async) answered.value.then(() => answer(thread));
  else answer(thread);
}

for (let i = 0; i < WORKERS; i++) {
  const shared = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
  new Worker(worker, { eval: true, workerData: shared }).unref();
  idle.push({ slots: new Int32Array(shared), res: undefined });
}

const server = http.createServer((req, res) => {
  const thread = idle.pop();
  if (thread) handOff(thread, res);
  else waiting.push(res);
});
server.listen(0, "127.0.0.1", () => process.stdout.write(`http://127.0.0.1:${server.address().port}\n`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
