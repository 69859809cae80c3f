/**
 * The camera records of a snapshot page as the rows the bulk writer inserts (bulk.ts), and the
 * compact form in which the pull worker hands them to the main thread.
 *
 * A first pull brings half a million cameras. As objects, each one is built twice on the main
 * thread (parsed from the worker's text, then spread into insert parameters); as rows, the worker
 * does that work and the main thread only cuts the values out of a few strings: every value of a
 * page's cameras one after another, in pieces of ~64 K characters (see PIECE_CHARS), with where
 * each one ends in an Int32Array (transferred, not copied). Nothing here checks anything: the
 * worker packs records that pullResponseSchema accepted.
 */
import { idTime } from '../../shared/ids';
import type { CameraRow } from '../../shared/sync/protocol';
import type { SyncRecord } from '../../shared/sync/records';

export type CameraRecord = Extract<SyncRecord, { kind: 'camera' }>;
export type SqlValue = string | number | null;

/** The columns of a camera row, in the order of its values. */
export const CAMERA_COLUMNS = [
  'id',
  'customer_id',
  'name',
  'kind',
  'address',
  'model',
  'enabled',
  'recording',
  'created_at',
  'updated_at',
  'xaddr',
  'endpoint_ref',
  'device_info',
  'mac',
  'profiles',
  'stream_uri',
  'recording_profile',
  'username',
  'pnp_cloud_id',
] as const;

/** Values per row. */
export const CAMERA_WIDTH = CAMERA_COLUMNS.length;
/** Each column's place in a row. */
const AT = Object.fromEntries(CAMERA_COLUMNS.map((column, i) => [column, i])) as Record<
  (typeof CAMERA_COLUMNS)[number],
  number
>;
export const CAMERA_ID = AT.id;
export const CAMERA_TENANT = AT.customer_id;
export const CAMERA_ENABLED = AT.enabled;
/** `recording` is `enabled` here; the writer clears it for a camera of a disabled tenant. */
export const CAMERA_RECORDING = AT.recording;

/** Camera rows: CAMERA_WIDTH values per row, and each row's position in its page's changes. */
export interface CameraRows {
  values: SqlValue[];
  /** Where each row's record stood in the page's `changes` (the row-by-row path keeps that order). */
  at: number[];
  /** Rows whose id was not made in creation order (shared/ids.ts: not a version-7 UUID). */
  randomIds: number;
}

/** Camera rows as they cross from the worker: see the file's comment. */
export interface PackedCameraRows {
  /** The values one after another, in pieces cut between rows (PIECE_CHARS). */
  text: string[];
  /** Where each value ends in the pieces taken as one text; NULL_VALUE: the value is null;
   * SAME_VALUE: the same as the row before's in this column (no text of its own). */
  ends: Int32Array<ArrayBuffer>;
  at: number[];
  /** As CameraRows.randomIds. */
  randomIds: number;
  /**
   * Where each value starts, when its text is not right after the value before's (camera frames,
   * camera-frames.ts: the values lie in the server's order, not the columns'); then `ends` holds
   * no SAME_VALUE for a value with text of its own, and a row's values lie in one piece.
   */
  starts?: Int32Array<ArrayBuffer>;
}

type DeviceInfo = NonNullable<CameraRecord['data']['deviceInfo']>;
type Profile = CameraRecord['data']['profiles'][number];

/** An end that stands for null. */
export const NULL_VALUE = -1;
/**
 * An end that stands for the value of the row before in the same column. Cameras of one customer
 * share much (kind, model, user name, recording profile, often their profiles' JSON and times):
 * such a value crosses once, and the main thread cuts it out once, rather than a string for every
 * row (measured: docs/sync.md, "Repeated values").
 */
export const SAME_VALUE = -2;

/**
 * Characters JSON.stringify writes as they are (no quote, backslash, control character or
 * surrogate), any number of them, for a regular expression.
 */
export const PLAIN_CHARS = '[^"\\\\\\u0000-\\u001f\\ud800-\\udfff]*';
/** Strings JSON.stringify writes as they are. */
const PLAIN_TEXT = new RegExp(`^${PLAIN_CHARS}$`);

/** JSON.stringify(s), without its work for the usual string, which needs no escape. */
const quote = (s: string): string => (PLAIN_TEXT.test(s) ? `"${s}"` : JSON.stringify(s));

