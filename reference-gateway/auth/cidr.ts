import { isIPv4, isIPv6 } from "node:net";

/**
 * CIDR membership for the IpAddress / NotIpAddress condition operators. A value without a prefix length is a single
 * address (/32 or /128), as IAM reads it (reference_policies_elements_condition_operators.md, "IP address condition
 * operators"). An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, what a dual-stack socket reports) counts as IPv4.
 * Anything unparsable does not match.
 */
export function ipInCidr(address: string, cidr: string): boolean {
  const ip = parseIp(address);
  const slash = cidr.indexOf("/");
  const network = parseIp(slash < 0 ? cidr : cidr.slice(0, slash));
  if (ip === undefined || network === undefined || ip.bits !== network.bits) return false;
  const prefixText = slash < 0 ? String(network.bits) : cidr.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return false;
  const prefix = Number(prefixText);
  if (prefix > network.bits) return false;
  const shift = BigInt(network.bits - prefix);
  return ip.value >> shift === network.value >> shift;
}

interface ParsedIp {
  bits: 32 | 128;
  value: bigint;
}

function parseIp(text: string): ParsedIp | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
  if (mapped) return parseIp(mapped[1]!);
  if (isIPv4(text)) return { bits: 32, value: text.split(".").reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n) };
  if (isIPv6(text)) return { bits: 128, value: ipv6Value(text) };
  return undefined;
}

/** isIPv6 has validated the text; this only expands `::` and a trailing dotted IPv4 part. */
function ipv6Value(text: string): bigint {
  let groups: string[];
  const zoneless = text.split("%")[0]!;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(zoneless);
  let body = zoneless;
  if (dotted) {
    const v4 = parseIp(dotted[1]!)!.value;
    body = zoneless.slice(0, -dotted[1]!.length) + ((v4 >> 16n) & 0xffffn).toString(16) + ":" + (v4 & 0xffffn).toString(16);
  }
  if (body.includes("::")) {
    const [head, tail] = body.split("::") as [string, string];
    const headGroups = head === "" ? [] : head.split(":");
    const tailGroups = tail === "" ? [] : tail.split(":");
    groups = [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill("0"), ...tailGroups];
  } else {
    groups = body.split(":");
  }
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}
