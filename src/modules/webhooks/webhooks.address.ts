// Where a webhook may go (SSRF guard). The workers sit on the database and Redis network, so a callback
// URL must be https and every address its host resolves to must be public: no loopback, private,
// link-local (169.254.169.254 metadata), CGNAT, unique-local, multicast or reserved ranges, in IPv4 or
// IPv6 (IPv4-mapped IPv6 included). Decimal, octal and hex IPv4 forms (http://2130706433/) are
// normalised by the WHATWG URL parser before the check, so they are refused like the dotted form.
// The check runs at registration and again at every delivery, and the delivery connects to exactly the
// address that was checked (the socket's lookup is pinned), so a DNS answer that changes in between
// (rebinding) cannot move the request inside. WEBHOOK_ALLOW_HOSTS lists host or host:port values exempt
// from both rules, for development and tests only (production refuses a non-empty list).
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { Config } from '../../config.ts';
import { AppError } from '../../platform/errors.ts';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}
export type HostResolver = (host: string) => Promise<ResolvedAddress[]>;

export const systemResolver: HostResolver = async (host) =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

let resolver: HostResolver = systemResolver;
/** Tests replace DNS (names resolve to addresses they choose, never through the network). */
export function setHostResolver(r: HostResolver | null): void {
  resolver = r ?? systemResolver;
}

const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 127], // :: and ::1
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  blocked.addSubnet(net, bits, 'ipv6');

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  // IPv4-mapped IPv6 (::ffff:a.b.c.d): BlockList checks it against the IPv4 ranges; refuse the form anyway
  if (family === 6 && /^::ffff:/i.test(address)) return false;
  return !blocked.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

function allowListed(url: URL, config: Pick<Config, 'WEBHOOK_ALLOW_HOSTS'>): boolean {
  const list = config.WEBHOOK_ALLOW_HOSTS.map((h) => h.toLowerCase());
  return list.includes(url.host.toLowerCase()) || list.includes(url.hostname.toLowerCase());
}

const refused = (why: string) =>
  new AppError('WEBHOOK.URL_REFUSED', `The webhook URL is not allowed: ${why}.`, { reason: why });

/**
 * The address a delivery to `rawUrl` must connect to, after the checks; throws WEBHOOK.URL_REFUSED.
 * The reason says which rule, never what a lookup or a connection answered.
 */
export async function checkWebhookTarget(
  rawUrl: string,
  config: Pick<Config, 'WEBHOOK_ALLOW_HOSTS'>,
): Promise<ResolvedAddress> {
  const url = new URL(rawUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const exempt = allowListed(url, config);
  if (!exempt && url.protocol !== 'https:') throw refused('https is required');
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refused('https is required');
  let addresses: ResolvedAddress[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) === 6 ? 6 : 4 }];
  else {
    try {
      addresses = await resolver(host);
    } catch {
      throw refused('the host name does not resolve');
    }
  }
  if (addresses.length === 0) throw refused('the host name does not resolve');
  if (!exempt && !addresses.every((a) => isPublicAddress(a.address)))
    throw refused('the host is on a private, loopback or link-local network');
  return addresses[0]!;
}