/**
 * A camera's device info as the JSON text its column holds: JSON.stringify of what the schema
 * produces (its fields in the schema's order, whatever order the server's JSON had), written out.
 * The profiles and device info of half a million cameras are packed in a first pull; written out,
 * packing them took 0.8–1.1 s instead of 1.4 s in isolation (camera-rows.test.ts holds the text
 * equal to JSON.stringify's).
 */
export function deviceInfoJson(d: DeviceInfo): string {
  return `{"manufacturer":${quote(d.manufacturer)},"model":${quote(d.model)},"firmwareVersion":${quote(d.firmwareVersion)},"serialNumber":${quote(d.serialNumber)},"hardwareId":${quote(d.hardwareId)}}`;
}

/** A camera's profiles as the JSON text its column holds (see deviceInfoJson). */
export function profilesJson(profiles: readonly Profile[]): string {
  let out = '[';
  for (let i = 0; i < profiles.length; i++) {
    const p = profiles[i] as Profile;
    if (i > 0) out += ',';
    out += `{"token":${quote(p.token)},"name":${quote(p.name)}`;
    if (p.encoding !== undefined) out += `,"encoding":${quote(p.encoding)}`;
    // A finite number (the schema's check): its JSON is its string.
    if (p.width !== undefined) out += `,"width":${String(p.width)}`;
    if (p.height !== undefined) out += `,"height":${String(p.height)}`;
    if (p.streamUri !== undefined) out += `,"streamUri":${quote(p.streamUri)}`;
    out += '}';
  }
  return `${out}]`;
}

/** Appends the camera's row as LocalRecords.writeCamera writes it (`recording` as `enabled`). */
export function pushCameraRow(r: CameraRecord, out: SqlValue[]): void {
  // Positional, in CAMERA_COLUMNS order, without a row object per camera.
  const c = r.data;
  const enabled = c.enabled ? 1 : 0;
  out.push(
    r.id,
    r.tenantId,
    c.name,
    c.kind,
    c.address,
    c.model,
    enabled,
    enabled,
    r.createdAt,
    r.updatedAt,
    c.xaddr,
    c.endpointRef,
    c.deviceInfo === null ? null : deviceInfoJson(c.deviceInfo),
    c.mac,
    profilesJson(c.profiles),
    c.streamUri,
    c.recordingProfile,
    c.username,
    c.pnpCloudId,
  );
}

/** The record a row was made from (the row-by-row path takes records). */
export function cameraRecordOfRow(values: readonly SqlValue[], row: number): CameraRecord {
  const v = (column: number) => values[row * CAMERA_WIDTH + column] ?? null;
  const text = (column: number) => {
    const value = v(column);
    if (typeof value !== 'string')
      throw new Error(`camera row ${row}: column ${column} is not text`);
    return value;
  };
  const orNull = (column: number) => (v(column) === null ? null : text(column));
  const deviceInfo = orNull(AT.device_info);
  return {
    kind: 'camera',
    id: text(AT.id),
    tenantId: text(AT.customer_id),
    data: {
      name: text(AT.name),
      kind: text(AT.kind) as CameraRecord['data']['kind'],
      address: text(AT.address),
      model: text(AT.model),
      enabled: v(AT.enabled) === 1,
      xaddr: orNull(AT.xaddr),
      endpointRef: orNull(AT.endpoint_ref),
      deviceInfo:
        deviceInfo === null ? null : (JSON.parse(deviceInfo) as CameraRecord['data']['deviceInfo']),
      mac: orNull(AT.mac),
      profiles: JSON.parse(text(AT.profiles)) as CameraRecord['data']['profiles'],
      streamUri: orNull(AT.stream_uri),
      recordingProfile: orNull(AT.recording_profile),
      username: text(AT.username),
      pnpCloudId: orNull(AT.pnp_cloud_id),
    },
    createdAt: text(AT.created_at),
    updatedAt: text(AT.updated_at),
  };
}

/**
 * Packs camera rows (CAMERA_ROW_FIELDS, as the server sends them or as a checked record's) for
 * the trip to the main thread (the worker's side): the values of pushCameraRow, in its order (a
 * unit test holds the two together), the numbers as "0" or "1". Written out rather than through
 * pushCameraRow: appending to one string costs a third less than collecting the values and
 * joining them, and this runs for every camera of a first pull.
 */
