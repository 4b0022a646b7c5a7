// One reference gateway in a process of its own (suites/harness/gateway-process.ts starts it): startGateway with the
// JSON options of argv[2], its URLs on one stdout line, gateway log lines on stderr (its default log); SIGTERM closes it
// gracefully, and so does the IPC channel closing (the test process is gone, even by SIGKILL), as `gateproof serve` does.
import { startGateway, type GatewayOptions } from "../../reference-gateway/index.ts";

const options = JSON.parse(process.argv[2] ?? "{}") as GatewayOptions;
const gateway = await startGateway(options);
process.stdout.write(`gateproof-urls ${JSON.stringify(gateway.urls)}\n`);
await new Promise<void>((resolve) => {
  process.once("SIGTERM", resolve);
  if (process.connected) process.once("disconnect", resolve);
  else if (process.channel) resolve(); // closed while the gateway started
});
await gateway.close();
process.exit(0);
