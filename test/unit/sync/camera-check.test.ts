/**
 * The pull worker's fast check of camera changes (electron/sync/camera-check.ts) against the
 * protocol's schema: it accepts a change exactly when the schema accepts it and gives it back
 * unchanged. Changes are generated valid, at their length limits and past them, and then
 * tampered with (a key added, removed or given another value at any level), and reach both checks
 * as the worker has them: parsed from JSON text. The same for a camera's row (CAMERA_ROWS_FORMAT),
 * against cameraRowSchema.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkedCameraRecord, checkedCameraRow } from '../../../electron/sync/camera-check';
import {
  cameraRecordRow,
  cameraRowSchema,
  rowChangeSchema,
  type CameraRow,
} from '../../../shared/sync/protocol';
import { cameraChange, cameraRow } from '../../support/camera-arbitraries';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null;

/** Every object (and array) in a value, the value itself first. */
function objectsOf(v: unknown, out: Json[] = []): Json[] {
  if (!isObject(v)) return out;
  out.push(v);
  for (const child of Object.values(v)) objectsOf(child, out);
  return out;
}

/** One tampering: at the `at`-th object of the change, a key added, removed or given `value`. */
const tampering = fc.record({
  at: fc.nat(),
  how: fc.constantFrom('add', 'remove', 'set'),
  key: fc.constantFrom('extra', '__proto__', 'kind', 'op', 'name', 'width'),
  pick: fc.nat(),
  value: fc.jsonValue({ maxDepth: 1 }),
});

type Tamper = typeof tampering extends fc.Arbitrary<infer T> ? T : never;

function tamper(change: Json, t: Tamper): void {
  const objects = objectsOf(change);
  const target = objects[t.at % objects.length] as Json;
  const keys = Object.keys(target);
  if (t.how === 'add') target[t.key] = t.value;
  else if (keys.length === 0) return;
  else if (t.how === 'remove') delete target[keys[t.pick % keys.length] as string];
  else target[keys[t.pick % keys.length] as string] = t.value;
}

/** What the worker has: the change parsed from the server's JSON text. */
const asSent = (change: unknown): unknown => JSON.parse(JSON.stringify(change));

/** Whether the schema accepts the value and gives back exactly what it got. */
function schemaKeeps(change: unknown, schema: typeof rowChangeSchema | typeof cameraRowSchema) {
  const parsed = schema.safeParse(change);
  return parsed.success && isDeepStrictEqual(parsed.data, change);
}

/** A row's own tampering, one time in five: a value more at its end, or its last one gone. */
const rowLength = fc.oneof(
  { arbitrary: fc.constant(null), weight: 4 },
  fc.record({ how: fc.constant('push' as const), value: fc.jsonValue({ maxDepth: 1 }) }),
  fc.constant({ how: 'pop' as const }),
);

describe('fast camera check', () => {
  it('accepts a change exactly when the schema accepts it as it is', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(cameraChange, fc.array(tampering, { maxLength: 2 }), (generated, tamperings) => {
        const change = asSent(generated) as Json;
        for (const t of tamperings) tamper(change, t);
        const sent = asSent(change);
        const fast = checkedCameraRecord(sent);
        const keeps = schemaKeeps(sent, rowChangeSchema);
        expect(fast !== null).toBe(keeps);
        if (fast) {
          // As a row, its values those of the record (not copies).
          const record = rowChangeSchema.parse(sent);
          if (record.op !== 'record' || record.record.kind !== 'camera') throw new Error('kind');
          expect(fast).toEqual(cameraRecordRow(record.record));
          const data = (sent as { record: { data: { profiles: unknown } } }).record.data;
          expect(fast[13]).toBe(data.profiles);
          accepted++;
        } else refused++;
      }),
      { numRuns: 3000 },
    );
    // Both ways were taken many times (the generators reach both sides of every limit). Accepted
    // over 25 seeds: 292–354 of 3,000 (300 failed one CI run in a few), so half of that.
    expect(accepted).toBeGreaterThan(150);
    expect(refused).toBeGreaterThan(300);
  });

  it('accepts a camera row exactly when the schema accepts it as it is', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(
        cameraRow,
        fc.array(tampering, { maxLength: 2 }),
        rowLength,
        (generated, tamperings, length) => {
          const row = asSent(generated) as unknown[];
          if (length?.how === 'push') row.push(length.value);
          if (length?.how === 'pop') row.pop();
          // After the length: a `__proto__` tampering may take the array's methods away.
          for (const t of tamperings) tamper(row as unknown as Json, t);
          const sent = asSent(row);
          const fast: CameraRow | null = checkedCameraRow(sent);
          expect(fast !== null).toBe(schemaKeeps(sent, cameraRowSchema));
          if (fast) {
            // The row itself, not a copy.
            expect(fast).toBe(sent);
            accepted++;
          } else refused++;
        },
      ),
      { numRuns: 3000 },
    );
    // Fewer than for records: more of a row's tamperings reach a checked value (219–289 over
    // 25 seeds, so 200 was as tight).
    expect(accepted).toBeGreaterThan(120);
    expect(refused).toBeGreaterThan(300);
  });

  it('leaves other changes to the schema', () => {
    const tenant = { op: 'upsert', row: { id: 't' } };
    const role = {
      op: 'record',
      record: { kind: 'role', id: 'r', tenantId: 't', data: {}, createdAt: '', updatedAt: '' },
    };
    for (const change of [tenant, role, { op: 'recordDelete', kind: 'camera', id: 'c' }, null, 3])
      expect(checkedCameraRecord(change)).toBeNull();
    for (const row of [null, {}, 'row', [], { length: 18 }])
      expect(checkedCameraRow(row)).toBeNull();
  });
});
