import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseSoapEnvelope, parseXml } from '../../../electron/onvif/xml';
import { parseWsdMessage } from '../../../electron/onvif/ws-discovery-messages';

/**
 * 100,000+ generated and mutated messages through the WS-Discovery and SOAP parsers: no throw, no
 * message over its time budget, memory bounded; entity bombs and external entities refused.
 */
const PROBE_MATCHES = `<?xml version="1.0" encoding="UTF-8"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl">
<SOAP-ENV:Header><wsa:MessageID>uuid:1b5f-0001</wsa:MessageID><wsa:RelatesTo>uuid:probe-42</wsa:RelatesTo><wsa:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To><wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action></SOAP-ENV:Header>
<SOAP-ENV:Body><d:ProbeMatches><d:ProbeMatch><wsa:EndpointReference><wsa:Address>urn:uuid:cam-0001</wsa:Address></wsa:EndpointReference><d:Types>dn:NetworkVideoTransmitter</d:Types><d:Scopes>onvif://www.onvif.org/name/Front%20Door onvif://www.onvif.org/hardware/IPC-1</d:Scopes><d:XAddrs>http://169.254.1.2/onvif/device_service http://192.0.2.10/onvif/device_service</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>`;

const DEVICE_INFO = `<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><s:Body><tds:GetDeviceInformationResponse><tds:Manufacturer>Acme</tds:Manufacturer><tds:Model>IPC-1</tds:Model><tds:FirmwareVersion>1.2.3</tds:FirmwareVersion><tds:SerialNumber>SN1</tds:SerialNumber><tds:HardwareId>HW1</tds:HardwareId></tds:GetDeviceInformationResponse></s:Body></s:Envelope>`;

