/**
 * The pull worker's thread (see pull-worker-client.ts): POSTs a pull, checks the answer with
 * pullResponseSchema (a snapshot's cameras with the fast check of camera-check.ts first) and hands
 * back what the schema produced: a snapshot page's camera records packed as rows
 * (camera-rows.ts), everything else as JSON text. Built on its own
 * (scripts/build.mjs) next to the host and the Electron main process.
 *
 * It reads ahead: after a page that says `more`, it asks for the next ones (up to READ_AHEAD
 * pages along the cursor chain) while the main thread writes, and answers the main thread's
 * request for one of them from there. The next page is asked for as soon as a page's headers say
 * where it starts (PULL_NEXT_HEADER), so that the server reads it while this thread parses and
 * checks the page before it (on PostgreSQL the main thread waited ~2 s less for pages in the
 * benchmark's first pull; docs/sync.md). Any other request (another cursor, refresh targets, another
 * session) drops what was read ahead, as does age (a sync that stopped between pages starts the
 * next one with fresh answers). A pull only reads, so a page read twice or never used changes
 * nothing on the server.
 */
import { parentPort } from 'node:worker_threads';
import { z } from 'zod';
import {
  CAMERA_ROWS_FORMAT,
  cameraRecordRow,
  PULL_NEXT_HEADER,
  pullRequestSchema,
  pullResponseOfWire,
  pullWireResponseSchema,
  type CameraRow,
  type PullResponse,
} from '../../shared/sync/protocol';
import {
  CAMERA_FRAME_OP,
  CAMERA_FRAMES_FORMAT,
  cameraFrameChangeSchema,
  frameLengths,
  frameRows,
  type CameraFrameChange,
} from '../../shared/sync/frames';
import { checkedCameraRecord, checkedCameraRow } from './camera-check';
import { packedFrame } from './camera-frames';
import { packCameraRows, type PackedCameraRows } from './camera-rows';
import type {
  PullWorkerError,
  PullWorkerPage,
  PullWorkerReply,
  PullWorkerRequest,
} from './pull-worker-client';
import { FramedAnswer, postJson, ServerError, ServerUnreachableError } from './transport';

/**
 * Pages read ahead of the main thread (2,000 rows each; a page of cameras waits here packed, ~1.4
 * MB). A first pull's tenant pages keep the main thread busier than this thread and the server,
 * which meanwhile get its first camera pages ready; the camera pages then cost them more than the
 * main thread. Measured on the benchmark's first pull: 2 → 8 pages ~0.6 s shorter at ~40 MB
 * more memory; 16 no better, 32 slower (the threads crowd the main thread's core).
 */
const READ_AHEAD = 8;
/** A page read ahead and not asked for within this long is dropped (the sync stopped early). */
const READ_AHEAD_MAX_AGE_MS = 10_000;

type Page = (PullWorkerPage & { cursor: string; more: boolean }) | { error: PullWorkerError };
type Request = Omit<PullWorkerRequest, 'id'>;

function errorOf(err: unknown): PullWorkerError {
  if (err instanceof ServerUnreachableError) return { type: 'unreachable', message: err.message };
  if (err instanceof ServerError) return { type: 'server', status: err.status, body: err.body };
  if (err instanceof z.ZodError)
    return {
      type: 'failed',
      message: `The server's answer to a pull is not valid: ${z.prettifyError(err)}`,
    };
  return { type: 'failed', message: err instanceof Error ? err.message : String(err) };
}

/** A pull's answer as the schema produced it: a snapshot's cameras apart from the rest. */
interface CheckedAnswer {
  /** The answer without its cameras. */
  data: PullResponse;
  /** Its cameras as rows (CAMERA_ROW_FIELDS), whether the server sent records or rows. */
  cameras: CameraRow[];
  /** Where each camera stood in the answer's `changes`, a `cameraRows` change counting a change
   * for each of its rows (where pullResponseOfWire puts them). */
  at: number[];
}

