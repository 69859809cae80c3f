/**
 * Camera frames: a snapshot page's cameras as their values already cut, after the answer's JSON.
 *
 * A first pull brings half a million cameras. As rows (CAMERA_ROWS_FORMAT) the desktop's pull
 * worker parses ~400 MB of JSON into arrays, strings and objects, checks them and packs their
 * values one after another for the main thread (electron/sync/camera-rows.ts): ~3.3 s of CPU
 * for 250 pages in isolation, on a machine where the server, the worker and the desktop's main
 * thread share two cores. As frames the values arrive one after another already, with their
 * lengths: ~0.9 s to decode the same 250 pages (docs/sync.md, "What the pull waits on"). Inside
 * JSON they would not be cheaper: the quotes of every device info and profile list would be
 * escaped, and parsing the escaped text took as long as parsing the rows.
 *
 * A pull that lists CAMERA_FRAMES_FORMAT may get a framed answer (content type
 * FRAMED_CONTENT_TYPE):
 *
 *     <the JSON's length in bytes, in decimal> "\n" <the answer's JSON> <frame> <frame> …
 *
 * The JSON is the answer as always, where each run of cameras is one change
 * `{"op": "cameraFrame", "rows": n, "lengthBytes": l, "textBytes": t}`; the frames follow in the
 * order of those changes, each one its lengths (l bytes) then its text (t bytes):
 *
 * - lengths: ASCII, CAMERA_ROW_FIELDS.length integers a row, separated by commas: each value's
 *   length in UTF-8 bytes, or -1 for null;
 * - text: the values that are not null, one after another, in UTF-8, each row's in
 *   CAMERA_ROW_FIELDS order: `enabled` as "1" or "0", `deviceInfo` and `profiles` as JSON text.
 *
 * A desktop takes a frame for what the rows would have been (frameRows), and checks it as it
 * checks rows; the server keeps each camera's lengths and text ready (server/db/schema.ts).
 */
import { z } from 'zod';
import { CAMERA_ROW_FIELDS, MAX_PULL_LIMIT } from './protocol';

/** The format a pull lists to receive camera frames (pullRequestSchema's `formats`). */
export const CAMERA_FRAMES_FORMAT = 'cameraFrames';
/** The `op` of a run of cameras sent as a frame. */
export const CAMERA_FRAME_OP = 'cameraFrame';
/** The content type of a framed answer. */
export const FRAMED_CONTENT_TYPE = 'application/vnd.vms.framed+json';
/** Values in a frame's row. */
export const FRAME_WIDTH = CAMERA_ROW_FIELDS.length;
/** The most digits a framed answer's prefix (its JSON's length) may have. */
const MAX_PREFIX_DIGITS = 12;

/** A run of cameras in the answer's JSON; its bytes follow the JSON. */
export const cameraFrameChangeSchema = z.object({
  op: z.literal(CAMERA_FRAME_OP),
  rows: z.number().int().min(0).max(MAX_PULL_LIMIT),
  lengthBytes: z.number().int().min(0),
  textBytes: z.number().int().min(0),
});
export type CameraFrameChange = z.infer<typeof cameraFrameChangeSchema>;

/** A framed answer split: its JSON's bytes and the bytes of its frames. */
export interface FramedBody {
  json: Uint8Array;
  frames: Uint8Array;
}

/** Splits a framed answer (see the file's comment); throws when it is not one. */
export function splitFramed(body: Uint8Array): FramedBody {
  let at = 0;
  let size = 0;
  while (at < body.length && at < MAX_PREFIX_DIGITS && body[at] !== 0x0a) {
    const digit = (body[at] as number) - 0x30;
    if (digit < 0 || digit > 9) throw new Error('a framed answer starts with its JSON length');
    size = size * 10 + digit;
    at++;
  }
  if (at === 0 || body[at] !== 0x0a || at + 1 + size > body.length)
    throw new Error('a framed answer starts with its JSON length and a line break');
  return {
    json: body.subarray(at + 1, at + 1 + size),
    frames: body.subarray(at + 1 + size),
  };
}

/** The parts of a framed answer, ready to be joined (the server's side). */
export function framedParts(json: Uint8Array, frames: readonly Uint8Array[]): Uint8Array[] {
  const prefix = new TextEncoder().encode(`${json.length}\n`);
  return [prefix, json, ...frames];
}

/**
 * A frame's lengths (FRAME_WIDTH a row), or null when they are not `rows` rows of integers
 * separated by commas, each -1 or more.
 */
export function frameLengths(bytes: Uint8Array, rows: number): Int32Array | null {
  const out = new Int32Array(rows * FRAME_WIDTH);
  if (out.length === 0) return bytes.length === 0 ? out : null;
  let k = 0;
  let value = 0;
  let digits = 0;
  let negative = false;
  for (let i = 0; i <= bytes.length; i++) {
    const b = i < bytes.length ? (bytes[i] as number) : 0x2c;
    if (b === 0x2c) {
      if (digits === 0 || k >= out.length || (negative && value !== 1)) return null;
      out[k++] = negative ? -1 : value;
      value = 0;
      digits = 0;
      negative = false;
    } else if (b === 0x2d && digits === 0 && !negative) {
      negative = true;
    } else if (b >= 0x30 && b <= 0x39 && digits < 9) {
      value = value * 10 + (b - 0x30);
      digits++;
    } else return null;
  }
  return k === out.length ? out : null;
}

// ignoreBOM: by default a decoder drops a byte order mark that starts the bytes it decodes, and
// each value is decoded on its own: a name starting with U+FEFF would lose it.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * A frame's rows as a server sends them in a `cameraRows` change (CAMERA_ROW_FIELDS' values:
 * `enabled` a boolean, `deviceInfo` and `profiles` parsed), for the schema to check; a value that
 * is not what its field takes is left as its text, and the schema refuses it. Null when the
 * lengths do not add up to the text.
 */
export function frameRows(lengths: Int32Array, text: Uint8Array): unknown[][] | null {
  const rows: unknown[][] = [];
  let at = 0;
  for (let r = 0; r * FRAME_WIDTH < lengths.length; r++) {
    const row: unknown[] = [];
    for (let c = 0; c < FRAME_WIDTH; c++) {
      const length = lengths[r * FRAME_WIDTH + c] as number;
      if (length < 0) {
        row.push(null);
        continue;
      }
      if (at + length > text.length) return null;
      const value = utf8.decode(text.subarray(at, at + length));
      at += length;
      row.push(frameValue(c, value));
    }
    rows.push(row);
  }
  return at === text.length ? rows : null;
}

const ENABLED = CAMERA_ROW_FIELDS.indexOf('enabled');
const DEVICE_INFO = CAMERA_ROW_FIELDS.indexOf('deviceInfo');
const PROFILES = CAMERA_ROW_FIELDS.indexOf('profiles');

function frameValue(column: number, value: string): unknown {
  if (column === ENABLED) return value === '1' ? true : value === '0' ? false : value;
  if (column === DEVICE_INFO || column === PROFILES) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }
  return value;
}
