// WS-Discovery (2005/04, as profiled by ONVIF Core spec section 7.3) message building and parsing.
import { randomUUID } from 'node:crypto';
import { splitList } from './addresses.js';
import { child, children, elementNames, parseSoapEnvelope, text, type XmlValue } from './xml.js';

export const WSD_MULTICAST_ADDRESS = '239.255.255.250';
export const WSD_PORT = 3702;
/** WS-Discovery messages are single datagrams; anything bigger is not a discovery message. */
export const WSD_MAX_MESSAGE_BYTES = 64 * 1024;

export const PROBE_TYPES = {
  networkVideoTransmitter: 'dn:NetworkVideoTransmitter',
  device: 'tds:Device',
} as const;

export function newMessageId(): string {
  return `uuid:${randomUUID()}`;
}

export function buildProbe(messageId: string, types: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"' +
    ' xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"' +
    ' xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"' +
    ' xmlns:dn="http://www.onvif.org/ver10/network/wsdl"' +
    ' xmlns:tds="http://www.onvif.org/ver10/device/wsdl">' +
    '<s:Header>' +
    '<a:Action s:mustUnderstand="1">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action>' +
    `<a:MessageID>${messageId}</a:MessageID>` +
    '<a:ReplyTo><a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>' +
    '<a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>' +
    '</s:Header>' +
    `<s:Body><d:Probe><d:Types>${types}</d:Types></d:Probe></s:Body>` +
    '</s:Envelope>'
  );
}

export interface DiscoveryRecord {
  endpointReference: string;
  types: string[];
  scopes: string[];
  xaddrs: string[];
  metadataVersion?: string;
}

export type WsdMessage =
  | { kind: 'probeMatches'; relatesTo: string; matches: DiscoveryRecord[] }
  | { kind: 'hello'; record: DiscoveryRecord }
  | { kind: 'bye'; endpointReference: string }
  | { kind: 'probe'; messageId: string; types: string[]; scopes: string[] }
  | { kind: 'other' };

function record(node: XmlValue | undefined): DiscoveryRecord | undefined {
  const endpointReference = text(node, 'EndpointReference', 'Address')?.trim();
  if (endpointReference === undefined || endpointReference === '') return undefined;
  const metadataVersion = text(node, 'MetadataVersion');
  return {
    endpointReference,
    types: splitList(text(node, 'Types')),
    scopes: splitList(text(node, 'Scopes')),
    xaddrs: splitList(text(node, 'XAddrs')),
    ...(metadataVersion !== undefined ? { metadataVersion } : {}),
  };
}

/** Classifies a datagram by its Body element; tolerant of any namespace prefixes. */
export function parseWsdMessage(datagram: Buffer): WsdMessage | undefined {
  const parsed = parseSoapEnvelope(datagram, { maxBytes: WSD_MAX_MESSAGE_BYTES });
  if (!parsed.ok) return undefined;
  const envelope = parsed.root;
  const body = child(envelope, 'Body');
  const [bodyElement] = elementNames(body);
  const header = child(envelope, 'Header');
  switch (bodyElement) {
    case 'ProbeMatches': {
      const relatesTo = text(header, 'RelatesTo')?.trim() ?? '';
      const matches = children(body, 'ProbeMatches', 'ProbeMatch')
        .map(record)
        .filter((r): r is DiscoveryRecord => r !== undefined);
      return { kind: 'probeMatches', relatesTo, matches };
    }
    case 'Hello': {
      const hello = record(child(body, 'Hello'));
      return hello ? { kind: 'hello', record: hello } : undefined;
    }
    case 'Bye': {
      const endpointReference = text(body, 'Bye', 'EndpointReference', 'Address')?.trim();
      return endpointReference ? { kind: 'bye', endpointReference } : undefined;
    }
    case 'Probe': {
      return {
        kind: 'probe',
        messageId: text(header, 'MessageID')?.trim() ?? '',
        types: splitList(text(body, 'Probe', 'Types')),
        scopes: splitList(text(body, 'Probe', 'Scopes')),
      };
    }
    default:
      return { kind: 'other' };
  }
}
