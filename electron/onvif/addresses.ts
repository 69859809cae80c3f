// Pure helpers for what a person types in the scan screen and what devices advertise.
import { onvifError, type OnvifResult } from './errors.js';

/** The largest unicast sweep we allow: one /24 (254 hosts). Larger ones flood a LAN with probes. */
export const MAX_UNICAST_HOSTS = 256;

export function ipv4ToNumber(ip: string): number | undefined {
  const parts = ip.trim().split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function numberToIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

function badTarget(input: string, why: string): OnvifResult<string[]> {
  return {
    ok: false,
    error: onvifError('ONVIF_BAD_TARGET', `"${input}" is not a scan target: ${why}`),
  };
}

/**
 * Expands a typed unicast target: `192.168.1.20`, a range `192.168.1.10-60` or
 * `192.168.1.10-192.168.1.60`, or a CIDR `192.168.1.0/24` (no larger than /24; the network and
 * broadcast addresses of a /24../30 are skipped).
 */
export function parseUnicastTarget(input: string): OnvifResult<string[]> {
  const target = input.trim();
  if (target.includes('/')) {
    const [base = '', bitsText = ''] = target.split('/');
    const baseNumber = ipv4ToNumber(base);
    if (baseNumber === undefined) return badTarget(input, 'the network address is not IPv4.');
    if (!/^\d{1,2}$/.test(bitsText) || Number(bitsText) > 32) {
      return badTarget(input, 'the prefix length must be a number from 24 to 32.');
    }
    const bits = Number(bitsText);
    if (bits < 24) {
      return badTarget(
        input,
        `a /${bits} network has ${2 ** (32 - bits)} addresses; scan at most a /24 (256) at a time.`,
      );
    }
    const size = 2 ** (32 - bits);
    const network = baseNumber - (baseNumber % size);
    const hosts: string[] = [];
    const skipEdges = size >= 4;
    for (let i = 0; i < size; i += 1) {
      if (skipEdges && (i === 0 || i === size - 1)) continue;
      hosts.push(numberToIpv4(network + i));
    }
    return { ok: true, value: hosts };
  }
  if (target.includes('-')) {
    const [startText = '', endText = ''] = target.split('-').map((s) => s.trim());
    const start = ipv4ToNumber(startText);
    if (start === undefined) return badTarget(input, 'the first address is not IPv4.');
    let end: number | undefined;
    if (/^\d{1,3}$/.test(endText)) {
      // `192.168.1.10-60`: the end is the last octet on the same /24.
      end = Number(endText) <= 255 ? start - (start % 256) + Number(endText) : undefined;
    } else {
      end = ipv4ToNumber(endText);
    }
    if (end === undefined) return badTarget(input, 'the end of the range is not an address.');
    if (end < start) return badTarget(input, 'the range ends before it starts.');
    if (end - start + 1 > MAX_UNICAST_HOSTS) {
      return badTarget(
        input,
        `the range has ${end - start + 1} addresses; scan at most ${MAX_UNICAST_HOSTS} at a time.`,
      );
    }
    const hosts: string[] = [];
    for (let n = start; n <= end; n += 1) hosts.push(numberToIpv4(n));
    return { ok: true, value: hosts };
  }
  if (ipv4ToNumber(target) === undefined) {
    return badTarget(input, 'type an IPv4 address, a range like 192.168.1.10-60, or a /24.');
  }
  return { ok: true, value: [target] };
}

export function isInSubnet(ip: string, network: string, netmask: string): boolean {
  const a = ipv4ToNumber(ip);
  const n = ipv4ToNumber(network);
  const m = ipv4ToNumber(netmask);
  if (a === undefined || n === undefined || m === undefined) return false;
  return (a & m) >>> 0 === (n & m) >>> 0;
}

function hostOf(xaddr: string): string {
  try {
    return new URL(xaddr).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return '';
  }
}

/**
 * Ranks an XAddr: routable IPv4 first, then names, then IPv6, then IPv4 link-local
 * (169.254.x: cameras without DHCP advertise it beside their real address, and it rarely works
 * from the installer's laptop), then anything unparsable.
 */
function xaddrRank(xaddr: string): number {
  const host = hostOf(xaddr);
  if (host === '') return 5;
  if (host.startsWith('169.254.')) return 4;
  if (host.includes(':')) return host.toLowerCase().startsWith('fe80') ? 4 : 3;
  if (ipv4ToNumber(host) !== undefined) return 0;
  return 2;
}

/** Splits and orders the XAddrs of a device: routable addresses first, duplicates removed. */
export function sortXAddrs(xaddrs: Iterable<string>): string[] {
  const unique = [...new Set([...xaddrs].map((x) => x.trim()).filter((x) => x.length > 0))];
  return unique
    .map((x, index) => ({ x, index, rank: xaddrRank(x) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((e) => e.x);
}

export interface DecodedScopes {
  name?: string;
  hardware?: string;
  location?: string;
  profiles: string[];
  raw: string[];
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

/**
 * Decodes ONVIF scopes (ONVIF Core spec, section 7.3.2.2): `onvif://www.onvif.org/name/Front%20Door`,
 * `/hardware/<model>`, `/location/<where>`, `/Profile/Streaming`. Values are URL-encoded; several
 * path segments after the key are kept with their slashes.
 */
export function decodeScopes(scopes: Iterable<string>): DecodedScopes {
  const decoded: DecodedScopes = { profiles: [], raw: [] };
  for (const scope of scopes) {
    const trimmed = scope.trim();
    if (trimmed === '') continue;
    decoded.raw.push(trimmed);
    const match = /^onvif:\/\/www\.onvif\.org\/([^/]+)\/?(.*)$/i.exec(trimmed);
    if (!match) continue;
    const key = (match[1] ?? '').toLowerCase();
    const value = safeDecode(match[2] ?? '');
    if (key === 'name' && decoded.name === undefined) decoded.name = value;
    else if (key === 'hardware' && decoded.hardware === undefined) decoded.hardware = value;
    else if (key === 'location' && decoded.location === undefined) decoded.location = value;
    else if (key === 'profile' && value !== '') decoded.profiles.push(value);
  }
  return decoded;
}

export function splitList(value: string | undefined): string[] {
  return (value ?? '').split(/\s+/).filter((s) => s.length > 0);
}
