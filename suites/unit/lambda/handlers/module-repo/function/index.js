// CommonJS with no package.json of its own, inside a "type": "module" folder: on Lambda only this folder is
// deployed, so it is CommonJS there.
const { greet } = require("./lib.js");
exports.handler = async () => ({ greeting: greet("lambda"), commonjs: typeof module !== "undefined" });
