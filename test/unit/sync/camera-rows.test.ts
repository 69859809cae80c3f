import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CAMERA_WIDTH,
  cameraRecordOfRow,
  packCameraRows,
  pushCameraRow,
  unpackCameraRows,
  type CameraRecord,
  type SqlValue,
} from '../../../electron/sync/camera-rows';
import { syncRecordSchema } from '../../../shared/sync/records';

/** Text with what trips encoders up: quotes, backslashes, control characters, surrogate pairs. */
const awkward = fc.string({
  unit: fc.constantFrom('a', 'Z', ' ', '"', '\\', '\n', '\u0000', 'é', '漢', '📷', '\u2028'),
  maxLength: 12,
});
const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });

const cameraRecord: fc.Arbitrary<CameraRecord> = fc
  .record({
    id: fc.uuid(),
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
      fc.property(fc.array(cameraRecord, { maxLength: 20 }), (records) => {
        const at = records.map((_, i) => i * 2);
        const packed = packCameraRows(records, at);
        // As postMessage moves it: the ends' buffer transferred.
        const moved = structuredClone(packed, { transfer: [packed.ends.buffer] });
        const rows = unpackCameraRows(moved);
        const values: SqlValue[] = [];
        for (const r of records) pushCameraRow(r, values);
        expect(rows).toEqual({ values, at });
        expect(rows.values).toHaveLength(records.length * CAMERA_WIDTH);
        records.forEach((r, i) => expect(cameraRecordOfRow(rows.values, i)).toEqual(r));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a packing whose values and rows do not add up', () => {
    const record = fc.sample(cameraRecord, { numRuns: 1, seed: 7 })[0] as CameraRecord;
    const packed = packCameraRows([record], [0]);
    expect(() => unpackCameraRows({ ...packed, at: [0, 1] })).toThrow(/values for 2 rows/);
    expect(() => unpackCameraRows({ ...packed, text: `${packed.text}!` })).toThrow(/left over/);
  });
});