/** A snapshot page's camera records taken out of what the schema produced. */
function takeCameras(data: PullResponse): CheckedAnswer {
  const changes: PullResponse['changes'] = [];
  const cameras: CameraRow[] = [];
  const at: number[] = [];
  data.changes.forEach((c, i) => {
    if (c.op === 'record' && c.record.kind === 'camera') {
      cameras.push(cameraRecordRow(c.record));
      at.push(i);
    } else changes.push(c);
  });
  return { data: { ...data, changes }, cameras, at };
}

/** The whole answer checked by the schema (whose error names the places as the server sent them). */
const checkedWhole = (raw: unknown): PullResponse =>
  pullResponseOfWire(pullWireResponseSchema.parse(raw));

/** The rows of a `cameraRows` change (CAMERA_ROWS_FORMAT); null for anything else. */
function cameraRowsOf(change: unknown): unknown[] | null {
  if (typeof change !== 'object' || change === null) return null;
  const c = change as { op?: unknown; rows?: unknown };
  return c.op === CAMERA_ROWS_FORMAT && Array.isArray(c.rows) && Object.keys(c).length === 2
    ? (c.rows as unknown[])
    : null;
}

/**
 * Checks a pull's answer with pullWireResponseSchema; a snapshot page's cameras (records, or
 * rows from a server that sends them) go through the fast check first (camera-check.ts), and the
 * schema sees the rest. An answer the schema refuses, or with a camera row the fast check does
 * not take, is checked again whole, so that its error names the places of the answer as the
 * server sent it.
 */
function checkAnswer(raw: unknown): CheckedAnswer {
  const page = raw as { snapshot?: unknown; changes?: unknown } | null;
  if (
    typeof page !== 'object' ||
    page === null ||
    page.snapshot !== true ||
    !Array.isArray(page.changes)
  ) {
    const data = checkedWhole(raw);
    return data.snapshot ? takeCameras(data) : { data, cameras: [], at: [] };
  }
  const sent: unknown[] = page.changes;
  // Each change's camera (null: none, or zod's to judge), in the order of the changes with every
  // camera row counted as one.
  const slots: (CameraRow | null)[] = [];
  const rest: unknown[] = [];
  const restAt: number[] = [];
  for (const c of sent) {
    const rows = cameraRowsOf(c);
    if (rows) {
      for (const row of rows) {
        const checked = checkedCameraRow(row);
        if (!checked) return takeCameras(checkedWhole(raw));
        slots.push(checked);
      }
      continue;
    }
    const record = checkedCameraRecord(c);
    if (!record) {
      rest.push(c);
      restAt.push(slots.length);
    }
    slots.push(record);
  }
  const checked = pullWireResponseSchema.safeParse({ ...page, changes: rest });
  if (!checked.success) return takeCameras(checkedWhole(raw));
  const changes: PullResponse['changes'] = [];
  checked.data.changes.forEach((c, j) => {
    // No `cameraRows` here: each went through the fast check above, or the whole answer to zod.
    if (c.op === 'record' && c.record.kind === 'camera')
      slots[restAt[j] as number] = cameraRecordRow(c.record);
    else if (c.op !== CAMERA_ROWS_FORMAT) changes.push(c);
  });
  const cameras: CameraRow[] = [];
  const at: number[] = [];
  slots.forEach((r, i) => {
    if (r) {
      cameras.push(r);
      at.push(i);
    }
  });
  return { data: { ...checked.data, changes }, cameras, at };
}

/** An answer the schema refuses before it gets to see it: the error names the change. */
class InvalidAnswer extends Error {
  constructor(detail: string) {
    super(`The server's answer to a pull is not valid: ${detail}`);
  }
}

/** A camera frame of a framed answer: its change, where it stands in `changes`, its bytes. */
interface Frame {
  index: number;
  change: CameraFrameChange;
  lengths: Buffer;
  text: Buffer;
}

