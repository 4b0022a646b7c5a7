/** Numbered lines from a byte stream, split on \n (a trailing \r is dropped), decoded as UTF-8 per line. */
export async function* numberedLines(chunks: AsyncIterable<Buffer>): AsyncGenerator<{ line: number; text: string }> {
  let pending: Buffer[] = [];
  let line = 0;
  for await (const chunk of chunks) {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      pending.push(chunk.subarray(start, nl));
      const text = (pending.length === 1 ? pending[0]! : Buffer.concat(pending)).toString("utf8");
      pending = [];
      start = nl + 1;
      yield { line: ++line, text: text.endsWith("\r") ? text.slice(0, -1) : text };
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  if (pending.length > 0) yield { line: ++line, text: Buffer.concat(pending).toString("utf8") };
}
