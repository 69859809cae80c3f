/**
 * Effective-access figures of the users-and-roles issue: the access matrix of a customer with 200
 * cameras and 50 users, and one (user, action, camera) check through the service on the
 * 1,000,000-camera seed.
 */
import path from 'node:path';
import { openCore } from '../electron/app/core';
import { CAMERA_RIGHTS, CAMERA_RIGHT_IDS } from '../shared/people';
import { accessMatrix } from '../shared/user-access';
import { atMost, percentile, type Figures } from './lib';
import { copySeed, ensureSeed } from './seed';

const WORK = path.resolve('bench/.work');

export async function run(): Promise<Figures> {
  const figures: Figures = {};
  const seed = ensureSeed();
  const dir = copySeed(path.join(WORK, 'people-seed'));
  const core = openCore({ dataDir: dir, host: 'browser', version: 'bench', actor: 'bench' });
  const { people, db } = core;
  try {
    // A customer with 200 cameras and 50 users in 5 roles (10 each), every role with rights on
    // 60 cameras, written straight into the copied seed.
    const customerId = 'cus-bench-people';
    const parent = db
      .prepare('SELECT id, path, depth FROM tenants WHERE id = ?')
      .get(seed.bigIntegratorId) as {
      id: string;
      path: string;
      depth: number;
    };
    const now = new Date().toISOString();
    let sampleUserId = '';
    db.transaction(() => {
      db.prepare(
        `INSERT INTO tenants (id, kind, parent_id, path, depth, name, name_key, created_at, updated_at)
         VALUES (?, 'customer', ?, ?, ?, 'People Bench', 'people bench', ?, ?)`,
      ).run(customerId, parent.id, `${parent.path}${customerId}/`, parent.depth + 1, now, now);
      const cam = db.prepare(
        `INSERT INTO cameras (id, customer_id, name, kind, enabled, recording, created_at, updated_at)
         VALUES (?, ?, ?, 'onvif', ?, 1, ?, ?)`,
      );
      for (let i = 0; i < 200; i++)
        cam.run(`pb-cam-${i}`, customerId, `Camera ${i}`, i % 23 === 0 ? 0 : 1, now, now);
      const user = db.prepare(
        `INSERT INTO users (id, tenant_id, name, login, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      );
      for (let i = 0; i < 50; i++)
        user.run(
          `pb-usr-${i}`,
          customerId,
          `User ${i}`,
          `pb${i}@example.com`,
          i % 17 === 0 ? 0 : 1,
          now,
          now,
        );
      const role = db.prepare(
        `INSERT INTO roles (id, tenant_id, name, type, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
      );
      const member = db.prepare('INSERT INTO role_users (role_id, user_id) VALUES (?, ?)');
      const grant = db.prepare(
        'INSERT INTO role_cameras (role_id, camera_id, rights) VALUES (?, ?, ?)',
      );
      for (let r = 0; r < 5; r++) {
        role.run(`pb-role-${r}`, customerId, `Role ${r}`, r % 2 ? 'guard' : 'admin', now, now);
        for (let u = r * 10; u < r * 10 + 10; u++) member.run(`pb-role-${r}`, `pb-usr-${u}`);
        for (let c = 0; c < 60; c++)
          grant.run(`pb-role-${r}`, `pb-cam-${(r * 37 + c) % 200}`, 1 + ((r + c) % 31));
      }
      // Rights on the seed's sample camera for one of its customer's users, for the point check.
      const sample = db
        .prepare('SELECT customer_id FROM cameras WHERE id = ?')
        .get(seed.sampleCameraId) as {
        customer_id: string;
      };
      const sampleUser = db
        .prepare('SELECT id FROM users WHERE tenant_id = ? LIMIT 1')
        .get(sample.customer_id) as {
        id: string;
      };
      role.run('pb-sample-role', sample.customer_id, 'Sample viewers', 'admin', now, now);
      member.run('pb-sample-role', sampleUser.id);
      grant.run('pb-sample-role', seed.sampleCameraId, 1 | 2 | 16);
      db.prepare(
        'UPDATE tenants SET module_overrides = \'{"camera_sharing":false}\' WHERE id = ?',
      ).run(parent.id);
      sampleUserId = sampleUser.id;
    })();

    // Matrix: 50 users × 200 cameras × 5 rights as compact cells, from the facts loaded in one go
    // (a cell's explanation is computed when a person opens it).
    const computeTimes: number[] = [];
    const totalTimes: number[] = [];
    let cells = 0;
    for (let i = 0; i < 40; i++) {
      const t0 = performance.now();
      const facts = people.customerAccessFacts(customerId);
      const t1 = performance.now();
      cells = accessMatrix(facts.customer, facts.users, facts.cameras).codes.length;
      const t2 = performance.now();
      if (i >= 5) {
        computeTimes.push(t2 - t1);
        totalTimes.push(t2 - t0);
      }
    }
    if (cells !== 50 * 200 * CAMERA_RIGHTS.length) throw new Error(`matrix has ${cells} cells`);
    figures.access_matrix_200cams_50users_ms = atMost(percentile(computeTimes, 50), 20, 'ms');
    figures.access_matrix_200cams_50users_with_load_ms = atMost(
      percentile(totalTimes, 50),
      20,
      'ms',
    );

    // One (user, action, camera) check through the service, SQL included, on the 1M-camera seed.
    const times: number[] = [];
    let allowed = 0;
    for (let i = 0; i < 20_000; i++) {
      const action = CAMERA_RIGHT_IDS[i % CAMERA_RIGHT_IDS.length] ?? 'view';
      const t0 = performance.now();
      const d = people.explain(sampleUserId, action, seed.sampleCameraId);
      times.push(performance.now() - t0);
      if (d.allowed) allowed++;
    }
    if (allowed === 0) throw new Error('the point check never granted anything');
    figures.access_check_1m_seed_ms = atMost(percentile(times.slice(2000), 50), 0.05, 'ms');
    figures.access_check_1m_seed_p95_ms = {
      value: Math.round(percentile(times.slice(2000), 95) * 1000) / 1000,
      unit: 'ms',
    };
  } finally {
    core.close();
  }
  return figures;
}
