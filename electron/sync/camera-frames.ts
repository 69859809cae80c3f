/**
 * A camera frame (shared/sync/frames.ts) checked and packed for the main thread, without a row,
 * an object or a string per value (the pull worker's side). The frame's text becomes the packed
 * rows' text, cut into pieces between rows (PIECE_CHARS), and each value is where it lies in it
 * (PackedCameraRows.starts): the values are in the server's order, the rows' in the columns'.
 *
 * The frame is accepted only when checkedCameraRow would accept its rows as they are and the
 * rows would pack into the same values: every value's type and length as cameraRowSchema's,
 * `enabled` "1" or "0", device info and profiles as the very JSON text deviceInfoJson and
 * profilesJson write for what they hold. Anything else (and any text that is not valid UTF-8)
 * answers null, and the frame goes the rows' way (frameRows), where the schema decides and words
 * the error. camera-frames.test.ts holds the two ways together on generated frames.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { FRAME_WIDTH, frameLengths } from '../../shared/sync/frames';
import { CAMERA_KINDS, isDeviceInfo, isProfiles, isText } from './camera-check';
import {
  CAMERA_WIDTH,
  deviceInfoJson,
  flatten,
  NULL_VALUE,
  PIECE_CHARS,
  PLAIN_CHARS,
  profilesJson,
  SAME_VALUE,
  type PackedCameraRows,
} from './camera-rows';

/** The frame's value (CAMERA_ROW_FIELDS) behind each column of a camera row (CAMERA_COLUMNS). */
const FIELD_OF_COLUMN = [0, 1, 4, 5, 6, 7, 8, 8, 2, 3, 9, 10, 11, 12, 13, 14, 15, 16, 17];

const ID = 0;
const KIND = 5;
const ENABLED = 8;
const DEVICE_INFO = 11;
const PROFILES = 13;

/** Each plain value's rule, as checkedCameraRow's: may it be null, its longest, may it be empty. */
const TEXT_RULES: readonly ({ nullable: boolean; max: number; nonEmpty: boolean } | null)[] = [
  { nullable: false, max: Infinity, nonEmpty: false }, // id
  { nullable: false, max: Infinity, nonEmpty: false }, // tenantId
  { nullable: false, max: Infinity, nonEmpty: false }, // createdAt
  { nullable: false, max: Infinity, nonEmpty: false }, // updatedAt
  { nullable: false, max: 200, nonEmpty: true }, // name
  null, // kind
  { nullable: false, max: 1000, nonEmpty: false }, // address
  { nullable: false, max: 200, nonEmpty: false }, // model
  null, // enabled
  { nullable: true, max: 1000, nonEmpty: false }, // xaddr
  { nullable: true, max: 300, nonEmpty: false }, // endpointRef
  null, // deviceInfo
  { nullable: true, max: 64, nonEmpty: false }, // mac
  null, // profiles
  { nullable: true, max: 1000, nonEmpty: false }, // streamUri
  { nullable: true, max: 64, nonEmpty: false }, // recordingProfile
  { nullable: false, max: 64, nonEmpty: false }, // username
  { nullable: true, max: 64, nonEmpty: false }, // pnpCloudId
];

/** Device info as deviceInfoJson writes it when every value is plain text. */
const PLAIN_DEVICE_INFO = new RegExp(
  `^\\{"manufacturer":"${PLAIN_CHARS}","model":"${PLAIN_CHARS}","firmwareVersion":"${PLAIN_CHARS}","serialNumber":"${PLAIN_CHARS}","hardwareId":"${PLAIN_CHARS}"\\}$`,
);

/** Whether a text is device info, exactly as deviceInfoJson writes it for what it holds. */
function isDeviceInfoText(text: string): boolean {
  if (PLAIN_DEVICE_INFO.test(text)) return true;
  const value = parsedJson(text);
  return (
    isDeviceInfo(value) && deviceInfoJson(value as Parameters<typeof deviceInfoJson>[0]) === text
  );
}

