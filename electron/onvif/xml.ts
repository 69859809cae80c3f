// Tolerant, defensive SOAP parsing. Device XML is untrusted input (ARCHITECTURE.md, "Real cameras
// are messy"): no DTDs, no entity expansion, a size cap, and lookups by local name so that a
// camera answering with `tds:`/`trt:`/`ns2:` where `tt:` is expected still parses.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { onvifError, type OnvifError } from './errors.js';

export type XmlValue = string | XmlObject | XmlValue[];
export interface XmlObject {
  [key: string]: XmlValue;
}

export const DEFAULT_MAX_XML_BYTES = 1024 * 1024;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: 64,
});

// Only the five predefined XML entities and character references; anything else stays literal.
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
export function decodeXmlText(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-z]{2,4});/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return safeCodePoint(Number.parseInt(ref.slice(2), 16), whole);
    if (ref.startsWith('#')) return safeCodePoint(Number.parseInt(ref.slice(1), 10), whole);
    return PREDEFINED[ref] ?? whole;
  });
}

function safeCodePoint(code: number, fallback: string): string {
  return Number.isInteger(code) && code > 0 && code <= 0x10ffff
    ? String.fromCodePoint(code)
    : fallback;
}

export type XmlParseResult = { ok: true; root: XmlObject } | { ok: false; error: OnvifError };

/** Parses an XML document (Buffer or string) after size and DTD checks. */
export function parseXml(
  input: Buffer | string,
  options: { maxBytes?: number; source?: string } = {},
): XmlParseResult {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_XML_BYTES;
  const source = options.source ?? 'the device';
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  if (size > maxBytes) {
    return {
      ok: false,
      error: onvifError(
        'ONVIF_TOO_LARGE',
        `${source} sent ${size} bytes of XML, more than the ${maxBytes}-byte limit: the response was refused.`,
      ),
    };
  }
  const text = typeof input === 'string' ? input : input.toString('utf8');
  // A DOCTYPE is how entity bombs (billion laughs) and external entities (XXE) arrive; SOAP
  // forbids DTDs outright (SOAP 1.2 part 1, section 5), so refuse the whole document.
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) {
    return {
      ok: false,
      error: onvifError(
        'ONVIF_BAD_XML',
        `${source} sent XML with a DOCTYPE or ENTITY declaration, which is never valid SOAP: the response was refused.`,
      ),
    };
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    return {
      ok: false,
      error: onvifError(
        'ONVIF_BAD_XML',
        `${source} sent malformed XML (${valid.err.msg} at line ${valid.err.line}): check the device firmware.`,
      ),
    };
  }
  let parsed: unknown;
  try {
    parsed = parser.parse(text);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return {
      ok: false,
      error: onvifError('ONVIF_BAD_XML', `${source} sent XML that could not be read: ${reason}.`),
    };
  }
  if (!isObject(parsed)) {
    return {
      ok: false,
      error: onvifError('ONVIF_BAD_XML', `${source} sent an empty XML document.`),
    };
  }
  return { ok: true, root: parsed };
}

/** Parses a SOAP envelope and returns its Envelope element (any prefix). */
export function parseSoapEnvelope(
  input: Buffer | string,
  options: { maxBytes?: number; source?: string } = {},
): XmlParseResult {
  const parsed = parseXml(input, options);
  if (!parsed.ok) return parsed;
  const envelope = child(parsed.root, 'Envelope');
  if (!isObject(envelope)) {
    return {
      ok: false,
      error: onvifError(
        'ONVIF_BAD_XML',
        `${options.source ?? 'the device'} answered with XML that is not a SOAP envelope.`,
      ),
    };
  }
  return { ok: true, root: envelope };
}

export function isObject(value: unknown): value is XmlObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asArray(value: XmlValue | undefined): XmlValue[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Walks element names (local names); takes the first element when one repeats. */
export function child(node: XmlValue | undefined, ...path: string[]): XmlValue | undefined {
  let current: XmlValue | undefined = node;
  for (const name of path) {
    if (Array.isArray(current)) current = current[0];
    if (!isObject(current)) return undefined;
    current = current[name];
  }
  return current;
}

/** Every element with this name under `node` (after `path`), as objects or text nodes. */
export function children(node: XmlValue | undefined, ...path: string[]): XmlValue[] {
  if (path.length === 0) return asArray(node);
  const parent = child(node, ...path.slice(0, -1));
  const last = path[path.length - 1];
  if (last === undefined) return [];
  return asArray(parent).flatMap((p) => (isObject(p) ? asArray(p[last]) : []));
}

/** Text content of an element (plain text or an element with attributes and text). */
export function text(node: XmlValue | undefined, ...path: string[]): string | undefined {
  const target = path.length > 0 ? child(node, ...path) : node;
  const first = Array.isArray(target) ? target[0] : target;
  if (typeof first === 'string') return decodeXmlText(first);
  if (isObject(first)) {
    const inner = first['#text'];
    if (typeof inner === 'string') return decodeXmlText(inner);
    return '';
  }
  return undefined;
}

export function attr(node: XmlValue | undefined, name: string): string | undefined {
  const first = Array.isArray(node) ? node[0] : node;
  if (!isObject(first)) return undefined;
  const value = first[`@_${name}`];
  return typeof value === 'string' ? decodeXmlText(value) : undefined;
}

/** Depth-first search for the first element with this local name. */
export function findFirst(
  node: XmlValue | undefined,
  name: string,
  depth = 0,
): XmlValue | undefined {
  if (depth > 64 || node === undefined) return undefined;
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findFirst(item, name, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (!isObject(node)) return undefined;
  if (name in node) return node[name];
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('@_') || key === '#text') continue;
    const found = findFirst(value, name, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Element names directly inside `node` (attributes and text excluded). */
export function elementNames(node: XmlValue | undefined): string[] {
  const first = Array.isArray(node) ? node[0] : node;
  if (!isObject(first)) return [];
  return Object.keys(first).filter((k) => !k.startsWith('@_') && k !== '#text');
}

/** Escapes text for inclusion in XML we generate. */
export function escapeXml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** The local part of a QName such as `tns1:VideoSource/MotionAlarm` or `dn:NetworkVideoTransmitter`. */
export function localName(qname: string): string {
  const colon = qname.indexOf(':');
  return colon >= 0 ? qname.slice(colon + 1) : qname;
}
