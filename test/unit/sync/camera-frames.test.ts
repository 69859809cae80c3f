/**
 * A camera frame's fast way (electron/sync/camera-frames.ts) against the rows' way that the pull
 * worker takes otherwise (frameRows, cameraRowSchema, packCameraRows): whenever the fast way takes
 * a frame, the main thread gets exactly the values the rows' way would have given it, and it takes
 * every frame whose rows the schema accepts as the server writes them. Rows are generated valid,
 * at their length limits and past them (camera-arbitraries.ts), and written into frames with the
 * device info and profiles as the server stores them or otherwise (spaced, keys reordered).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isV7Id, packedFrame } from '../../../electron/sync/camera-frames';
import { createIdGenerator, idTime } from '../../../shared/ids';
import {
  PIECE_CHARS,
  packCameraRows,
  unpackCameraRows,
  type PackedCameraRows,
} from '../../../electron/sync/camera-rows';
import { frameLengths, frameRows } from '../../../shared/sync/frames';
import { cameraRowSchema, type CameraRow } from '../../../shared/sync/protocol';
import { cameraRow } from '../../support/camera-arbitraries';
import { frameOf, type FrameBytes } from '../../support/camera-frames';

type JsonForm = 'stored' | 'spaced' | 'reordered';

/** A value with every object's keys in the opposite order. */
function reordered(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reordered);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.entries(v)
      .reverse()
      .map(([k, x]) => [k, reordered(x)]),
  );
}

const writeJson =
  (form: JsonForm) =>
  (v: unknown): string =>
    form === 'stored'
      ? JSON.stringify(v)
      : form === 'spaced'
        ? JSON.stringify(v, null, 1)
        : JSON.stringify(reordered(v));

/** The rows' way: the frame's rows, checked by the schema, packed; null when one is refused. */
function rowsWay(frame: FrameBytes, rows: number, at: number[]): PackedCameraRows | null {
  const lengths = frameLengths(frame.lengths, rows);
  const sent = lengths && frameRows(lengths, frame.text);
  if (!sent) return null;
  const checked: CameraRow[] = [];
  for (const row of sent) {
    const parsed = cameraRowSchema.safeParse(row);
    if (!parsed.success) return null;
    checked.push(parsed.data);
  }
  return packCameraRows(checked, at);
}

/** Rows that repeat values from one to the next, as one customer's cameras do. */
const rowsOfOneCustomer = fc
  .tuple(fc.array(cameraRow, { minLength: 1, maxLength: 4 }), fc.nat(3))
  .map(([rows, repeats]) => {
    const out = rows.map((r) => [...r]);
    // Copies of the first row with their own ids: every other value repeats.
    for (let i = 0; i < repeats; i++) out.push([`copy-${i}`, ...(out[0] ?? []).slice(1)]);
    return out;
  });

