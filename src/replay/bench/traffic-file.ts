import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { createGzip } from "node:zlib";

/**
 * A gzipped gateproof JSONL file of `count` GETs `interval` ms apart, each with the recorded answer the bench
 * server gives (so a comparing replay finds nothing but the Date header). Written as a stream: 1,000,000 lines
 * never sit in memory.
 */
export async function writeBenchTraffic(file: string, count: number, intervalMs: number, answer: string): Promise<void> {
  const gzip = createGzip({ level: 1 });
  const done = new Promise<void>((resolve, reject) => {
    const out = createWriteStream(file);
    out.once("finish", resolve).once("error", reject);
    gzip.pipe(out);
  });
  const start = Date.parse("2024-04-13T10:00:00.000Z");
  const responseText = JSON.stringify(answer);
  for (let i = 0; i < count; i++) {
    const at = start + i * intervalMs;
    const line =
      `{"startedDateTime":"${new Date(at).toISOString()}","request":{"method":"GET","url":"http://recorded.example/item/${i}","headers":[{"name":"accept","value":"application/json"}]},` +
      `"response":{"status":200,"headers":[{"name":"content-type","value":"application/json"}],"content":{"mimeType":"application/json","text":${responseText}}},"_gateproof":{"startedAtMs":${at}}}\n`;
    if (!gzip.write(line)) await once(gzip, "drain");
  }
  gzip.end();
  await done;
}
