/** parseJsonBytes reads a body as Response.json() does, ASCII fast path or not. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJsonBytes } from '../../../electron/sync/transport';

const viaResponse = (bytes: Buffer) =>
  new Response(Uint8Array.from(bytes)).json() as Promise<unknown>;

describe('parseJsonBytes', () => {
  it('reads any JSON text, ASCII or not, with or without a byte order mark, as Response.json()', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.json({ maxDepth: 3 }), fc.json({ maxDepth: 3, stringUnit: 'binary' })),
        fc.boolean(),
        async (text, bom) => {
          const bytes = Buffer.concat([
            bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0),
            Buffer.from(text, 'utf8'),
          ]);
          expect(parseJsonBytes(bytes)).toEqual(await viaResponse(bytes));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('keeps characters beyond ASCII, and refuses what is not JSON', async () => {
    const bytes = Buffer.from(JSON.stringify({ name: 'Müller Überwachung 監視 📷', n: 1 }));
    expect(parseJsonBytes(bytes)).toEqual({ name: 'Müller Überwachung 監視 📷', n: 1 });
    expect(() => parseJsonBytes(Buffer.from('{"cut off": '))).toThrow(SyntaxError);
    // Latin-1 bytes are not UTF-8: read as UTF-8 (replacement characters), never as Latin-1.
    const latin1 = Buffer.from('"M\u00fcller"', 'latin1');
    expect(parseJsonBytes(latin1)).toEqual(await viaResponse(latin1));
  });
});
