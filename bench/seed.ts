/**
 * The large-partner seed of the tenants issue: 1,000 integrators (depth up to 6), 100,000
 * customers, 1,000,000 cameras and 300,000 users, written straight into a database file through
 * the app's own migrations. Built once into bench/.work and reused while the schema is unchanged.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../electron/db/connection';
import { databaseFile } from '../electron/app/paths';

export const SEED_DIR = path.resolve('bench/.work/seed');
// Copies are migrated when opened, so a new migration does not force a new seed.
export const SEED_VERSION = 'v5-4';

export interface SeedInfo {
  dataDir: string;
  /** An integrator whose subtree holds 10,000 customers and 100,000 cameras. */
  bigIntegratorId: string;
  /** A customer with 1,000 cameras. */
  bigCustomerId: string;
  /** A customer at depth 6 (five integrators above it, plus the root). */
  deepCustomerId: string;
  /** A camera and a customer for point checks. */
  sampleCameraId: string;
}

const pad = (n: number, w = 6) => String(n).padStart(w, '0');
const WORDS = [
  'Alpha',
  'Bravo',
  'Cedar',
  'Delta',
  'Echo',
  'Falcon',
  'Granite',
  'Harbor',
  'Iris',
  'Juniper',
  'Kestrel',
  'Lumen',
  'Maple',
  'Nova',
  'Orchid',
  'Pine',
  'Quartz',
  'Raven',
  'Summit',
  'Tundra',
];
const KINDS = [
  'Home',
  'Bakery',
  'Dental',
  'Garage',
  'Pharmacy',
  'Warehouse',
  'Office',
  'School',
  'Hotel',
  'Clinic',
];

