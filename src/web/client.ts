// What a request tells us about its client: the network it comes from and the page it was sent from.
import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { keyedHash } from '../discussion/secrets.ts';

/**
 * The client's address prefix: the whole IPv4 address, or the /64 of an IPv6 one (a home or a
 * phone usually gets a whole /64, so counting single v6 addresses would be counting nothing).
 * `req.ip` already honours the explicit trust-proxy setting, so a forged X-Forwarded-For from
 * an untrusted peer cannot pick a new bucket.
 */
export function addressPrefix(ip: string): string {
  const mapped = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  if (isIP(mapped) !== 6) return mapped;
  const [head] = mapped.split('::');
  const full = expandIpv6(mapped);
  return full ? `${full.slice(0, 4).join(':')}::/64` : `${head}::/64`;
}

function expandIpv6(ip: string): string[] | undefined {
  const [left, right] = ip.split('::') as [string, string | undefined];
  const l = left ? left.split(':') : [];
  const r = right ? right.split(':') : [];
  if (right === undefined) return l.length === 8 ? l.map((p) => p.toLowerCase()) : undefined;
  const fill = new Array(8 - l.length - r.length).fill('0');
  return [...l, ...fill, ...r].map((p) => p.toLowerCase().replace(/^0+(?=.)/, ''));
}

/** Readers' addresses are kept only as keyed hashes of their prefix. */
export function prefixHash(secret: string, req: FastifyRequest): string {
  return keyedHash(secret, `prefix:${addressPrefix(req.ip)}`);
}

/**
 * The network around the client's address: the IPv4 /24, or the IPv6 /48 (what one site or one
 * customer of a provider usually gets). Counting it as well as the address stops one flooder
 * from stepping through neighbouring addresses.
 */
export function networkOf(ip: string): string {
  const prefix = addressPrefix(ip);
  if (isIP(prefix) === 4) return `${prefix.split('.').slice(0, 3).join('.')}.0/24`;
  return `${prefix.split(':').slice(0, 3).join(':')}::/48`;
}

/** Where a request comes from, as the keyed hashes the rate limits count by. */
export interface ClientOrigin {
  prefix: string;
  network: string;
}

export function clientOrigin(secret: string, req: FastifyRequest): ClientOrigin {
  return { prefix: prefixHash(secret, req), network: keyedHash(secret, `network:${networkOf(req.ip)}`) };
}

/**
 * The path and query of the page a form was sent from, when the browser said (Referer). Only
 * ever used as a return target on this site, after `safeReturn`; a malformed header reads as absent.
 */
export function refererPath(req: FastifyRequest): string | undefined {
  const referer = req.headers.referer;
  if (!referer || referer.length > 2000) return undefined;
  try {
    const url = new URL(referer);
    return `${url.pathname}${url.search}`;
  } catch {
    return undefined;
  }
}
