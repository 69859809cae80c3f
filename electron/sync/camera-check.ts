/**
 * A fast check of a snapshot's camera changes, ahead of pullResponseSchema (the pull worker,
 * pull-worker.ts). A first pull brings half a million cameras, and zod builds a copy of each one
 * (the change, the record, its fields, device info, every profile) on the way: about two seconds
 * of the worker's time in the benchmark's first pull, on a machine where every thread competes
 * for two cores.
 *
 * This check accepts a change only when the schema would accept it and give it back unchanged:
 * every field the schema names, with its type and length limits, and no other key anywhere
 * (zod drops unknown keys of a record, of device info and of a profile, and refuses unknown
 * fields; here any of them sends the change to zod). So what it accepts is what zod's output
 * would be, without the copy: camera-check.test.ts holds the two together with generated
 * changes, valid and not. Anything it does not accept goes through zod as before, which decides
 * and words the error. The same holds for a camera's row (CAMERA_ROWS_FORMAT, cameraRowSchema),
 * what a server sends a desktop that reads rows; a camera record that passes is handed on as its
 * row too (the form the worker packs).
 */
import { CAMERA_ROW_FIELDS, cameraRecordRow, type CameraRow } from '../../shared/sync/protocol';
import type { CameraRecord } from './camera-rows';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Code points in a string: a surrogate pair counts once, a lone surrogate as itself. */
function codePoints(s: string): number {
  let count = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    if ((s.charCodeAt(i) & 0xfc00) === 0xd800 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      count--;
      i++;
    }
  }
  return count;
}

/**
 * zod's `z.string().max(max)` (and `.min(1)` with `nonEmpty`): zod measures in code points, so a
 * string longer in UTF-16 units than `max` is counted again (a code point is at most two units).
 */
export const isText = (v: unknown, max: number, nonEmpty = false): v is string =>
  typeof v === 'string' && (v.length <= max || codePoints(v) <= max) && (!nonEmpty || v.length > 0);
const isTextOrNull = (v: unknown, max: number) => v === null || isText(v, max);
const isString = (v: unknown): v is string => typeof v === 'string';

/** How many own enumerable keys an object parsed from JSON has. */
function keyCount(o: Json): number {
  return Object.keys(o).length;
}

export const CAMERA_KINDS: ReadonlySet<string> = new Set(['onvif', 'rtsp', 'pnp']);
/** cameraFieldsSchema's fields (shared/sync/records.ts). */
const CAMERA_FIELD_COUNT = 14;
/** The most profiles a camera may list (cameraFieldsSchema). */
const MAX_PROFILES = 256;

/** deviceInfoSchema: five strings, nothing else. */
export function isDeviceInfo(v: unknown): boolean {
  return (
    isObject(v) &&
    isString(v.manufacturer) &&
    isString(v.model) &&
    isString(v.firmwareVersion) &&
    isString(v.serialNumber) &&
    isString(v.hardwareId) &&
    keyCount(v) === 5
  );
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** cameraProfileSchema's optional fields, each with its check. */
const PROFILE_OPTIONAL: readonly [string, (v: unknown) => boolean][] = [
  ['encoding', isString],
  ['width', isNumber],
  ['height', isNumber],
  ['streamUri', isString],
];

/** cameraProfileSchema: token and name, and optionally encoding, width, height, streamUri. */
function isProfile(v: unknown): boolean {
  if (!isObject(v) || !isString(v.token) || !isString(v.name)) return false;
  let keys = 2;
  for (const [key, check] of PROFILE_OPTIONAL) {
    if (!(key in v)) continue;
    if (!check(v[key])) return false;
    keys++;
  }
  return keyCount(v) === keys;
}

export function isProfiles(v: unknown): boolean {
  if (!Array.isArray(v) || v.length > MAX_PROFILES) return false;
  for (const p of v) if (!isProfile(p)) return false;
  return true;
}

/** Values in a camera row. */
const CAMERA_ROW_WIDTH = CAMERA_ROW_FIELDS.length;

/**
 * A camera row (cameraRowSchema: CAMERA_ROW_FIELDS' values in order, nothing more) that the
 * schema accepts as it is; otherwise null: the row is zod's to judge.
 */
export function checkedCameraRow(row: unknown): CameraRow | null {
  if (!Array.isArray(row) || row.length !== CAMERA_ROW_WIDTH) return null;
  const v: unknown[] = row;
  const accepted =
    isString(v[0]) &&
    isString(v[1]) &&
    isString(v[2]) &&
    isString(v[3]) &&
    isText(v[4], 200, true) &&
    typeof v[5] === 'string' &&
    CAMERA_KINDS.has(v[5]) &&
    isText(v[6], 1000) &&
    isText(v[7], 200) &&
    typeof v[8] === 'boolean' &&
    isTextOrNull(v[9], 1000) &&
    isTextOrNull(v[10], 300) &&
    (v[11] === null || isDeviceInfo(v[11])) &&
    isTextOrNull(v[12], 64) &&
    isProfiles(v[13]) &&
    isTextOrNull(v[14], 1000) &&
    isTextOrNull(v[15], 64) &&
    isText(v[16], 64) &&
    isTextOrNull(v[17], 64);
  return accepted ? (row as CameraRow) : null;
}

/**
 * The camera record of a pull's change as a row, when the change is `{op: 'record', record}`
 * with a camera record that pullResponseSchema accepts as it is (see the file's comment);
 * otherwise null: the change is zod's to judge (another kind of change, an invalid one, or one
 * with keys zod drops).
 */
export function checkedCameraRecord(change: unknown): CameraRow | null {
  if (!isObject(change) || change.op !== 'record' || keyCount(change) !== 2) return null;
  const r = change.record;
  if (!isObject(r) || r.kind !== 'camera' || keyCount(r) !== 6) return null;
  const d = r.data;
  // Every field a row holds and no other: a missing one reads as undefined, which no check takes.
  if (!isObject(d) || keyCount(d) !== CAMERA_FIELD_COUNT) return null;
  // Its values in row order (cameraRecordRow only reads them), each checked by checkedCameraRow.
  return checkedCameraRow(cameraRecordRow(r as unknown as CameraRecord));
}