export function packCameraRows(
  rows: readonly CameraRow[],
  at: number[],
  pieceChars = PIECE_CHARS,
): PackedCameraRows {
  const ends = new Int32Array(rows.length * CAMERA_WIDTH);
  const pieces: string[] = [];
  let text = '';
  let base = 0;
  let k = 0;
  let randomIds = 0;
  // The row before's values, by column (undefined: none yet).
  const last: (string | null | undefined)[] = new Array<undefined>(CAMERA_WIDTH);
  const put = (value: string | null) => {
    const column = k % CAMERA_WIDTH;
    if (value === null) {
      ends[k++] = NULL_VALUE;
    } else if (value === last[column]) {
      ends[k++] = SAME_VALUE;
    } else {
      text += value;
      ends[k++] = base + text.length;
    }
    last[column] = value;
  };
  for (const r of rows) {
    if (text.length >= pieceChars) {
      flatten(text);
      pieces.push(text);
      base += text.length;
      text = '';
    }
    const enabled = r[8] ? '1' : '0';
    const deviceInfo = r[11];
    if (idTime(r[0]) === null) randomIds++;
    put(r[0]); // id
    put(r[1]); // tenantId
    put(r[4]); // name
    put(r[5]); // kind
    put(r[6]); // address
    put(r[7]); // model
    put(enabled);
    put(enabled); // recording
    put(r[2]); // createdAt
    put(r[3]); // updatedAt
    put(r[9]); // xaddr
    put(r[10]); // endpointRef
    put(deviceInfo === null ? null : deviceInfoJson(deviceInfo));
    put(r[12]); // mac
    put(profilesJson(r[13]));
    put(r[14]); // streamUri
    put(r[15]); // recordingProfile
    put(r[16]); // username
    put(r[17]); // pnpCloudId
  }
  flatten(text);
  // A last piece of empty values only is left out: they end where the piece before ends.
  if (text.length > 0 || pieces.length === 0) pieces.push(text);
  return { text: pieces, ends, at, randomIds };
}

/**
 * Characters after which a page's text goes on in a new piece (at the next row). V8 keeps a
 * string of more than 128 KB in a memory region of its own, mapped afresh for it and unmapped
 * when it dies: a page's text of ~1.3 MB, made flat in the worker and again on the main thread
 * when postMessage delivers it, touched ~330 fresh memory pages each time, and on the benchmark's
 * virtual machine a page fault costs ~10 µs (perf: ~1 s of the main thread's 9 s went to
 * delivering the texts, nearly all of it in page faults). Smaller strings live in the heap's
 * ordinary pages, which are used again. Measured on the benchmark's first pull, alternating runs
 * on one seeded server (4 each): desktop CPU 17.2–17.7 s → 16.4–17.4 s, the pull 12.6–13.0 s →
 * 12.2–12.7 s (in a slow hour); 16 K, 64 K and 112 K pieces alike.
 */
export const PIECE_CHARS = 64 * 1024;

/**
 * Has V8 join a string built by appending into one piece now. Appended piece by piece, a page's
 * text is a tree of tens of thousands of pieces, and V8 joins them only when postMessage copies
 * the text; a page read ahead waits in the worker meanwhile, and every young collection copies
 * its tree once more and then moves it to the old generation. Reading a character is what makes
 * V8 join them. Measured on 250 pages of 2,000 cameras with 8 of them waiting: 12 s of CPU
 * without, 5.5 s with (bench/sync.bench.ts for the whole pull, docs/sync.md).
 */
export function flatten(text: string): void {
  if (text.length > 0) void text.charCodeAt(0);
}

