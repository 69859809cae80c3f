// Pure parsing: typed scan targets, scopes, XAddr order, hostile XML, WS-Discovery messages,
// HTTP Digest challenges, the UsernameToken digest and the scan CLI's arguments.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeScopes, parseUnicastTarget, sortXAddrs } from '../../../electron/onvif/addresses.js';
import { parseScanArguments } from '../../../electron/onvif/cli.js';
import { mapWithConcurrency } from '../../../electron/onvif/concurrency.js';
import { mergeSighting, newDiscoveredDevice } from '../../../electron/onvif/discovered-device.js';
import {
  digestAuthorization,
  parseAuthChallenges,
} from '../../../electron/onvif/http-transport.js';
import { passwordDigest } from '../../../electron/onvif/soap.js';
import { buildProbe, parseWsdMessage } from '../../../electron/onvif/ws-discovery-messages.js';
import { parseSoapEnvelope, parseXml, text } from '../../../electron/onvif/xml.js';
import { BILLION_LAUGHS, EXTERNAL_ENTITY } from '../../fixtures/onvif/fake-camera-soap.js';

describe('parseUnicastTarget', () => {
  it('expands an address, a short range, a full range and a /24', () => {
    expect(parseUnicastTarget('192.168.1.20')).toEqual({ ok: true, value: ['192.168.1.20'] });
    const short = parseUnicastTarget('192.168.1.10-60');
    expect(short.ok && short.value.length).toBe(51);
    expect(short.ok && short.value.at(-1)).toBe('192.168.1.60');
    const full = parseUnicastTarget('10.0.0.250-10.0.1.5');
    expect(full.ok && full.value).toHaveLength(12);
    const cidr = parseUnicastTarget('192.168.7.77/24');
    expect(cidr.ok && [cidr.value.length, cidr.value[0], cidr.value.at(-1)]).toEqual([
      254,
      '192.168.7.1',
      '192.168.7.254',
    ]);
    expect(parseUnicastTarget('10.1.1.4/30')).toEqual({
      ok: true,
      value: ['10.1.1.5', '10.1.1.6'],
    });
  });

  it('refuses networks larger than /24 and malformed input with ONVIF_BAD_TARGET', () => {
    for (const bad of [
      '10.0.0.0/16',
      '10.0.0.0/23',
      '10.0.0.1-10.0.2.1',
      '300.1.1.1',
      'camera',
      '10.0.0.9-3',
      '1.2.3.4/x',
    ]) {
      const result = parseUnicastTarget(bad);
      expect(result.ok, bad).toBe(false);
      if (!result.ok) expect(result.error.code).toBe('ONVIF_BAD_TARGET');
    }
    const big = parseUnicastTarget('10.0.0.0/16');
    expect(!big.ok && big.error.message).toContain('scan at most a /24');
  });

  it('never yields more than 256 hosts, all inside the range (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), (x, y) => {
        const result = parseUnicastTarget(`172.20.3.${x}-${y}`);
        if (y < x) return !result.ok;
        return (
          result.ok &&
          result.value.length === y - x + 1 &&
          result.value.every((h) => h.startsWith('172.20.3.'))
        );
      }),
    );
  });
});

describe('scopes and XAddrs', () => {
  it('decodes URL-encoded name, hardware and location scopes', () => {
    const scopes = decodeScopes([
      'onvif://www.onvif.org/type/video_encoder',
      'onvif://www.onvif.org/name/Front%20Door%20%C3%A9t%C3%A9',
      'onvif://www.onvif.org/hardware/DS-2CD2143G0-I',
      'onvif://www.onvif.org/location/country/france',
      'onvif://www.onvif.org/Profile/Streaming',
      'onvif://www.onvif.org/name/bad%E0%A4%A',
    ]);
    expect(scopes).toMatchObject({
      name: 'Front Door été',
      hardware: 'DS-2CD2143G0-I',
      location: 'country/france',
      profiles: ['Streaming'],
    });
    expect(scopes.raw).toHaveLength(6);
  });

  it('puts routable addresses before link-local ones and removes duplicates', () => {
    expect(
      sortXAddrs([
        'http://169.254.1.2/onvif/device_service',
        'http://[fe80::1]/onvif/device_service',
        'http://camera.local/onvif/device_service',
        'http://192.168.1.20/onvif/device_service',
        'http://192.168.1.20/onvif/device_service',
      ]),
    ).toEqual([
      'http://192.168.1.20/onvif/device_service',
      'http://camera.local/onvif/device_service',
      'http://169.254.1.2/onvif/device_service',
      'http://[fe80::1]/onvif/device_service',
    ]);
  });

  it('merges sightings of one device from two interfaces', () => {
    const record = {
      endpointReference: 'urn:uuid:1',
      types: ['dn:NetworkVideoTransmitter'],
      scopes: [],
      xaddrs: ['http://169.254.0.9/'],
    };
    const at = new Date();
    const device = newDiscoveredDevice({
      record,
      interfaceAddress: '10.0.0.1',
      sourceAddress: '169.254.0.9',
      via: 'multicast',
      at,
      afterMs: 3,
    });
    const changed = mergeSighting(device, {
      record: { ...record, types: ['tds:Device'], xaddrs: ['http://10.0.0.9/'] },
      interfaceAddress: '10.0.1.1',
      sourceAddress: '10.0.0.9',
      via: 'unicast',
      at,
      afterMs: 9,
    });
    expect(changed).toBe(true);
    expect(device).toMatchObject({
      xaddrs: ['http://10.0.0.9/', 'http://169.254.0.9/'],
      types: ['dn:NetworkVideoTransmitter', 'tds:Device'],
      interfaces: ['10.0.0.1', '10.0.1.1'],
      via: ['multicast', 'unicast'],
      firstSeenAfterMs: 3,
    });
  });
});