/** A camera record or a run of camera rows: what a frame's rows would be packed with. */
function isCameraChange(change: unknown): boolean {
  const c = change as { op?: unknown; record?: { kind?: unknown } } | null;
  return (
    c?.op === CAMERA_ROWS_FORMAT ||
    (c?.op === 'record' && typeof c.record === 'object' && c.record?.kind === 'camera')
  );
}

/**
 * Checks a framed answer (shared/sync/frames.ts). A snapshot page whose cameras are one frame,
 * as a server sends them, is checked and packed without a row per camera (camera-frames.ts), the
 * rest by the schema; any other, or a frame the fast way does not take, goes as camera rows
 * (frameRows), through checkAnswer.
 */
function checkFramed(answer: FramedAnswer): CheckedAnswer & { packed: PackedCameraRows | null } {
  const page = answer.data as { changes?: unknown; snapshot?: unknown } | null;
  if (typeof page !== 'object' || page === null || !Array.isArray(page.changes))
    return { ...checkAnswer(page), packed: null };
  const sent: unknown[] = page.changes;
  const frames: Frame[] = [];
  let offset = 0;
  sent.forEach((c, index) => {
    if ((c as { op?: unknown } | null)?.op !== CAMERA_FRAME_OP) return;
    const parsed = cameraFrameChangeSchema.safeParse(c);
    if (!parsed.success)
      throw new InvalidAnswer(`changes[${index}]: ${z.prettifyError(parsed.error)}`);
    const change = parsed.data;
    const end = offset + change.lengthBytes + change.textBytes;
    if (end > answer.frames.length)
      throw new InvalidAnswer(`changes[${index}]: its frame runs past the answer's end`);
    const lengths = answer.frames.subarray(offset, offset + change.lengthBytes);
    frames.push({
      index,
      change,
      lengths,
      text: answer.frames.subarray(offset + change.lengthBytes, end),
    });
    offset = end;
  });
  if (offset !== answer.frames.length)
    throw new InvalidAnswer(`${answer.frames.length - offset} bytes follow the last camera frame`);
  const only = frames.length === 1 ? frames[0] : undefined;
  if (only && page.snapshot === true) {
    const rest = sent.filter((_, i) => i !== only.index);
    const checked = rest.some(isCameraChange)
      ? null
      : pullWireResponseSchema.safeParse({ ...page, changes: rest });
    const at = Array.from({ length: only.change.rows }, (_, j) => only.index + j);
    const packed = checked?.success
      ? packedFrame(only.lengths, only.text, only.change.rows, at)
      : null;
    if (checked?.success && packed)
      return { data: pullResponseOfWire(checked.data), cameras: [], at: [], packed };
  }
  const changes = sent.map((c, index) => {
    const frame = frames.find((f) => f.index === index);
    if (!frame) return c;
    const lengths = frameLengths(frame.lengths, frame.change.rows);
    const rows = lengths && frameRows(lengths, frame.text);
    if (!rows)
      throw new InvalidAnswer(`changes[${index}]: its frame's lengths do not match its values`);
    return { op: CAMERA_ROWS_FORMAT, rows };
  });
  return { ...checkAnswer({ ...page, changes }), packed: null };
}

/** Where the page after a fetched one starts (null: none follows, or the fetch failed). */
type Next = { cursor: string } | null;

/** A page being fetched, and where the next one starts as soon as that is known. */
interface Fetch {
  page: Promise<Page>;
  /** Known from the answer's PULL_NEXT_HEADER as its headers arrive, else from its body. */
  next: Promise<Next>;
}

/** A cursor as PULL_NEXT_HEADER carries it; null when it is not one a pull may send. */
function headerCursor(value: string): string | null {
  let cursor: string;
  try {
    cursor = decodeURIComponent(value);
  } catch {
    return null;
  }
  return pullRequestSchema.shape.cursor.safeParse(cursor).success ? cursor : null;
}

