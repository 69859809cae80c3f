import { describe, expect, it } from 'vitest';
import { startHostProcess, tempDataDir, type HostProcess } from '../../support/host-process';
import { openTestCore, customer, integrator } from '../../support/core';

const post = (h: HostProcess, method: string, input: unknown) =>
  fetch(`${h.origin}/api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${h.token}` },
    body: JSON.stringify(input),
  }).then(
    async (r) =>
      (await r.json()) as { ok: boolean; result?: { id: string }; error?: { code: string } },
  );

describe('concurrent edits', () => {
  it('two app processes on one database: every change lands, names stay unique, nothing is corrupted', async () => {
    const dataDir = tempDataDir();
    const first = await startHostProcess({ dataDir });
    const second = await startHostProcess({ dataDir });
    try {
      const north = await post(first, 'tenants.create', integrator('North'));
      const northId = north.result?.id ?? '';
      const writes: Promise<{ ok: boolean; error?: { code: string } }>[] = [];
      for (let i = 0; i < 60; i++) {
        writes.push(
          post(
            i % 2 ? first : second,
            'tenants.create',
            customer(`Shop ${i}`, { parentId: northId }),
          ),
        );
        // Both processes race to create the same name: exactly one may win.
        writes.push(
          post(i % 2 ? second : first, 'tenants.create', customer(`Contested ${i % 10}`)),
        );
        if (i % 15 === 0)
          writes.push(
            post(
              first,
              i % 30 ? 'tenants.disable' : 'tenants.update',
              i % 30 ? { id: northId } : { id: northId, phone: '+1 555 010 2030' },
            ),
          );
      }
      const results = await Promise.all(writes);
      const refused = results.filter((r) => !r.ok);
      for (const r of refused)
        expect(['VALIDATION', 'CONFLICT', 'PARENT_DISABLED']).toContain(r.error?.code);
    } finally {
      await first.stop();
      await second.stop();
    }
    const core = openTestCore(dataDir);
    try {
      expect(core.db.pragma('integrity_check', { simple: true })).toBe('ok');
      const names = core.db
        .prepare("SELECT name FROM tenants WHERE kind = 'customer' AND parent_id = 'root'")
        .all() as { name: string }[];
      expect(names.filter((n) => n.name.startsWith('Contested')).length).toBe(10);
      const audit = (
        core.db
          .prepare("SELECT COUNT(*) AS n FROM audit WHERE operation = 'tenant.create'")
          .get() as { n: number }
      ).n;
      const tenants = (
        core.db.prepare("SELECT COUNT(*) AS n FROM tenants WHERE kind != 'root'").get() as {
          n: number;
        }
      ).n;
      // Each created tenant has exactly one audit entry: no half-applied create.
      expect(audit).toBe(tenants);
    } finally {
      core.close();
    }
  });
});