describe('camera frames', () => {
  it('gives the main thread what the rows would, and takes every frame the server writes', () => {
    let fast = 0;
    let rowsTaken = 0;
    fc.assert(
      fc.property(
        rowsOfOneCustomer,
        fc.constantFrom<JsonForm>('stored', 'stored', 'spaced', 'reordered'),
        fc.constantFrom(1, 40, PIECE_CHARS),
        (rows, form, pieceChars) => {
          const frame = frameOf(rows, writeJson(form));
          const at = rows.map((_, i) => i * 2 + 1);
          const packed = packedFrame(frame.lengths, frame.text, rows.length, at, pieceChars);
          const expected = rowsWay(frame, rows.length, at);
          if (packed) {
            fast++;
            expect(expected).not.toBeNull();
            if (!expected) return;
            expect(unpackCameraRows(packed).values).toEqual(unpackCameraRows(expected).values);
            expect(packed.at).toEqual(at);
            expect(packed.randomIds).toBe(expected.randomIds);
            // A repeated value's text crosses once.
            expect(packed.text.join('').length).toBeLessThanOrEqual(frame.text.toString().length);
          } else if (expected) {
            rowsTaken++;
            // Only a frame not written as the server writes it goes the rows' way.
            expect(form).not.toBe('stored');
          }
        },
      ),
      { numRuns: 3000 },
    );
    // Both ways taken many times: 132–144 and 129–160 of 3,000 over five seeds (most generated
    // rows break a limit somewhere), so half of that.
    expect(fast).toBeGreaterThan(65);
    expect(rowsTaken).toBeGreaterThan(60);
  });

  it('sends a repeated value once and cuts the text between rows', () => {
    const row = (id: string, name: string): unknown[] => [
      id,
      'c1',
      '2026-12-04T10:00:00.000Z',
      '2026-12-04T10:00:00.000Z',
      name,
      'onvif',
      '10.0.0.9',
      'Dôme 📷',
      true,
      null,
      null,
      null,
      null,
      [{ token: 'p1', name: 'Main', width: 1920 }],
      null,
      null,
      'admin',
      null,
    ];
    const rows = [row('cam-1', 'Café door'), row('cam-2', 'Yard'), row('cam-3', 'Yard')];
    const frame = frameOf(rows);
    const packed = packedFrame(frame.lengths, frame.text, 3, [0, 1, 2], 10);
    expect(packed).not.toBeNull();
    if (!packed) return;
    expect(packed.text.length).toBeGreaterThan(1);
    const values = unpackCameraRows(packed).values;
    expect(values.slice(0, 8)).toEqual([
      'cam-1',
      'c1',
      'Café door',
      'onvif',
      '10.0.0.9',
      'Dôme 📷',
      1,
      1,
    ]);
    // The third camera's name and every value after the first row's but the id cross once.
    const same = [...packed.ends].filter((e) => e === -2).length;
    expect(same).toBeGreaterThanOrEqual(2 * 8 + 1);
    expect(values).toEqual(
      unpackCameraRows(rowsWay(frame, 3, [0, 1, 2]) as PackedCameraRows).values,
    );
  });

  it('reads a version-7 id from the bytes as idTime does from the text', () => {
    const nextId = createIdGenerator();
    const ids = fc.oneof(
      fc.constant(null).map(() => nextId()),
      fc.uuid(),
      fc.string({ maxLength: 40 }),
      // One character of an id changed: a dash, a version, a variant, a letter's case, é.
      fc
        .tuple(fc.nat(35), fc.constantFrom('-', '7', '8', 'c', 'g', 'A', 'é', '0'))
        .map(([at, c]) => {
          const id = nextId();
          return id.slice(0, at) + c + id.slice(at + 1);
        }),
    );
    fc.assert(
      fc.property(ids, (id) => {
        const bytes = Buffer.from(`x${id}`);
        expect(isV7Id(bytes, 1, bytes.length - 1)).toBe(idTime(id) !== null);
      }),
      { numRuns: 3000 },
    );
  });

  it('leaves a frame that does not add up, or is not UTF-8, to the rows', () => {
    const frame = frameOf([
      [
        'cam-1',
        'c1',
        'a',
        'b',
        'Door',
        'onvif',
        '',
        '',
        true,
        null,
        null,
        null,
        null,
        [],
        null,
        null,
        'u',
        null,
      ],
    ]);
    expect(packedFrame(frame.lengths, frame.text, 1, [0])).not.toBeNull();
    expect(packedFrame(frame.lengths, frame.text, 2, [0, 1])).toBeNull();
    expect(packedFrame(frame.lengths, frame.text.subarray(1), 1, [0])).toBeNull();
    expect(
      packedFrame(frame.lengths, Buffer.concat([frame.text, Buffer.from('x')]), 1, [0]),
    ).toBeNull();
    expect(packedFrame(Buffer.from('1,x'), frame.text, 1, [0])).toBeNull();
    const broken = Buffer.from(frame.text);
    broken[0] = 0xff;
    expect(packedFrame(frame.lengths, broken, 1, [0])).toBeNull();
  });
});
