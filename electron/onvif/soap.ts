// SOAP 1.2 envelopes for ONVIF requests, the WS-Security UsernameToken header (ONVIF Core spec
// section 5.12.2; OASIS UsernameToken Profile 1.0) and fault classification.
import { createHash, randomBytes } from 'node:crypto';
import { authError, onvifError, type OnvifError } from './errors.js';
import { child, elementNames, findFirst, localName, text, type XmlValue } from './xml.js';

export const NS = {
  soap: 'http://www.w3.org/2003/05/soap-envelope',
  device: 'http://www.onvif.org/ver10/device/wsdl',
  media: 'http://www.onvif.org/ver10/media/wsdl',
  media2: 'http://www.onvif.org/ver20/media/wsdl',
  events: 'http://www.onvif.org/ver10/events/wsdl',
  schema: 'http://www.onvif.org/ver10/schema',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  wsu: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
} as const;

const PASSWORD_DIGEST =
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest';
const BASE64_BINARY =
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary';

/** Base64(SHA1(nonce + created + password)), the UsernameToken PasswordDigest. */
export function passwordDigest(nonce: Buffer, created: string, password: string): string {
  return createHash('sha1')
    .update(Buffer.concat([nonce, Buffer.from(created, 'utf8'), Buffer.from(password, 'utf8')]))
    .digest('base64');
}

/**
 * The Security header, signed with the camera's clock: `created` must fall inside the device's
 * freshness window, and camera clocks are often hours or days off.
 */
export function usernameTokenHeader(
  credentials: { username: string; password: string },
  cameraNow: Date,
): string {
  const nonce = randomBytes(16);
  const created = cameraNow.toISOString();
  const esc = (v: string): string =>
    v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return (
    `<wsse:Security s:mustUnderstand="1" xmlns:wsse="${NS.wsse}" xmlns:wsu="${NS.wsu}">` +
    '<wsse:UsernameToken>' +
    `<wsse:Username>${esc(credentials.username)}</wsse:Username>` +
    `<wsse:Password Type="${PASSWORD_DIGEST}">${passwordDigest(nonce, created, credentials.password)}</wsse:Password>` +
    `<wsse:Nonce EncodingType="${BASE64_BINARY}">${nonce.toString('base64')}</wsse:Nonce>` +
    `<wsu:Created>${created}</wsu:Created>` +
    '</wsse:UsernameToken></wsse:Security>'
  );
}

export function soapEnvelope(body: string, securityHeader?: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<s:Envelope xmlns:s="${NS.soap}" xmlns:tds="${NS.device}" xmlns:trt="${NS.media}"` +
    ` xmlns:tr2="${NS.media2}" xmlns:tev="${NS.events}" xmlns:tt="${NS.schema}">` +
    (securityHeader !== undefined ? `<s:Header>${securityHeader}</s:Header>` : '') +
    `<s:Body>${body}</s:Body></s:Envelope>`
  );
}

const AUTH_FAULTS = new Set(['NotAuthorized', 'FailedAuthentication', 'InvalidSecurityToken']);

function faultCodes(fault: XmlValue): string[] {
  const codes: string[] = [];
  // SOAP 1.2: Code/Value with nested Subcode/Value; SOAP 1.1: faultcode.
  let node: XmlValue | undefined = child(fault, 'Code');
  for (let depth = 0; node !== undefined && depth < 8; depth += 1) {
    const value = text(node, 'Value');
    if (value) codes.push(localName(value.trim()));
    node = child(node, 'Subcode');
  }
  const legacy = text(fault, 'faultcode');
  if (legacy) codes.push(localName(legacy.trim()));
  return codes;
}

/** The Fault element of a SOAP body, whatever its prefix, or undefined. */
export function findFault(body: XmlValue | undefined): XmlValue | undefined {
  return elementNames(body).includes('Fault') ? child(body, 'Fault') : undefined;
}

/** Maps a SOAP fault to an error value: NotAuthorized (any prefix) becomes ONVIF_AUTH. */
export function faultToError(fault: XmlValue, host: string, operation: string): OnvifError {
  const codes = faultCodes(fault);
  if (codes.some((c) => AUTH_FAULTS.has(c))) return authError(host);
  const reasonNode = findFirst(fault, 'Text') ?? child(fault, 'faultstring');
  const reason = (text(reasonNode) ?? '').trim() || codes.join('/') || 'no reason given';
  return onvifError('ONVIF_FAULT', `${host} refused ${operation}: ${reason}.`);
}