/** Whether a text is a profile list, exactly as profilesJson writes it for what it holds. */
function isProfilesText(text: string): boolean {
  const value = parsedJson(text);
  return isProfiles(value) && profilesJson(value as Parameters<typeof profilesJson>[0]) === text;
}

function parsedJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** UTF-16 units of valid UTF-8 bytes: one a character, two for one outside the BMP. */
function utf16Units(bytes: Buffer, from: number, to: number): number {
  let units = 0;
  for (let i = from; i < to; i++) {
    const b = bytes[i] as number;
    if ((b & 0xc0) !== 0x80) units += b >= 0xf0 ? 2 : 1;
  }
  return units;
}

/**
 * Whether two ranges of the bytes are the same. On the bytes rather than the text: comparing the
 * characters of the decoded text (an external string) took ~0.5 s of 1.2 s for the benchmark's
 * 250 frames in isolation.
 */
function sameBytes(bytes: Buffer, a: number, b: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (bytes[a + i] !== bytes[b + i]) return false;
  return true;
}

/** Lowercase hexadecimal digits, by byte. */
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdef') HEX[c.charCodeAt(0)] = 1;

/**
 * Whether the bytes hold a version-7 id as shared/ids.ts's idTime reads one (its regular
 * expression, written out on the bytes: ~0.25 s less for the benchmark's 250 frames; a unit test
 * holds the two together).
 */
export function isV7Id(bytes: Uint8Array, at: number, length: number): boolean {
  if (length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const b = bytes[at + i] as number;
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (b !== 0x2d) return false;
    } else if (i === 14) {
      if (b !== 0x37) return false;
    } else if (i === 19) {
      if (b !== 0x38 && b !== 0x39 && b !== 0x61 && b !== 0x62) return false;
    } else if (HEX[b] !== 1) return false;
  }
  return true;
}

/**
 * A frame's rows checked and packed (see the file's comment), `at` their places in the answer's
 * changes; null when the frame must go the rows' way.
 */
