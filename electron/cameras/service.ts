import { randomUUID } from 'node:crypto';
import { AppError, fieldError } from '../../shared/errors';
import type { Camera, CreateManualCamera } from '../../shared/cameras';
import { isModuleEffective } from '../../shared/access';
import type { TenancyService, ServiceContext } from '../tenancy/service';

interface CameraRecord {
  id: string;
  customer_id: string;
  name: string;
  kind: Camera['kind'];
  address: string;
  model: string;
  enabled: number;
  recording: number;
  last_seen_at: string | null;
  created_at: string;
}

const toCamera = (r: CameraRecord): Camera => ({
  id: r.id,
  customerId: r.customer_id,
  name: r.name,
  kind: r.kind,
  address: r.address,
  model: r.model,
  enabled: r.enabled === 1,
  recording: r.recording === 1,
  lastSeenAt: r.last_seen_at,
  createdAt: r.created_at,
});

/** A customer's cameras: its own enabled switch, and the effective recording state. */
export class CameraService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly tenancy: TenancyService,
  ) {}

  private require(id: string): CameraRecord {
    const row = this.ctx.db.prepare('SELECT * FROM cameras WHERE id = ?').get(id) as
      CameraRecord | undefined;
    if (!row)
      throw new AppError(
        'NOT_FOUND',
        `No camera with id ${id} exists (it may have been removed). Refresh the list.`,
      );
    return row;
  }

  list(customerId: string): Camera[] {
    this.tenancy.require(customerId);
    const rows = this.ctx.db
      .prepare('SELECT * FROM cameras WHERE customer_id = ? ORDER BY name COLLATE NOCASE, id')
      .all(customerId) as CameraRecord[];
    return rows.map(toCamera);
  }

  addManual(input: CreateManualCamera): Camera {
    const url = new URL(input.streamUrl);
    if (url.username || url.password) {
      // Credentials never go into the database in clear text.
      throw fieldError(
        'streamUrl',
        'Remove the user name and password from the URL: camera credentials are stored separately, encrypted.',
      );
    }
    const id = randomUUID();
    this.ctx.db.transaction(() => {
      const customer = this.tenancy.require(input.customerId);
      if (customer.kind !== 'customer')
        throw new AppError('VALIDATION', 'Cameras belong to customers, not integrators.');
      if (!isModuleEffective(this.tenancy.chainOf(customer), 'add_rtsp_camera')) {
        throw new AppError(
          'MODULE_OFF',
          `Add generic RTSP camera is switched off for ${customer.name} (or an integrator above it). Switch the module on first.`,
        );
      }
      const now = this.ctx.now();
      this.ctx.db
        .prepare(
          `INSERT INTO cameras (id, customer_id, name, kind, address, model, enabled, recording, created_at, updated_at)
           VALUES (?, ?, ?, 'rtsp', ?, 'Generic RTSP', 1, ?, ?, ?)`,
        )
        .run(id, customer.id, input.name, url.toString(), customer.disabled_by ? 0 : 1, now, now);
      this.tenancy.audit.write({
        actor: this.ctx.actor(),
        at: now,
        tenantId: customer.id,
        tenantName: customer.name,
        operation: 'camera.add',
        summary: `Added RTSP camera ${input.name} to ${customer.name}`,
        after: { id, name: input.name, address: url.toString() },
      });
    })();
    this.tenancy.lists.invalidate();
    return toCamera(this.require(id));
  }

  setEnabled(id: string, enabled: boolean): Camera {
    this.ctx.db.transaction(() => {
      const cam = this.require(id);
      const customer = this.tenancy.require(cam.customer_id);
      if (enabled && customer.disabled_by) {
        const by = this.tenancy.require(customer.disabled_by);
        throw new AppError(
          'TENANT_DISABLED',
          by.id === customer.id
            ? `${customer.name} is disabled, so its cameras cannot record. Enable the customer first.`
            : `${customer.name} is disabled through ${by.name}. Enable ${by.name} first.`,
        );
      }
      if ((cam.enabled === 1) === enabled) return;
      const now = this.ctx.now();
      this.ctx.db
        .prepare('UPDATE cameras SET enabled = ?, recording = ?, updated_at = ? WHERE id = ?')
        .run(enabled ? 1 : 0, enabled && !customer.disabled_by ? 1 : 0, now, id);
      this.tenancy.audit.write({
        actor: this.ctx.actor(),
        at: now,
        tenantId: customer.id,
        tenantName: customer.name,
        operation: enabled ? 'camera.enable' : 'camera.disable',
        summary: `${enabled ? 'Enabled' : 'Disabled'} camera ${cam.name}`,
        before: { enabled: cam.enabled === 1 },
        after: { enabled },
      });
    })();
    return toCamera(this.require(id));
  }

  remove(id: string): void {
    this.ctx.db.transaction(() => {
      const cam = this.require(id);
      const customer = this.tenancy.require(cam.customer_id);
      this.ctx.db.prepare('DELETE FROM cameras WHERE id = ?').run(id);
      this.tenancy.audit.write({
        actor: this.ctx.actor(),
        at: this.ctx.now(),
        tenantId: customer.id,
        tenantName: customer.name,
        operation: 'camera.remove',
        summary: `Removed camera ${cam.name}`,
        before: toCamera(cam),
      });
    })();
    this.tenancy.lists.invalidate();
  }
}