const BILLION_LAUGHS = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>&lol9;</s:Body></s:Envelope>`;
const XXE = `<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>&xxe;</s:Body></s:Envelope>`;

const BUDGET_MS = 250;

function parseAll(input: string | Buffer, budgetMs = BUDGET_MS): void {
  const buf = typeof input === 'string' ? Buffer.from(input) : input;
  const t0 = performance.now();
  parseXml(buf);
  parseSoapEnvelope(buf);
  parseWsdMessage(buf);
  const ms = performance.now() - t0;
  if (ms > budgetMs) throw new Error(`a ${buf.length}-byte message took ${Math.round(ms)} ms`);
}

/** Byte-level mutations of a real message: flips, cuts, splices, repeats. */
const mutated = (base: string) =>
  fc
    .array(
      fc.oneof(
        fc.record({
          kind: fc.constant('flip' as const),
          at: fc.nat(),
          byte: fc.integer({ min: 0, max: 255 }),
        }),
        fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
        fc.record({
          kind: fc.constant('insert' as const),
          at: fc.nat(),
          text: fc.constantFrom(
            '<',
            '>',
            '&',
            '&amp;',
            '<!--',
            ']]>',
            '<![CDATA[',
            '"',
            "'",
            '\u0000',
            '<a>',
            '</a>',
            '<!DOCTYPE x>',
            '&#x10FFFF;',
            '&#0;',
            'xmlns:a="b"',
          ),
        }),
        fc.record({
          kind: fc.constant('repeat' as const),
          at: fc.nat(),
          len: fc.integer({ min: 1, max: 200 }),
          times: fc.integer({ min: 1, max: 50 }),
        }),
      ),
      { minLength: 1, maxLength: 6 },
    )
    .map((ops) => {
      let buf = Buffer.from(base);
      for (const op of ops) {
        const at = buf.length ? op.at % buf.length : 0;
        if (op.kind === 'flip') buf[at] = op.byte;
        if (op.kind === 'cut') buf = buf.subarray(0, at);
        if (op.kind === 'insert')
          buf = Buffer.concat([buf.subarray(0, at), Buffer.from(op.text), buf.subarray(at)]);
        if (op.kind === 'repeat') {
          const piece = buf.subarray(at, at + op.len);
          buf = Buffer.concat([
            buf.subarray(0, at),
            ...Array<Buffer>(op.times).fill(piece),
            buf.subarray(at),
          ]);
        }
      }
      return buf;
    });

/** Generated XML-ish documents: random trees with random names, prefixes and attributes. */
const element: fc.Memo<string> = fc.memo((depth) =>
  depth <= 0
    ? fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('&amp;', '&lt;', '&#65;', '&bogus;'))
    : fc
        .tuple(
          fc.constantFrom('s:', 'tds:', 'tt:', 'wsa:', 'd:', '', 'x:'),
          fc.constantFrom(
            'Envelope',
            'Body',
            'Header',
            'ProbeMatch',
            'XAddrs',
            'Scopes',
            'Fault',
            'Subcode',
            'Value',
            'Address',
          ),
          fc.array(
            fc.tuple(
              fc.constantFrom('a', 'xmlns:s', 'xmlns', 'Name', 'token'),
              fc.string({ maxLength: 30 }),
            ),
            { maxLength: 3 },
          ),
          fc.array(element(depth - 1), { maxLength: 4 }),
        )
        .map(
          ([p, n, attrs, kids]) =>
            `<${p}${n}${attrs.map(([k, v]) => ` ${k}="${v.replace(/"/g, '')}"`).join('')}>${kids.join('')}</${p}${n}>`,
        ),
);

describe('parser fuzzing (WS-Discovery and SOAP)', () => {
  it('refuses entity expansion and external entities outright', () => {
    for (const doc of [BILLION_LAUGHS, XXE]) {
      const r = parseSoapEnvelope(doc);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('ONVIF_BAD_XML');
      expect(parseWsdMessage(Buffer.from(doc))).toBeUndefined();
    }
  });

  it('parses the real messages it is mutated from', () => {
    expect(parseSoapEnvelope(DEVICE_INFO).ok).toBe(true);
    expect(parseWsdMessage(Buffer.from(PROBE_MATCHES))).toBeDefined();
  });

  it('survives deep nesting, huge attributes and truncated documents within budget', () => {
    const deep = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>${'<a>'.repeat(50_000)}${'</a>'.repeat(50_000)}</s:Body></s:Envelope>`;
    const hugeAttr = `<s:Envelope xmlns:s="x" a="${'x'.repeat(900_000)}"><s:Body/></s:Envelope>`;
    const tooBig = `<s:Envelope xmlns:s="x"><s:Body>${'y'.repeat(2 * 1024 * 1024)}</s:Body></s:Envelope>`;
    for (const doc of [
      deep,
      hugeAttr,
      tooBig,
      PROBE_MATCHES.slice(0, 300),
      DEVICE_INFO.slice(0, 77),
      '',
      '<',
      '\u0000\u0000',
    ]) {
      // Pathological documents get a larger budget (shared CI cores), still far from a hang.
      expect(() => parseAll(doc, 2000)).not.toThrow();
    }
    expect(parseSoapEnvelope(tooBig).ok).toBe(false);
  });

  it('100,000 generated and mutated messages: no crash, no hang, memory bounded', () => {
    const heapBefore = process.memoryUsage().heapUsed;
    let count = 0;
    const run = (arb: fc.Arbitrary<string | Buffer>, numRuns: number) =>
      fc.assert(
        fc.property(arb, (msg) => {
          parseAll(msg);
          count++;
        }),
        { numRuns },
      );
    run(mutated(PROBE_MATCHES), 35_000);
    run(mutated(DEVICE_INFO), 35_000);
    run(
      element(5).map((body) => `<?xml version="1.0"?>${body}`),
      20_000,
    );
    run(
      fc.uint8Array({ maxLength: 2000 }).map((a) => Buffer.from(a)),
      10_000,
    );
    expect(count).toBeGreaterThanOrEqual(100_000);
    const grownMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
    expect(grownMb).toBeLessThan(200);
  }, 240_000);
});