export function packedFrame(
  lengthBytes: Buffer,
  textBytes: Buffer,
  rows: number,
  at: number[],
  pieceChars = PIECE_CHARS,
): PackedCameraRows | null {
  const lengths = frameLengths(lengthBytes, rows);
  if (!lengths || at.length !== rows) return null;
  const ascii = isAscii(textBytes);
  if (!ascii && !isUtf8(textBytes)) return null;
  const text = textBytes.toString(ascii ? 'latin1' : 'utf8');

  // Each value's place in the text (UTF-16 units), null ones included (start === -1).
  const starts = new Int32Array(lengths.length);
  const stops = new Int32Array(lengths.length);
  const byteStarts = new Int32Array(lengths.length);
  let byte = 0;
  let unit = 0;
  for (let k = 0; k < lengths.length; k++) {
    const length = lengths[k] as number;
    if (length < 0) {
      starts[k] = -1;
      continue;
    }
    if (byte + length > textBytes.length) return null;
    const units = ascii ? length : utf16Units(textBytes, byte, byte + length);
    starts[k] = unit;
    stops[k] = unit + units;
    byteStarts[k] = byte;
    byte += length;
    unit += units;
  }
  if (byte !== textBytes.length || unit !== text.length) return null;

  // Row by row: a value the same as the row before's in its field is marked so (SAME_VALUE: it
  // crosses once, as packCameraRows sends it, and was checked with that row); the others are
  // checked, and their text goes into the pieces, runs of neighbouring values at a time.
  const fieldEnds = new Int32Array(lengths.length);
  const fieldStarts = new Int32Array(lengths.length);
  const pieces: string[] = [];
  let piece = '';
  let pieceBase = 0;
  // The run of the text waiting to go into the piece, and where it goes.
  let runFrom = -1;
  let runTo = -1;
  let runAt = 0;
  const flushRun = () => {
    if (runFrom < 0) return;
    piece += text.slice(runFrom, runTo);
    runFrom = -1;
  };
  let randomIds = 0;
  for (let row = 0; row < rows; row++) {
    const base = row * FRAME_WIDTH;
    flushRun();
    if (piece.length >= pieceChars) {
      flatten(piece);
      pieces.push(piece);
      pieceBase += piece.length;
      piece = '';
    }
    for (let field = 0; field < FRAME_WIDTH; field++) {
      const k = base + field;
      const start = starts[k] as number;
      const stop = stops[k] as number;
      if (start < 0) {
        if (!mayBeNull(field)) return null;
        fieldEnds[k] = NULL_VALUE;
        continue;
      }
      if (row > 0) {
        const before = k - FRAME_WIDTH;
        const length = lengths[k] as number;
        if (
          lengths[before] === length &&
          sameBytes(textBytes, byteStarts[before] as number, byteStarts[k] as number, length)
        ) {
          fieldEnds[k] = SAME_VALUE;
          continue;
        }
      }
      if (!isValue(text, field, start, stop)) return null;
      if (runFrom >= 0 && runTo === start) runTo = stop;
      else {
        flushRun();
        runFrom = start;
        runTo = stop;
        runAt = pieceBase + piece.length;
      }
      fieldStarts[k] = runAt + (start - runFrom);
      fieldEnds[k] = runAt + (stop - runFrom);
    }
    if (!isV7Id(textBytes, byteStarts[base + ID] as number, lengths[base + ID] as number))
      randomIds++;
  }
  flushRun();
  flatten(piece);
  pieces.push(piece);

  // In column order: a column takes its field's place (`recording` is `enabled`).
  const outStarts = new Int32Array(rows * CAMERA_WIDTH);
  const outEnds = new Int32Array(rows * CAMERA_WIDTH);
  for (let row = 0; row < rows; row++)
    for (let column = 0; column < CAMERA_WIDTH; column++) {
      const k = row * FRAME_WIDTH + (FIELD_OF_COLUMN[column] as number);
      outStarts[row * CAMERA_WIDTH + column] = fieldStarts[k] as number;
      outEnds[row * CAMERA_WIDTH + column] = fieldEnds[k] as number;
    }
  return { text: pieces, ends: outEnds, starts: outStarts, at, randomIds };
}

/** Whether a field's value may be null (cameraRowSchema). */
const mayBeNull = (field: number): boolean =>
  field === DEVICE_INFO || (TEXT_RULES[field]?.nullable ?? false);

/** Profile lists already checked, by their text: a fleet's cameras often share one. */
const profilesChecked = new Map<string, boolean>();
/** At most this many kept (texts of up to a few KB each). */
const PROFILES_CHECKED_MAX = 1000;

/** Whether the value at [start, stop) is what its field takes (see the file's comment). */
function isValue(text: string, field: number, start: number, stop: number): boolean {
  const rule = TEXT_RULES[field];
  if (rule) {
    const length = stop - start;
    if (rule.nonEmpty && length === 0) return false;
    return length <= rule.max || isText(text.slice(start, stop), rule.max);
  }
  if (field === KIND) {
    for (const kind of CAMERA_KINDS)
      if (stop - start === kind.length && text.startsWith(kind, start)) return true;
    return false;
  }
  if (field === ENABLED) {
    const c = text.charCodeAt(start);
    return stop - start === 1 && (c === 0x30 || c === 0x31);
  }
  if (field === DEVICE_INFO) return isDeviceInfoText(text.slice(start, stop));
  if (field === PROFILES) {
    const profiles = text.slice(start, stop);
    let ok = profilesChecked.get(profiles);
    if (ok === undefined) {
      if (profilesChecked.size >= PROFILES_CHECKED_MAX) profilesChecked.clear();
      profilesChecked.set(profiles, (ok = isProfilesText(profiles)));
    }
    return ok;
  }
  return false;
}
