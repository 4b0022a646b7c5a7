/**
 * Key order of a `java.util.HashMap` built by inserting `keys` in the given order: bucket by bucket, insertion order
 * within a bucket. API Gateway builds some event objects (the proxy event's `requestContext.identity`) as such a map,
 * so which keys are present changes the order of all of them: 12 keys fit the initial 16 buckets, a 13th makes the
 * table grow to 32 (load factor 0.75). Both the docs' sample identity (12 keys) and captured events with an API key
 * (13 and 14 keys; see context-variables.ts) come out exactly in this order.
 */
export function javaHashMapOrder(keys: readonly string[]): string[] {
  let buckets = 16;
  while (keys.length > buckets * 0.75) buckets *= 2;
  const indexed = keys.map((key, insertion) => ({ key, insertion, bucket: spread(stringHashCode(key)) & (buckets - 1) }));
  indexed.sort((a, b) => a.bucket - b.bucket || a.insertion - b.insertion);
  return indexed.map((entry) => entry.key);
}

/** `String.hashCode()`: s[0]·31^(n−1) + … + s[n−1], over UTF-16 code units, in 32-bit arithmetic. */
function stringHashCode(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(31, hash) + text.charCodeAt(i)) | 0;
  return hash;
}

/** `HashMap.hash()`: the high half folded into the low half before masking. */
function spread(hash: number): number {
  return hash ^ (hash >>> 16);
}