describe('hostile and odd XML', () => {
  it('refuses entity bombs and external entities without expanding them', () => {
    for (const doc of [BILLION_LAUGHS, EXTERNAL_ENTITY]) {
      const result = parseXml(doc);
      expect(result).toMatchObject({ ok: false, error: { code: 'ONVIF_BAD_XML' } });
    }
  });

  it('refuses documents over the size limit and malformed ones', () => {
    expect(parseXml(`<a>${'x'.repeat(2000)}</a>`, { maxBytes: 1000 })).toMatchObject({
      ok: false,
      error: { code: 'ONVIF_TOO_LARGE' },
    });
    expect(parseXml('<a><b></a>')).toMatchObject({ ok: false, error: { code: 'ONVIF_BAD_XML' } });
    expect(parseSoapEnvelope('<html><body>Bad Request</body></html>')).toMatchObject({
      ok: false,
      error: { code: 'ONVIF_BAD_XML' },
    });
  });

  it('reads values whatever the prefixes, decoding only predefined entities', () => {
    const parsed = parseSoapEnvelope(
      '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" xmlns:ns2="x"><SOAP-ENV:Body>' +
        '<ns2:R><ns2:Uri>rtsp://h/a?x=1&amp;y=2&#65;&unknown;</ns2:Uri></ns2:R></SOAP-ENV:Body></SOAP-ENV:Envelope>',
    );
    if (!parsed.ok) throw new Error(parsed.error.message);
    expect(text(parsed.root, 'Body', 'R', 'Uri')).toBe('rtsp://h/a?x=1&y=2A&unknown;');
  });

  it('parses a probe we build and classifies other WS-Discovery messages', () => {
    const probe = parseWsdMessage(
      Buffer.from(buildProbe('uuid:abc', 'dn:NetworkVideoTransmitter')),
    );
    expect(probe).toEqual({
      kind: 'probe',
      messageId: 'uuid:abc',
      types: ['dn:NetworkVideoTransmitter'],
      scopes: [],
    });
    const bye = parseWsdMessage(
      Buffer.from(
        '<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope" xmlns:w="a" xmlns:d="d"><e:Body><d:Bye>' +
          '<w:EndpointReference><w:Address>urn:uuid:9</w:Address></w:EndpointReference></d:Bye></e:Body></e:Envelope>',
      ),
    );
    expect(bye).toEqual({ kind: 'bye', endpointReference: 'urn:uuid:9' });
    expect(parseWsdMessage(Buffer.from('not xml'))).toBeUndefined();
  });
});

describe('authentication helpers', () => {
  it('computes the WS-UsernameToken PasswordDigest', () => {
    // Base64(SHA1(nonce + created + password)); expected value from
    // `printf '0123456789abcdef2024-01-01T00:00:00.000Zsecret' | openssl sha1 -binary | base64`.
    const digest = passwordDigest(
      Buffer.from('0123456789abcdef'),
      '2024-01-01T00:00:00.000Z',
      'secret',
    );
    expect(digest).toBe('qjo0REneIm86OoLckqA5CdBwP38=');
  });

  it('reads several Digest challenges and prefers SHA-256', () => {
    const challenges = parseAuthChallenges([
      'Digest realm="cam", nonce="n1", qop="auth", algorithm=MD5',
      'Digest realm="cam", nonce="n2", qop="auth", algorithm=SHA-256, opaque="o"',
      'Basic realm="cam"',
    ]);
    expect(challenges.basic).toBe(true);
    expect(challenges.digest.map((c) => c.algorithm)).toEqual(['SHA-256', 'MD5']);
    const state = {
      challenge: challenges.digest[1] ?? { realm: '', nonce: '', algorithm: 'MD5' as const },
      nonceCount: 0,
    };
    const header = digestAuthorization(
      state,
      { username: 'admin', password: 'p' },
      'POST',
      '/onvif/device_service',
    );
    expect(header).toMatch(
      /^Digest username="admin", realm="cam", nonce="n1", uri="\/onvif\/device_service", algorithm=MD5, response="[0-9a-f]{32}", qop=auth, nc=00000001/,
    );
  });
});

describe('helpers', () => {
  it('bounds concurrency and keeps order', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapWithConcurrency([5, 1, 4, 2, 3], 2, async (n) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, n));
      inFlight -= 1;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });

  it('parses scan CLI arguments', () => {
    expect(
      parseScanArguments([
        '--json',
        '--range',
        '10.0.0.1-9',
        '--cidr',
        '10.0.1.0/24',
        '--timeout',
        '2000',
        '--interface',
        '10.0.0.5',
      ]),
    ).toEqual({
      ok: true,
      value: {
        json: true,
        options: {
          unicastTargets: ['10.0.0.1-9', '10.0.1.0/24'],
          maxDurationMs: 2000,
          interfaces: ['10.0.0.5'],
        },
      },
    });
    expect(parseScanArguments(['--bogus'])).toMatchObject({ ok: false });
  });
});
