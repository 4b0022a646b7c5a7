import type { HeaderList } from "../exchange.ts";

const quote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;

/** A cURL command line that sends this request (bodies that are not UTF-8 text are left out, with a note). */
export function curlCommand(method: string, url: string, headers: HeaderList, body: Buffer | undefined): string {
  const parts = ["curl", "-sS", "-i", "-X", method, quote(url)];
  for (const [name, value] of headers) parts.push("-H", quote(`${name}: ${value}`));
  if (body && body.length > 0) {
    const text = body.toString("utf8");
    parts.push(Buffer.byteLength(text) === body.length ? `--data-binary ${quote(text)}` : `# (${body.length}-byte binary body not shown)`);
  }
  return parts.join(" ");
}
