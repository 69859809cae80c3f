/** Service-layer figures of the foundation and tenants issues, on real SQLite files. */
import fs from 'node:fs';
import path from 'node:path';
import { openCore } from '../electron/app/core';
import { createTenantSchema } from '../shared/tenancy';
import { atLeast, atMost, percentile, type Figures } from './lib';
import { copySeed, ensureSeed } from './seed';

const WORK = path.resolve('bench/.work');

export async function run(): Promise<Figures> {
  const figures: Figures = {};

  // Create 10,000 customers through the service layer: one import transaction (createMany), and
  // one durable transaction per customer through the API dispatcher (what the Add dialog does).
  {
    const dir = path.join(WORK, 'create');
    fs.rmSync(dir, { recursive: true, force: true });
    const core = openCore({ dataDir: dir, host: 'browser', version: 'bench', actor: 'bench' });
    const inputs = Array.from({ length: 10_000 }, (_, i) =>
      createTenantSchema.parse({
        kind: 'customer',
        name: `Imported ${i}`,
        email: `i${i}@example.com`,
        timeZone: 'Europe/Berlin',
      }),
    );
    let t0 = performance.now();
    core.tenancy.createMany(inputs);
    figures.create_10k_customers_per_s = atLeast(
      10_000 / ((performance.now() - t0) / 1000),
      5000,
      'customers/s',
    );
    t0 = performance.now();
    for (let i = 0; i < 2000; i++) {
      const env = await core.dispatch('tenants.create', {
        kind: 'customer',
        name: `Customer ${i}`,
        email: `c${i}@example.com`,
        timeZone: 'Europe/Berlin',
      });
      if (!env.ok) throw new Error(env.error.message);
    }
    figures.create_customer_one_transaction_each_per_s = {
      value: Math.round(2000 / ((performance.now() - t0) / 1000)),
      unit: 'customers/s',
    };
    core.close();
  }

  const seed = ensureSeed();
  const dir = copySeed(path.join(WORK, 'core-seed'));
  const core = openCore({ dataDir: dir, host: 'browser', version: 'bench', actor: 'bench' });
  const t = core.tenancy;

  // List + search over 100,000 customers (one page of 100 and the total, like the screen asks).
  {
    const queries = [
      {},
      { search: 'bakery' },
      { search: 'alpha home 1' },
      { search: 'zzz-no-match' },
      { search: 'owner4242@' },
      { search: 'a' },
      { kind: 'customer' as const, status: 'active' as const },
      { sort: 'created' as const, direction: 'desc' as const },
      { sort: 'cameras' as const, direction: 'desc' as const },
      { offset: 50_000 },
      { scopeId: seed.bigIntegratorId, search: 'pine' },
      { status: 'disabled' as const },
    ];
    const times: number[] = [];
    const searchTimes: number[] = [];
    for (let round = 0; round < 15; round++) {
      for (const q of queries) {
        const t0 = performance.now();
        const env = await core.dispatch('tenants.list', q);
        const ms = performance.now() - t0;
        if (!env.ok) throw new Error(env.error.message);
        if (round > 0) {
          times.push(ms);
          if ('search' in q) searchTimes.push(ms);
        }
      }
    }
    figures.list_query_p95_ms = atMost(percentile(times, 95), 30, 'ms');
    figures.search_query_p95_ms = atMost(percentile(searchTimes, 95), 30, 'ms');
  }

  // Effective modules for a customer at depth 6.
  {
    const deep = t.get(seed.deepCustomerId);
    if (deep.depth !== 6) throw new Error(`seed customer is at depth ${deep.depth}, not 6`);
    t.setModule(deep.ancestors[2]?.id ?? '', 'clips', false);
    const times: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const t0 = performance.now();
      t.modules(seed.deepCustomerId);
      times.push(performance.now() - t0);
    }
    figures.effective_modules_depth6_ms = atMost(percentile(times, 50), 0.2, 'ms');
    figures.effective_modules_depth6_p95_ms = {
      value: Math.round(percentile(times, 95) * 1000) / 1000,
      unit: 'ms',
    };
  }

  // Disable / enable a customer with 1,000 cameras, and an integrator subtree.
  {
    const impact = t.impact(seed.bigCustomerId);
    let t0 = performance.now();
    t.disable(seed.bigCustomerId);
    figures.disable_customer_1000_cameras_ms = atMost(performance.now() - t0, 50, 'ms');
    t0 = performance.now();
    t.enable(seed.bigCustomerId, 'restore_previous');
    figures.enable_customer_1000_cameras_ms = {
      value: Math.round(performance.now() - t0),
      unit: 'ms',
    };
    figures.big_customer_cameras = { value: impact.cameras, unit: 'cameras' };

    const sub = t.impact(seed.bigIntegratorId);
    t0 = performance.now();
    t.disable(seed.bigIntegratorId);
    figures.disable_integrator_subtree_ms = atMost(performance.now() - t0, 2000, 'ms');
    t0 = performance.now();
    t.enable(seed.bigIntegratorId, 'enable_all_cameras');
    figures.enable_integrator_subtree_ms = {
      value: Math.round(performance.now() - t0),
      unit: 'ms',
    };
    figures.big_integrator_customers = { value: sub.customers, unit: 'customers' };
    figures.big_integrator_cameras = { value: sub.cameras, unit: 'cameras' };
  }
  core.close();
  return figures;
}