function fetchPage(req: Request): Fetch {
  let tell: (next: Next) => void = () => undefined;
  const next = new Promise<Next>((resolve) => (tell = resolve));
  const page = (async (): Promise<Page> => {
    try {
      // Camera frames, or rows from a server that has no frames: the values the worker packs
      // anyway, without JSON of their own (frames) or a quarter fewer bytes parsed in half the
      // time (rows).
      const body = { ...req.body, formats: [CAMERA_ROWS_FORMAT, CAMERA_FRAMES_FORMAT] };
      const raw = await postJson(req.url, body, req.token, req.timeoutMs, (header) => {
        const sent = header(PULL_NEXT_HEADER);
        const cursor = sent === null ? null : headerCursor(sent);
        if (cursor !== null) tell({ cursor });
      });
      const { data, cameras, at, packed } =
        raw instanceof FramedAnswer ? checkFramed(raw) : { ...checkAnswer(raw), packed: null };
      // Without the header (an older server, a proxy that drops it): from the body.
      tell(data.more ? { cursor: data.cursor } : null);
      // A snapshot page's cameras go as rows, the bulk writer's input.
      return {
        json: JSON.stringify(data),
        cameras: packed ?? (cameras.length ? packCameraRows(cameras, at) : null),
        cursor: data.cursor,
        more: data.more,
      };
    } catch (err) {
      tell(null);
      return { error: errorOf(err) };
    }
  })();
  return { page, next };
}

/** What identifies a request that reading ahead can answer (none with refresh targets). */
function keyOf(req: Request): string | null {
  if (req.body.refresh?.length) return null;
  const { clientId, cursor = '', limit = null } = req.body;
  return JSON.stringify([req.url, req.token, clientId, cursor, limit]);
}

/** Pages asked for ahead, in cursor order, with the requests that ask for them. */
let ahead: (Fetch & { key: string; req: Request; at: number })[] = [];
/** Counts the chains started afresh: a chain's late steps stop once another has started. */
let chains = 0;

/**
 * Asks for the page at `next` and, as soon as each one's next cursor is known, the one after,
 * until READ_AHEAD wait: the server reads a page while this thread takes in the one before.
 */
function readAhead(req: Request, next: Next): void {
  if (!next || ahead.length >= READ_AHEAD) return;
  const nextReq: Request = { ...req, body: { ...req.body, cursor: next.cursor, refresh: [] } };
  const key = keyOf(nextReq);
  if (key === null || ahead.some((a) => a.key === key)) return;
  const entry = { key, req: nextReq, ...fetchPage(nextReq), at: Date.now() };
  ahead.push(entry);
  void entry.next.then((n) => {
    if (ahead.includes(entry)) readAhead(nextReq, n);
  });
}

async function serve(req: PullWorkerRequest): Promise<PullWorkerReply> {
  const key = keyOf(req);
  const now = Date.now();
  if (ahead.some((a) => now - a.at > READ_AHEAD_MAX_AGE_MS)) ahead = [];
  const at = key === null ? -1 : ahead.findIndex((a) => a.key === key);
  const hit = ahead[at];
  // What was read ahead before the requested page, or on another chain, is of no use any more.
  ahead = hit ? ahead.slice(at + 1) : [];
  const fetched = hit ?? fetchPage(req);
  // A place is free again: the chain goes on from its last page (or starts from this one).
  const last = ahead[ahead.length - 1];
  if (!last) {
    const chain = ++chains;
    void fetched.next.then((n) => {
      if (chain === chains && ahead.length === 0) readAhead(req, n);
    });
  } else void last.next.then((n) => ahead.includes(last) && readAhead(last.req, n));
  const page = await fetched.page;
  return 'error' in page
    ? { id: req.id, error: page.error }
    : { id: req.id, json: page.json, cameras: page.cameras };
}

parentPort?.on('message', (req: PullWorkerRequest) => {
  void serve(req).then((reply) =>
    // The rows' ends move to the main thread rather than being copied.
    parentPort?.postMessage(
      reply,
      'cameras' in reply && reply.cameras
        ? [
            reply.cameras.ends.buffer,
            ...(reply.cameras.starts ? [reply.cameras.starts.buffer] : []),
          ]
        : [],
    ),
  );
});
