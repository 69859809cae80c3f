import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import {
  CAMERA_WIDTH,
  cameraRecordOfRow,
  deviceInfoJson,
  profilesJson,
  packCameraRows,
  pushCameraRow,
  unpackCameraRows,
  type CameraRecord,
  type SqlValue,
} from '../../../electron/sync/camera-rows';
import { cameraProfileSchema, deviceInfoSchema } from '../../../shared/cameras';
import { idTime, uuidV7 } from '../../../shared/ids';
import { cameraRecordRow, cameraRowRecord, cameraRowSchema } from '../../../shared/sync/protocol';
import { syncRecordSchema } from '../../../shared/sync/records';

/** Text with what trips encoders up: quotes, backslashes, control characters, surrogate pairs. */
const awkward = fc.string({
  unit: fc.constantFrom('a', 'Z', ' ', '"', '\\', '\n', '\u0000', 'é', '漢', '📷', '\u2028'),
  maxLength: 12,
});
const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });

const cameraRecord: fc.Arbitrary<CameraRecord> = fc
  .record({
    // Ids in creation order (shared/ids.ts) and ids of other versions, which the packing tells apart.
    id: fc.oneof(
      fc.uuid(),
      fc
        .tuple(fc.nat(2 ** 47), fc.nat(4095), fc.uint8Array({ minLength: 8, maxLength: 8 }))
        .map(([ms, counter, random]) => uuidV7(ms, counter, random)),
    ),
    tenantId: fc.uuid(),
    name: awkward.filter((s) => s.trim().length > 0),
    kind: fc.constantFrom('onvif', 'rtsp', 'pnp'),
    address: awkward,
    model: awkward,
    enabled: fc.boolean(),
    xaddr: nullable(awkward),
    endpointRef: nullable(awkward),
    deviceInfo: nullable(
      fc.record({
        manufacturer: awkward,
        model: awkward,
        firmwareVersion: awkward,
        serialNumber: awkward,
        hardwareId: awkward,
      }),
    ),
    mac: nullable(fc.constant('00:11:22:33:44:55')),
    profiles: fc.array(
      fc.record({
        token: fc.constantFrom('p1', 'profile_2'),
        name: awkward,
        encoding: fc.constantFrom('H264', 'H265'),
        width: fc.integer({ min: 1, max: 8000 }),
        height: fc.integer({ min: 1, max: 8000 }),
      }),
      { maxLength: 3 },
    ),
    streamUri: nullable(awkward),
    recordingProfile: nullable(fc.constant('p1')),
    username: awkward,
    pnpCloudId: nullable(awkward),
    createdAt: fc.constant('2026-12-02T10:00:00.000Z'),
    updatedAt: fc.constant('2026-12-02T11:00:00.000Z'),
  })
  .map(({ id, tenantId, createdAt, updatedAt, ...data }) => ({
    kind: 'camera' as const,
    id,
    tenantId,
    data,
    createdAt,
    updatedAt,
  }))
  // Only what the protocol's schema accepts reaches the packing (the worker checks first).
  .filter((r) => syncRecordSchema.safeParse(r).success)
  .map((r) => syncRecordSchema.parse(r) as CameraRecord);