/** The rows a worker packed (the main thread's side): the values cut out of the text. */
export function unpackCameraRows(packed: PackedCameraRows): CameraRows {
  const { ends } = packed;
  if (ends.length % CAMERA_WIDTH !== 0 || ends.length / CAMERA_WIDTH !== packed.at.length)
    throw new Error(`packed camera rows: ${ends.length} values for ${packed.at.length} rows`);
  if (packed.starts) return unpackRanges(packed, packed.starts);
  const values: SqlValue[] = new Array<SqlValue>(ends.length);
  let piece = 0;
  let text = packed.text[0] ?? '';
  let base = 0;
  let start = 0;
  for (let k = 0; k < ends.length; k++) {
    const at = ends[k] as number;
    if (at === NULL_VALUE) {
      values[k] = null;
      continue;
    }
    if (at === SAME_VALUE) {
      if (k < CAMERA_WIDTH) throw new Error(`packed camera rows: value ${k} repeats no row`);
      values[k] = values[k - CAMERA_WIDTH] as SqlValue;
      continue;
    }
    if (at < 0) throw new Error(`packed camera rows: value ${k} ends at ${at}`);
    // Rows do not span pieces: a value that ends past this piece is the next piece's first.
    while (at - base > text.length) {
      if (start !== text.length || piece + 1 >= packed.text.length)
        throw new Error(`packed camera rows: a value runs past its piece`);
      base += text.length;
      text = packed.text[++piece] as string;
      start = 0;
    }
    const end = at - base;
    if (end < start) throw new Error(`packed camera rows: value ${k} ends before it starts`);
    const column = k % CAMERA_WIDTH;
    const flag = isFlag(column);
    if (flag && end - start !== 1) throw new Error(`packed camera rows: value ${k} is not 0 or 1`);
    values[k] = flag
      ? // "0" or "1", read without a string of its own.
        text.charCodeAt(start) - 48
      : text.slice(start, end);
    start = end;
  }
  const left = packed.text.slice(piece + 1).reduce((n, p) => n + p.length, text.length - start);
  if (left > 0 || piece < packed.text.length - 1)
    throw new Error(`packed camera rows: ${left} characters left over`);
  return { values, at: packed.at, randomIds: packed.randomIds };
}

/** Flag columns: "0" or "1", read as the numbers they are without a string of their own. */
const isFlag = (column: number) => column === CAMERA_ENABLED || column === CAMERA_RECORDING;

/** unpackCameraRows for rows whose values each say where they start (PackedCameraRows.starts). */
function unpackRanges(packed: PackedCameraRows, starts: Int32Array): CameraRows {
  const { ends } = packed;
  if (starts.length !== ends.length)
    throw new Error(`packed camera rows: ${starts.length} starts for ${ends.length} values`);
  const values: SqlValue[] = new Array<SqlValue>(ends.length);
  let piece = 0;
  let text = packed.text[0] ?? '';
  let base = 0;
  for (let k = 0; k < ends.length; k++) {
    const end = ends[k] as number;
    if (end === NULL_VALUE) {
      values[k] = null;
      continue;
    }
    if (end === SAME_VALUE) {
      if (k < CAMERA_WIDTH) throw new Error(`packed camera rows: value ${k} repeats no row`);
      values[k] = values[k - CAMERA_WIDTH] as SqlValue;
      continue;
    }
    // Rows lie in one piece each, in order: a value past this piece is in a later one.
    while (end - base > text.length && piece + 1 < packed.text.length) {
      base += text.length;
      text = packed.text[++piece] as string;
    }
    const start = (starts[k] as number) - base;
    if (start < 0 || end < (starts[k] as number) || end - base > text.length)
      throw new Error(`packed camera rows: value ${k} lies outside its piece`);
    const column = k % CAMERA_WIDTH;
    if (isFlag(column) && end - base - start !== 1)
      throw new Error(`packed camera rows: value ${k} is not 0 or 1`);
    values[k] = isFlag(column) ? text.charCodeAt(start) - 48 : text.slice(start, end - base);
  }
  return { values, at: packed.at, randomIds: packed.randomIds };
}

/**
 * The rows a worker packed, cut out when their values are first read (unpackCameraRows), not as
 * they arrive. A snapshot's pages wait in a batch of ~50,000 rows before they are written
 * (electron/sync/engine.ts); unpacked on arrival, their ~950,000 values lived through the batch's
 * garbage collections and into the old generation. Measured on the benchmark's first pull, four
 * alternating runs each: the desktop's peak memory 697–775 → 599–635 MB, the pull within the
 * noise.
 */
export function lazyCameraRows(packed: PackedCameraRows): CameraRows {
  let values: SqlValue[] | null = null;
  return {
    at: packed.at,
    randomIds: packed.randomIds,
    get values() {
      return (values ??= unpackCameraRows(packed).values);
    },
  };
}