export function ensureSeed(log: (s: string) => void = console.error): SeedInfo {
  const infoFile = path.join(SEED_DIR, `seed-${SEED_VERSION}.json`);
  if (fs.existsSync(infoFile)) return JSON.parse(fs.readFileSync(infoFile, 'utf8')) as SeedInfo;
  fs.rmSync(SEED_DIR, { recursive: true, force: true });
  fs.mkdirSync(SEED_DIR, { recursive: true });
  const t0 = performance.now();
  const { db } = openDatabase({ file: databaseFile(SEED_DIR) });
  db.pragma('synchronous = OFF');
  const now = new Date();
  const iso = (daysAgo: number) => new Date(now.getTime() - daysAgo * 86_400_000).toISOString();
  const insertTenant = db.prepare(
    `INSERT INTO tenants (id, kind, parent_id, path, depth, name, name_key, email, time_zone, created_at, updated_at, camera_count, user_count)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'Europe/Berlin', ?, ?, ?, ?)`,
  );
  const insertCamera = db.prepare(
    `INSERT INTO cameras (id, customer_id, name, kind, address, model, enabled, recording, created_at, updated_at)
     VALUES (?, ?, ?, 'onvif', ?, 'Seed cam', ?, ?, ?, ?)`,
  );
  const insertUser = db.prepare(
    `INSERT INTO users (id, tenant_id, name, login, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
  );
  // Counters are written directly: the triggers would double them.
  db.exec('DROP TRIGGER cameras_count_ins; DROP TRIGGER users_count_ins;');

  const info: Partial<SeedInfo> = { dataDir: SEED_DIR };
  db.transaction(() => {
    insertTenant.run(
      'root',
      'root',
      null,
      '/root/',
      0,
      'My partner account',
      'my partner account',
      '',
      iso(800),
      iso(800),
      0,
      0,
    );
    // Integrators: 10 chains of depth 5 (for the depth-6 customers), the rest spread at depth 1–3.
    const integrators: { id: string; path: string; depth: number }[] = [];
    let n = 0;
    const addIntegrator = (parent: { id: string; path: string; depth: number }) => {
      const id = `int-${pad(n)}`;
      const name = `${WORDS[n % WORDS.length]} Integrator ${n}`;
      const node = { id, path: `${parent.path}${id}/`, depth: parent.depth + 1 };
      insertTenant.run(
        id,
        'integrator',
        parent.id,
        node.path,
        node.depth,
        name,
        name.toLowerCase(),
        `int${n}@example.com`,
        iso(700 - (n % 600)),
        iso(10),
        0,
        0,
      );
      integrators.push(node);
      n++;
      return node;
    };
    const root = { id: 'root', path: '/root/', depth: 0 };
    for (let c = 0; c < 10; c++) {
      let parent = root;
      for (let d = 0; d < 5; d++) parent = addIntegrator(parent);
    }
    while (integrators.length < 999) {
      const parent = n % 3 === 0 ? root : (integrators[(n * 7919) % integrators.length] ?? root);
      addIntegrator(parent.depth >= 3 ? root : parent);
    }
    // The big integrator: a top-level one of its own with 10,000 customers x 10 cameras below it.
    const others = [...integrators];
    const big = addIntegrator(root);
    info.bigIntegratorId = big.id;
    const deepParents = integrators.filter((i) => i.depth === 5);
    let cam = 0;
    let user = 0;
    for (let c = 0; c < 100_000; c++) {
      const parent =
        c < 10_000
          ? big
          : c < 10_100
            ? (deepParents[c % deepParents.length] ?? big)
            : (others[(c * 104729) % others.length] ?? big);
      const id = `cus-${pad(c)}`;
      const name = `${WORDS[c % WORDS.length]} ${KINDS[(c >> 3) % KINDS.length]} ${c}`;
      const cameras = c === 10_000 + 100 ? 1000 : 10;
      const users = 3;
      const created = iso(c % 700);
      insertTenant.run(
        id,
        'customer',
        parent.id,
        `${parent.path}${id}/`,
        parent.depth + 1,
        name,
        name.toLowerCase(),
        `owner${c}@example.com`,
        created,
        created,
        cameras,
        users,
      );
      if (c === 10_000 + 100) info.bigCustomerId = id;
      if (c === 10_000) info.deepCustomerId = id;
      for (let k = 0; k < cameras; k++, cam++) {
        const enabled = cam % 17 === 0 ? 0 : 1;
        insertCamera.run(
          `cam-${pad(cam, 7)}`,
          id,
          `Camera ${k + 1}`,
          `10.${(cam >> 16) & 255}.${(cam >> 8) & 255}.${cam & 255}`,
          enabled,
          enabled,
          created,
          created,
        );
      }
      for (let u = 0; u < users; u++, user++)
        insertUser.run(
          `usr-${pad(user, 7)}`,
          id,
          `User ${user}`,
          `user${user}@example.com`,
          created,
          created,
        );
    }
    info.sampleCameraId = 'cam-0000500';
    log(`seed: ${integrators.length} integrators, 100000 customers, ${cam} cameras, ${user} users`);
  })();
  db.exec(`
    CREATE TRIGGER cameras_count_ins AFTER INSERT ON cameras
    WHEN NOT EXISTS (SELECT 1 FROM tenants_counts_deferred) BEGIN
      UPDATE tenants SET camera_count = camera_count + 1 WHERE id = NEW.customer_id;
    END;
    CREATE TRIGGER users_count_ins AFTER INSERT ON users
    WHEN NOT EXISTS (SELECT 1 FROM tenants_counts_deferred) BEGIN
      UPDATE tenants SET user_count = user_count + 1 WHERE id = NEW.tenant_id;
    END;`);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.exec('ANALYZE');
  db.close();
  fs.writeFileSync(infoFile, JSON.stringify(info));
  log(`seed: built in ${Math.round((performance.now() - t0) / 1000)} s`);
  return info as SeedInfo;
}

/** A private copy of the seed for benchmarks that change it. */
export function copySeed(to: string): string {
  fs.rmSync(to, { recursive: true, force: true });
  fs.mkdirSync(to, { recursive: true });
  for (const f of fs.readdirSync(SEED_DIR))
    if (f.endsWith('.sqlite')) fs.copyFileSync(path.join(SEED_DIR, f), path.join(to, f));
  return to;
}