describe('camera rows', () => {
  it('come out of the packing exactly as they went in, and give back the same records', () => {
    fc.assert(
      // Pieces of any size: one character (a piece a row) up to one piece for the page.
      fc.property(fc.array(cameraRecord, { maxLength: 20 }), fc.nat(3000), (records, piece) => {
        const at = records.map((_, i) => i * 2);
        const packed = packCameraRows(records.map(cameraRecordRow), at, piece + 1);
        expect(packed.text.join('').length).toBe(Math.max(0, ...packed.ends));
        // Every piece but the last reaches the size (it is cut at the row after).
        packed.text.slice(0, -1).forEach((p) => expect(p.length).toBeGreaterThanOrEqual(piece + 1));
        // As postMessage moves it: the ends' buffer transferred.
        const moved = structuredClone(packed, { transfer: [packed.ends.buffer] });
        const rows = unpackCameraRows(moved);
        const values: SqlValue[] = [];
        for (const r of records) pushCameraRow(r, values);
        const randomIds = records.filter((r) => idTime(r.id) === null).length;
        expect(packed.randomIds).toBe(randomIds);
        expect(rows).toEqual({ values, at, randomIds });
        expect(rows.values).toHaveLength(records.length * CAMERA_WIDTH);
        records.forEach((r, i) => expect(cameraRecordOfRow(rows.values, i)).toEqual(r));
        // A record as the protocol's row and back (the server's rows are read this way).
        for (const r of records) {
          const row = cameraRowSchema.parse(cameraRecordRow(r));
          expect(cameraRowRecord(row)).toEqual(r);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a packing whose values, rows and pieces do not add up', () => {
    const record = fc.sample(cameraRecord, { numRuns: 1, seed: 7 })[0] as CameraRecord;
    const packed = packCameraRows([cameraRecordRow(record)], [0]);
    expect(() => unpackCameraRows({ ...packed, at: [0, 1] })).toThrow(/values for 2 rows/);
    expect(() => unpackCameraRows({ ...packed, text: [`${packed.text.join('')}!`] })).toThrow(
      /left over/,
    );
    // Cut in the middle of a row: a value would run on into the next piece.
    const text = packed.text.join('');
    const half = [text.slice(0, text.length >> 1), text.slice(text.length >> 1)];
    expect(() => unpackCameraRows({ ...packed, text: half })).toThrow(/runs past its piece/);
    // Ends that go back.
    const back = new Int32Array(packed.ends);
    back[1] = (back[0] as number) - 1;
    expect(() => unpackCameraRows({ ...packed, ends: back })).toThrow(/ends before it starts/);
    // A piece too many.
    expect(() => unpackCameraRows({ ...packed, text: [...packed.text, 'x'] })).toThrow(/left over/);
    // A repeat in the first row (there is no row before it), an end below the markers.
    const repeat = new Int32Array(packed.ends);
    repeat[2] = -2;
    expect(() => unpackCameraRows({ ...packed, ends: repeat })).toThrow(/repeats no row/);
    const below = new Int32Array(packed.ends);
    below[2] = -3;
    expect(() => unpackCameraRows({ ...packed, ends: below })).toThrow(/ends at -3/);
  });

  it('send a value the row before has in the same column once', () => {
    const record = fc.sample(cameraRecord, { numRuns: 1, seed: 7 })[0] as CameraRecord;
    const twin = { ...record, id: `${record.id.slice(0, -1)}x` };
    const once = packCameraRows([cameraRecordRow(record)], [0]);
    const twice = packCameraRows([record, twin].map(cameraRecordRow), [0, 1]);
    // The second row adds its id alone.
    expect(twice.text.join('').length).toBe(once.text.join('').length + twin.id.length);
    const values: SqlValue[] = [];
    for (const r of [record, twin]) pushCameraRow(r, values);
    expect(unpackCameraRows(twice).values).toEqual(values);
  });
});

describe('camera JSON columns', () => {
  /** An object with the same entries in another order (the server's JSON may order keys its way). */
  const shuffled = <T extends object>(o: T, seed: number): T => {
    const entries = Object.entries(o);
    for (let i = entries.length - 1; i > 0; i--) {
      const j = (seed * (i + 7)) % (i + 1);
      [entries[i], entries[j]] = [entries[j] as [string, unknown], entries[i] as [string, unknown]];
    }
    return Object.fromEntries(entries) as T;
  };
  const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
  const anyText = fc.oneof(awkward, fc.string({ unit: 'binary', maxLength: 8 }), fc.string());
  const profile = fc
    .record({
      token: anyText,
      name: anyText,
      encoding: maybe(anyText),
      width: maybe(fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }))),
      height: maybe(fc.integer({ min: -1, max: 8000 })),
      streamUri: maybe(anyText),
    })
    // An absent field, not one set to undefined: JSON has no undefined.
    .map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)));
  const deviceInfo = fc.record({
    manufacturer: anyText,
    model: anyText,
    firmwareVersion: anyText,
    serialNumber: anyText,
    hardwareId: anyText,
  });

  it('are JSON.stringify of what the schema produces, whatever order the keys came in', () => {
    fc.assert(
      fc.property(
        fc.array(profile, { maxLength: 4 }),
        deviceInfo,
        fc.nat(1000),
        (profiles, info, seed) => {
          const sent = JSON.parse(
            JSON.stringify(profiles.map((p, i) => shuffled(p, seed + i))),
          ) as unknown;
          const sentInfo = JSON.parse(JSON.stringify(shuffled(info, seed))) as unknown;
          const parsedProfiles = z.array(cameraProfileSchema).parse(sent);
          const parsedInfo = deviceInfoSchema.parse(sentInfo);
          // What the fast check hands on (the server's objects) and what zod hands on write alike.
          expect(profilesJson(sent as typeof parsedProfiles)).toBe(JSON.stringify(parsedProfiles));
          expect(profilesJson(parsedProfiles)).toBe(JSON.stringify(parsedProfiles));
          expect(deviceInfoJson(sentInfo as typeof parsedInfo)).toBe(JSON.stringify(parsedInfo));
          expect(JSON.parse(profilesJson(parsedProfiles))).toEqual(parsedProfiles);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('leave out no field the schemas name', () => {
    // Every field filled: a field added to a schema and not written here fails this test.
    const filled = (keys: string[]) =>
      Object.fromEntries(
        keys.map((k) => [k, k === 'width' || k === 'height' ? 640 : `${k} value`]),
      );
    const p = filled(Object.keys(cameraProfileSchema.shape));
    const d = filled(Object.keys(deviceInfoSchema.shape));
    expect(JSON.parse(profilesJson([p as never]))).toEqual([p]);
    expect(JSON.parse(deviceInfoJson(d as never))).toEqual(d);
  });

  it('escape what JSON escapes', () => {
    const p = {
      token: 'a"b\\c',
      name: '\u0000\u001f\n',
      encoding: '\ud83d',
      streamUri: '📷\u2028',
    };
    expect(profilesJson([p])).toBe(JSON.stringify([p]));
    expect(profilesJson([])).toBe('[]');
  });
});
