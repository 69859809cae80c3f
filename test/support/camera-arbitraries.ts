/**
 * Generated cameras for the pull worker's checks (camera-check.test.ts, camera-frames.test.ts):
 * valid ones, at their length limits and past them, with the characters JSON and UTF-16 make
 * special.
 */
import fc from 'fast-check';
import { CAMERA_ROW_FIELDS } from '../../shared/sync/protocol';

/** Text of any length up to `max + 1` code units, often right at the limits. */
export const text = (max: number) =>
  fc.oneof(
    fc.string({
      unit: fc.constantFrom(
        'a',
        'Z',
        ' ',
        '"',
        '\\',
        '\n',
        '\u0000',
        'é',
        '📷',
        '\uD83D',
        '\uDCF7',
      ),
      maxLength: 8,
    }),
    fc.constantFrom(0, 1, max - 1, max, max + 1).map((n) => 'x'.repeat(n)),
    // Two code units per character: the schema counts code units, not characters.
    fc.constantFrom(max / 2, max / 2 + 1).map((n) => '📷'.repeat(Math.floor(n))),
  );
const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });

const profile = fc.record(
  {
    token: text(20),
    name: text(20),
    encoding: fc.constantFrom('H264', 'H265'),
    width: fc.integer({ min: 1, max: 8000 }),
    height: fc.double({ noNaN: true, noDefaultInfinity: true }),
    streamUri: text(40),
  },
  { requiredKeys: ['token', 'name'] },
);

export const cameraChange = fc.record({
  op: fc.constant('record'),
  record: fc.record({
    kind: fc.constant('camera'),
    id: fc.uuid(),
    tenantId: fc.uuid(),
    data: fc.record({
      name: text(200),
      kind: fc.constantFrom('onvif', 'rtsp', 'pnp', 'usb'),
      address: text(1000),
      model: text(200),
      enabled: fc.boolean(),
      xaddr: nullable(text(1000)),
      endpointRef: nullable(text(300)),
      deviceInfo: nullable(
        fc.record({
          manufacturer: text(10),
          model: text(10),
          firmwareVersion: text(10),
          serialNumber: text(10),
          hardwareId: text(10),
        }),
      ),
      mac: nullable(text(64)),
      profiles: fc.oneof(
        fc.array(profile, { maxLength: 3 }),
        fc
          .constantFrom(256, 257)
          .map((n) => Array.from({ length: n }, () => ({ token: 't', name: 'n' }))),
      ),
      streamUri: nullable(text(1000)),
      recordingProfile: nullable(text(64)),
      username: text(64),
      pnpCloudId: nullable(text(64)),
    }),
    createdAt: fc.constant('2026-12-03T10:00:00.000Z'),
    updatedAt: fc.constant('2026-12-03T11:00:00.000Z'),
  }),
});

/** A generated change's camera as a row: its record's four values, then its fields in order. */
export const cameraRow = cameraChange.map(({ record }) => {
  const fields = CAMERA_ROW_FIELDS.slice(4) as (keyof typeof record.data)[];
  return [record.id, record.tenantId, record.createdAt, record.updatedAt]
    .concat(fields.map((f) => record.data[f]) as never[])
    .map((v) => v as unknown);
});
