// CommonJS (.js under the repo's "type": "module"? no: this folder has its own package.json saying commonjs).
let count = 0;
exports.counter = async () => ({ count: ++count });
exports.echo = async (event, context) => ({
  event,
  context: {
    awsRequestId: context.awsRequestId,
    functionName: context.functionName,
    functionVersion: context.functionVersion,
    invokedFunctionArn: context.invokedFunctionArn,
    memoryLimitInMB: context.memoryLimitInMB,
    logGroupName: context.logGroupName,
    logStreamName: context.logStreamName,
    callbackWaitsForEmptyEventLoop: context.callbackWaitsForEmptyEventLoop,
    remaining: context.getRemainingTimeInMillis(),
  },
});
exports.remaining = async (_event, context) => {
  const first = context.getRemainingTimeInMillis();
  await new Promise((r) => setTimeout(r, 120));
  return { first, second: context.getRemainingTimeInMillis() };
};
exports.mutate = async (event) => {
  event.added = true;
  event.nested.value = "changed";
  return event;
};
exports.env = async () => ({ ...process.env });
exports.callback = (event, context, callback) => {
  setTimeout(() => callback(null, { via: "callback", n: event.n }), 10);
};
exports.callbackString = (_event, _context, callback) => callback("Unauthorized");
exports.succeed = (event, context) => {
  context.succeed({ via: "succeed" });
};
exports.fail = (event, context) => {
  context.fail(new Error("failed via context"));
};
exports.syncReturn = () => 42; // not a promise, no callback: Lambda answers null when the loop drains
exports.callbackWaits = (_event, context, callback) => {
  setTimeout(() => {}, 300); // keeps the event loop busy: the response waits for it
  callback(null, "waited");
};
exports.callbackNoWait = (_event, context, callback) => {
  context.callbackWaitsForEmptyEventLoop = false;
  setTimeout(() => {}, 3000);
  callback(null, "no-wait");
};
// Leave a timer behind and answer at once (Lambda freezes the environment until the next invocation).
exports.leaveTimer = async (event) => {
  setTimeout(() => console.log(`left behind by ${event.tag}`), 20);
  return "returned";
};
exports.callbackNoWaitTimer = (event, context, callback) => {
  context.callbackWaitsForEmptyEventLoop = false;
  setTimeout(() => console.log(`left behind by ${event.tag}`), 20);
  callback(null, "returned");
};
// A callback handler that leaves its timer behind only when asked (callbackWaitsForEmptyEventLoop false).
exports.callbackTimer = (event, context, callback) => {
  if (event.leave) context.callbackWaitsForEmptyEventLoop = false;
  setTimeout(() => console.log(`timer of ${event.tag}`), event.ms);
  callback(null, "returned");
};
// util.promisify of fs functions the runtime routes for stdout / stderr / stdin, on an ordinary file.
exports.promisifiedFs = async () => {
  const fs = require("node:fs");
  const { promisify } = require("node:util");
  const file = require("node:path").join(require("node:os").tmpdir(), `gateproof-promisify-${process.pid}-${Date.now()}`);
  const fd = fs.openSync(file, "w+");
  try {
    const written = await promisify(fs.write)(fd, Buffer.from("abc"), 0, 3, 0);
    const writtenV = await promisify(fs.writev)(fd, [Buffer.from("de")], 3);
    const read = await promisify(fs.read)(fd, Buffer.alloc(5), 0, 5, 0);
    return { write: Object.keys(written), writev: Object.keys(writtenV), read: Object.keys(read), text: read.buffer.toString(), exists: await promisify(fs.exists)(file) };
  } finally {
    fs.closeSync(fd);
    fs.unlinkSync(file);
  }
};
exports.slow = async (event) => {
  await new Promise((r) => setTimeout(r, event.ms ?? 300));
  return { threadId: require("node:worker_threads").threadId };
};
exports.throws = async () => {
  class ValidationError extends Error {}
  ValidationError.prototype.name = "ValidationError";
  throw new ValidationError("bad input");
};
exports.throwsSync = () => {
  throw new TypeError("sync boom");
};
exports.rejects = () => Promise.reject(new Error("rejected"));
exports.unhandled = async () => {
  Promise.reject(new Error("nobody listens"));
  await new Promise((r) => setTimeout(r, 200));
  return "unreachable";
};
exports.asyncThrow = (_event, _context, callback) => {
  setTimeout(() => {
    throw new Error("thrown later");
  }, 5);
  setTimeout(() => callback(null, "unreachable"), 100);
};
exports.sleep = async (event) => {
  await new Promise((r) => setTimeout(r, event.ms));
  return "woke";
};
exports.exit = async () => {
  process.exit(1);
};
exports.spin = () => {
  for (;;) console.log("spam spam spam");
};
exports.spinRaw = () => {
  for (;;) process.stdout.write("raw spam\n");
};
exports.big = async (event) => "x".repeat(event.size);
exports.circular = async () => {
  const a = {};
  a.self = a;
  return a;
};
exports.undef = async () => undefined;
exports.dates = async () => ({ when: new Date(0), skip: undefined, fn() {} });
exports.logs = async () => {
  console.log("hello %s", "world");
  console.error("bad");
  console.warn("careful");
  console.info("fyi");
  console.debug("details");
  console.log("multi\nline");
  return "logged";
};
exports.oom = async () => {
  const hoard = [];
  for (;;) hoard.push(new Array(100000).fill({ a: Math.random() }));
};
exports.heapLimit = async () => require("node:v8").getHeapStatistics().heap_size_limit;
exports.nested = { deeper: { handler: async () => "nested ok" } };
exports.notFunction = 5;
