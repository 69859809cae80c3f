/**
 * Camera frames (shared/sync/frames.ts) as a server sends them, written here from rows, for the
 * desktop's tests: its pull worker reads what these write.
 */
import { CAMERA_ROW_FIELDS } from '../../shared/sync/protocol';
import { CAMERA_FRAME_OP, framedParts } from '../../shared/sync/frames';

const ENABLED = CAMERA_ROW_FIELDS.indexOf('enabled');
const JSON_FIELDS = new Set([
  CAMERA_ROW_FIELDS.indexOf('deviceInfo'),
  CAMERA_ROW_FIELDS.indexOf('profiles'),
]);

/** A frame's bytes. */
export interface FrameBytes {
  lengths: Buffer;
  text: Buffer;
}

/**
 * A frame of these rows (values in CAMERA_ROW_FIELDS order): `enabled` as "1"/"0" when it is a
 * boolean, device info and profiles as `json` writes them (JSON.stringify: the form the server
 * stores), a string as it is, anything else as its JSON.
 */
export function frameOf(
  rows: readonly (readonly unknown[])[],
  json: (value: unknown) => string = (v) => JSON.stringify(v),
): FrameBytes {
  const lengths: number[] = [];
  const texts: string[] = [];
  for (const row of rows)
    row.forEach((value, field) => {
      if (value === null) return lengths.push(-1);
      const text =
        field === ENABLED && typeof value === 'boolean'
          ? value
            ? '1'
            : '0'
          : JSON_FIELDS.has(field) && typeof value !== 'string'
            ? json(value)
            : typeof value === 'string'
              ? value
              : JSON.stringify(value);
      lengths.push(Buffer.byteLength(text));
      texts.push(text);
    });
  return { lengths: Buffer.from(lengths.join(',')), text: Buffer.from(texts.join('')) };
}

/** The change that stands for a frame in the answer's JSON. */
export const frameChange = (rows: number, frame: FrameBytes) => ({
  op: CAMERA_FRAME_OP,
  rows,
  lengthBytes: frame.lengths.length,
  textBytes: frame.text.length,
});

/** A framed answer: the JSON, then the frames. */
export function framedBody(json: string, frames: readonly FrameBytes[]): Buffer {
  return Buffer.concat(
    framedParts(
      Buffer.from(json),
      frames.flatMap((f) => [f.lengths, f.text]),
    ),
  );
}
