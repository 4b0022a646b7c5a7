// Counts invocations per execution environment and logs once per environment, in its init phase.
console.log("init");
let count = 0;
exports.handler = async () => ({ count: ++count });
