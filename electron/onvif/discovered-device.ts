// What a scan knows about one device, merged across interfaces, probes and announcements.
import { decodeScopes, sortXAddrs, type DecodedScopes } from './addresses.js';
import type { DiscoveryRecord } from './ws-discovery-messages.js';

export interface DiscoveredDevice {
  /** WS-Addressing EndpointReference Address (usually `urn:uuid:...`): the identity we de-duplicate on. */
  endpointReference: string;
  /** Device service URLs, routable addresses first and 169.254.x link-local last. */
  xaddrs: string[];
  types: string[];
  scopes: DecodedScopes;
  /** Local interface addresses the device answered on (`unicast` when no interface matched). */
  interfaces: string[];
  /** Remote addresses its datagrams came from (any source port is accepted). */
  sources: string[];
  via: Array<'multicast' | 'unicast' | 'hello'>;
  firstSeenAt: Date;
  /** Milliseconds from the start of the scan to the first answer. */
  firstSeenAfterMs: number;
}

export interface Sighting {
  record: DiscoveryRecord;
  interfaceAddress: string;
  sourceAddress: string;
  via: 'multicast' | 'unicast' | 'hello';
  at: Date;
  afterMs: number;
}

function addUnique<T>(list: T[], value: T): boolean {
  if (list.includes(value)) return false;
  list.push(value);
  return true;
}

/** Creates the device from its first sighting. */
export function newDiscoveredDevice(s: Sighting): DiscoveredDevice {
  return {
    endpointReference: s.record.endpointReference,
    xaddrs: sortXAddrs(s.record.xaddrs),
    types: [...new Set(s.record.types)],
    scopes: decodeScopes(s.record.scopes),
    interfaces: [s.interfaceAddress],
    sources: [s.sourceAddress],
    via: [s.via],
    firstSeenAt: s.at,
    firstSeenAfterMs: s.afterMs,
  };
}

/** Merges a later sighting into the device; returns true when something a person sees changed. */
export function mergeSighting(device: DiscoveredDevice, s: Sighting): boolean {
  let changed = false;
  const before = device.xaddrs.join(' ');
  device.xaddrs = sortXAddrs([...device.xaddrs, ...s.record.xaddrs]);
  if (device.xaddrs.join(' ') !== before) changed = true;
  for (const t of s.record.types) changed = addUnique(device.types, t) || changed;
  if (s.record.scopes.length > 0 && device.scopes.raw.length === 0) {
    device.scopes = decodeScopes(s.record.scopes);
    changed = true;
  }
  changed = addUnique(device.interfaces, s.interfaceAddress) || changed;
  changed = addUnique(device.sources, s.sourceAddress) || changed;
  addUnique(device.via, s.via);
  return changed;
}
