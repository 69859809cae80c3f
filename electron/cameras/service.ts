import { AppError, fieldError } from '../../shared/errors';
import { newId } from '../../shared/ids';
import { endpointIndexAside } from '../db/first-pull-indexes';
import type {
  AddPnpCamera,
  AttachOnvif,
  AttachResult,
  Camera,
  CameraCredentials,
  CreateManualCamera,
  DiscoveredDeviceView,
  UpdateCamera,
} from '../../shared/cameras';
import type { EventName, EventPayload } from '../../shared/contract';
import { isModuleEffective } from '../../shared/access';
import { moduleInfo, type ModuleId } from '../../shared/modules';
import { mapWithConcurrency } from '../onvif/concurrency';
import { tryCredentials } from '../onvif/inspect';
import type { SecretBox } from '../secrets/secret-box';
import type { TenantRecord } from '../tenancy/repository';
import type { TenancyService, ServiceContext } from '../tenancy/service';
import {
  checkTcpReachable,
  chooseRecordingProfile,
  examineOnvifCamera,
  statusForError,
  type DeviceReport,
  type OnboardingOptions,
} from './onboarding';
import { CameraRepository, toCamera, type CameraRecord, type CheckOutcome } from './repository';
import { SiteScan, type SiteScanConfig } from './site-scan';

export interface CameraServiceOptions {
  secrets: SecretBox;
  discovery?: SiteScanConfig;
  onboarding?: OnboardingOptions;
  emit?: <E extends EventName>(name: E, payload: EventPayload<E>) => void;
}

/** How many cameras a bulk attach talks to at once (each is a handful of SOAP calls). */
const ATTACH_CONCURRENCY = 4;

/**
 * A customer's cameras: onboarding (ONVIF, generic RTSP, P&P) gated by the customer's effective
 * modules, the camera's own enabled switch and the effective recording state, re-checks, and the
 * Site scan session. Logins are stored only as SecretBox ciphertext.
 */
export class CameraService {
  readonly repo: CameraRepository;
  readonly siteScan: SiteScan;
  private readonly secrets: SecretBox;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly tenancy: TenancyService,
    private readonly options: CameraServiceOptions,
  ) {
    this.repo = new CameraRepository(ctx.db);
    this.secrets = options.secrets;
    this.siteScan = new SiteScan(
      options.discovery ?? {},
      (d) => this.attachedTo(d),
      (name, payload) => options.emit?.(name, payload),
    );
  }

  private require(id: string): CameraRecord {
    const row = this.repo.get(id);
    if (!row)
      throw new AppError(
        'NOT_FOUND',
        `No camera with id ${id} exists (it may have been removed). Refresh the list.`,
      );
    return row;
  }

  /** The customer, when the module is effective for it; the reasons a person can act on otherwise. */
  private requireCustomerWith(customerId: string, module: ModuleId): TenantRecord {
    const customer = this.tenancy.require(customerId);
    if (customer.kind !== 'customer')
      throw new AppError('VALIDATION', 'Cameras belong to customers, not integrators.');
    if (!isModuleEffective(this.tenancy.chainOf(customer), module)) {
      throw new AppError(
        'MODULE_OFF',
        `${moduleInfo(module).label} is switched off for ${customer.name} (or an integrator above it). Switch the module on first.`,
      );
    }
    return customer;
  }

  private countsChanged(customerId: string): void {
    this.tenancy.lists.invalidate();
    this.ctx.onTenantsChanged?.([customerId]);
  }

  private sealCredentials(c: CameraCredentials): string | null {
    if (c.username === '' && c.password === '') return null;
    return this.secrets.encrypt(JSON.stringify({ username: c.username, password: c.password }));
  }

  private openCredentials(cam: CameraRecord): CameraCredentials | null {
    if (cam.credentials_enc === null) return null;
    const parsed = JSON.parse(this.secrets.decrypt(cam.credentials_enc)) as Partial<
      CameraCredentials & { activationCode: string }
    >;
    return { username: parsed.username ?? '', password: parsed.password ?? '' };
  }

  private attachedTo(d: {
    endpointReference: string;
    xaddrs: string[];
  }): DiscoveredDeviceView['attachedTo'] {
    // While a first sync has the endpoint's index aside, a lookup by endpoint reads every camera
    // (~0.1 s with 500,000), once per device of the scan: by address only until it is back.
    const byEndpoint = endpointIndexAside(this.ctx.db) ? [] : [null];
    for (const xaddr of [...byEndpoint, ...d.xaddrs]) {
      const hit = this.repo.findAttachedWithCustomer(
        xaddr === null ? d.endpointReference : null,
        xaddr,
      );
      if (hit) return hit;
    }
    return null;
  }

  list(customerId: string): Camera[] {
    this.tenancy.require(customerId);
    return this.repo.listByCustomer(customerId);
  }

  get(id: string): Camera {
    return toCamera(this.require(id));
  }

  addManual(input: CreateManualCamera): Camera {
    const url = new URL(input.streamUrl);
    if (url.username || url.password) {
      // Credentials never go into the database in clear text.
      throw fieldError(
        'streamUrl',
        'Remove the user name and password from the URL: enter them in the fields below, they are stored encrypted.',
      );
    }
    const id = newId();
    const sealed = this.sealCredentials(input);
    this.ctx.db.transaction(() => {
      const customer = this.requireCustomerWith(input.customerId, 'add_rtsp_camera');
      const now = this.ctx.now();
      this.repo.insert({
        ...this.blank(id, customer, now),
        name: input.name,
        kind: 'rtsp',
        address: url.toString(),
        model: 'Generic RTSP',
        stream_uri: url.toString(),
        username: input.username,
        credentials_enc: sealed,
      });
      this.ctx.recordRecord?.({ kind: 'camera', id, fields: 'all' });
      this.tenancy.audit.write({
        actor: this.ctx.actor(),
        at: now,
        tenantId: customer.id,
        tenantName: customer.name,
        operation: 'camera.add',
        summary: `Added RTSP camera ${input.name} to ${customer.name}`,
        after: { id, name: input.name, address: url.toString(), username: input.username },
      });
    })();
    this.countsChanged(input.customerId);
    return this.get(id);
  }

  addPnp(input: AddPnpCamera): Camera {
    const id = newId();
    const sealed = this.secrets.encrypt(JSON.stringify({ activationCode: input.activationCode }));
    this.ctx.db.transaction(() => {
      const customer = this.requireCustomerWith(input.customerId, 'add_pnp_camera');
      const taken = this.ctx.db
        .prepare('SELECT id FROM cameras WHERE pnp_cloud_id = ?')
        .get(input.cloudId);
      if (taken)
        throw fieldError('cloudId', `The P&P camera ${input.cloudId} is already attached.`);
      const now = this.ctx.now();
      this.repo.insert({
        ...this.blank(id, customer, now),
        name: input.name,
        kind: 'pnp',
        address: input.cloudId,
        model: 'P&P camera',
        pnp_cloud_id: input.cloudId,
        credentials_enc: sealed,
        last_error: 'Waiting for the camera to come online in the P&P cloud.',
      });
      this.ctx.recordRecord?.({ kind: 'camera', id, fields: 'all' });
      this.tenancy.audit.write({
        actor: this.ctx.actor(),
        at: now,
        tenantId: customer.id,
        tenantName: customer.name,
        operation: 'camera.add',
        summary: `Added P&P camera ${input.name} (${input.cloudId}) to ${customer.name}`,
        after: { id, name: input.name, cloudId: input.cloudId },
      });
    })();
    this.countsChanged(input.customerId);
    return this.get(id);
  }

  /** Logs in to each selected ONVIF device and attaches it; one result per device, in order. */
  async attachOnvif(input: AttachOnvif): Promise<{ results: AttachResult[] }> {
    const customer = this.requireCustomerWith(input.customerId, 'add_onvif_camera');
    const results = await mapWithConcurrency(input.devices, ATTACH_CONCURRENCY, async (device) => {
      const failed = (code: string, message: string, extra: Partial<AttachResult> = {}) => ({
        xaddr: device.xaddr,
        ok: false,
        error: { code, message },
        findings: [],
        ...extra,
      });
      const already = this.repo.findAttachedWithCustomer(
        device.endpointReference ?? null,
        device.xaddr,
      );
      if (already)
        return failed(
          'CONFLICT',
          `This camera is already attached to ${already.customerName}. Remove it there first.`,
        );
      const report = await examineOnvifCamera(
        device.xaddr,
        input.credentials,
        this.options.onboarding,
      );
      if (!report.ok) return failed(report.error.code, report.error.message);
      try {
        const camera = this.insertOnvif(customer.id, device, report.value);
        return {
          xaddr: device.xaddr,
          ok: true,
          camera,
          findings: report.value.findings,
          clockSkewMs: report.value.clockSkewMs,
        };
      } catch (err) {
        if (err instanceof AppError)
          return failed(err.code, err.message, { findings: report.value.findings });
        const code = (err as { code?: unknown } | null)?.code;
        if (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT'))
          return failed('CONFLICT', 'This camera was attached meanwhile (another window?).');
        throw err;
      }
    });
    if (results.some((r) => r.ok)) this.countsChanged(customer.id);
    return { results };
  }

  private insertOnvif(
    customerId: string,
    device: AttachOnvif['devices'][number],
    report: DeviceReport,
  ): Camera {
    const id = newId();
    const host = new URL(device.xaddr).host;
    const info = report.deviceInfo;
    const model = [info.manufacturer, info.model].filter(Boolean).join(' ') || 'ONVIF camera';
    const name = (device.name ?? '').trim() || `${info.model || 'Camera'} ${host}`;
    const profile = report.profiles.find((p) => p.token === report.recordingProfile);
    this.ctx.db.transaction(() => {
      // Checked again inside the transaction: the customer may have gone while we talked to it,
      // and the camera may have been attached meanwhile (the endpoint's unique index would say
      // so too, but not while a first sync has set it aside: db/first-pull-indexes.ts).
      const customer = this.requireCustomerWith(customerId, 'add_onvif_camera');
      const taken = device.endpointReference
        ? this.repo.findAttachedWithCustomer(device.endpointReference, null)
        : null;
      if (taken)
        throw new AppError(
          'CONFLICT',
          `This camera was attached to ${taken.customerName} meanwhile. Remove it there first.`,
        );
      const now = this.ctx.now();
      this.repo.insert({
        ...this.blank(id, customer, now),
        name: name.slice(0, 120),
        kind: 'onvif',
        address: device.xaddr,
        model,
        last_seen_at: now,
        xaddr: device.xaddr,
        endpoint_ref: device.endpointReference ?? null,
        device_info: JSON.stringify(info),
        mac: report.mac,
        profiles: JSON.stringify(report.profiles),
        stream_uri: profile?.streamUri ?? null,
        recording_profile: report.recordingProfile,
        username: report.credentials.username,
        credentials_enc: this.sealCredentials(report.credentials),
        snapshot: report.snapshot,
        snapshot_at: report.snapshot ? now : null,
        status: 'online',
        last_check_at: now,
        last_error: report.warnings[0] ?? null,
        clock_skew_ms: Math.round(report.clockSkewMs),
      });
      this.ctx.recordRecord?.({ kind: 'camera', id, fields: 'all' });
      this.tenancy.audit.write({
        actor: this.ctx.actor(),
        at: now,
        tenantId: customer.id,
        tenantName: customer.name,
        operation: 'camera.add',
        summary: `Attached ONVIF camera ${name} (${model}, ${host}) to ${customer.name}`,
        after: {
          id,
          name,
          address: device.xaddr,
          model,
          mac: report.mac,
          username: report.credentials.username,
          findings: report.findings.map((f) => f.code),
        },
      });
    })();
    return this.get(id);
  }

  private blank(id: string, customer: TenantRecord, now: string) {
    return {
      id,
      customer_id: customer.id,
      enabled: 1,
      recording: customer.disabled_by ? 0 : 1,
      last_seen_at: null,
      created_at: now,
      updated_at: now,
      xaddr: null,
      endpoint_ref: null,
      device_info: null,
      mac: null,
      profiles: '[]',
      stream_uri: null,
      recording_profile: null,
      username: '',
      credentials_enc: null,
      snapshot: null,
      snapshot_at: null,
      status: 'unknown' as const,
      clock_skew_ms: null,
      pnp_cloud_id: null,
    };
  }

  async update(input: UpdateCamera): Promise<Camera> {
    const cam = this.require(input.id);
    if (input.credentials && cam.kind === 'pnp')
      throw new AppError('VALIDATION', 'A P&P camera is logged in through the cloud.');
    if (input.credentials && cam.kind === 'onvif' && cam.xaddr) {
      // Test the new login before replacing one that works.
      const login = await tryCredentials(cam.xaddr, [input.credentials], {
        timeoutMs: this.options.onboarding?.timeoutMs ?? 5000,
      });
      if (!login.ok)
        throw new AppError(login.error.code, login.error.message, [
          { field: 'credentials', message: login.error.message },
        ]);
    }
    const sealed = input.credentials ? this.sealCredentials(input.credentials) : undefined;
    this.ctx.db.transaction(() => {
      const before = this.require(input.id);
      const customer = this.tenancy.require(before.customer_id);
      const now = this.ctx.now();
      const changes: Record<string, unknown> = {};
      const previous: Record<string, unknown> = {};
      if (input.name !== undefined && input.name !== before.name) {
        this.repo.rename(before.id, input.name, now);
        changes.name = input.name;
        previous.name = before.name;
      }
      if (
        input.recordingProfile !== undefined &&
        input.recordingProfile !== before.recording_profile
      ) {
        const profile = toCamera(before).profiles.find((p) => p.token === input.recordingProfile);
        if (!profile)
          throw fieldError(
            'recordingProfile',
            `The camera has no profile ${input.recordingProfile}. Re-check it to refresh its profiles.`,
          );
        this.repo.setRecordingProfile(before.id, profile.token, profile.streamUri ?? null, now);
        changes.recordingProfile = profile.token;
        previous.recordingProfile = before.recording_profile;
      }
      if (input.credentials && sealed !== undefined) {
        this.repo.setCredentials(before.id, input.credentials.username, sealed, now);
        // The audit log says that the login changed, never what it is.
        changes.login = `changed (user ${input.credentials.username || '(none)'})`;
        previous.login = before.username || '(none)';
      }
      if (Object.keys(changes).length === 0) return;
      // The login syncs as its user name only: the password stays sealed on this device.
      this.ctx.recordRecord?.({
        kind: 'camera',
        id: before.id,
        fields: [
          ...(changes.name !== undefined ? (['name'] as const) : []),
          ...(changes.recordingProfile !== undefined
            ? (['recordingProfile', 'streamUri'] as const)
            : []),
          ...(changes.login !== undefined ? (['username'] as const) : []),
        ],
      });
      this.tenancy.audit.write({
        actor: this.ctx.actor(),
        at: now,
        tenantId: customer.id,
        tenantName: customer.name,
        operation: 'camera.update',
        summary: `Edited camera ${String(changes.name ?? before.name)}: ${Object.keys(changes).join(', ')}`,
        before: previous,
        after: changes,
      });
    })();
    return this.get(input.id);
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
      this.ctx.recordRecord?.({ kind: 'camera', id, fields: ['enabled'] });
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
    return this.get(id);
  }

  /** Talks to the camera now: status, last seen, device data, profiles and a fresh snapshot. */
  async recheck(id: string): Promise<Camera> {
    const cam = this.require(id);
    const at = () => this.ctx.now();
    let outcome: CheckOutcome;
    if (cam.kind === 'onvif' && cam.xaddr) {
      const login = this.openCredentials(cam);
      const report = await examineOnvifCamera(
        cam.xaddr,
        [login ?? { username: '', password: '' }],
        this.options.onboarding,
      );
      if (report.ok) {
        const r = report.value;
        const kept = r.profiles.find((p) => p.token === cam.recording_profile);
        const chosen = kept ?? chooseRecordingProfile(r.profiles);
        outcome = {
          status: 'online',
          at: at(),
          error: r.warnings[0] ?? null,
          deviceInfo: r.deviceInfo,
          model:
            [r.deviceInfo.manufacturer, r.deviceInfo.model].filter(Boolean).join(' ') || cam.model,
          mac: r.mac,
          profiles: r.profiles,
          recordingProfile: chosen?.token ?? null,
          streamUri: chosen?.streamUri ?? null,
          clockSkewMs: r.clockSkewMs,
          ...(r.snapshot ? { snapshot: r.snapshot } : {}),
        };
      } else {
        outcome = { status: statusForError(report.error), at: at(), error: report.error.message };
      }
    } else if (cam.kind === 'rtsp') {
      const reach = await checkTcpReachable(cam.address);
      outcome = reach.ok
        ? { status: 'online', at: at(), error: null }
        : { status: 'offline', at: at(), error: reach.message };
    } else {
      outcome = {
        status: 'unknown',
        at: at(),
        error: 'P&P cameras report to the cloud service; there is nothing to check from here.',
      };
    }
    this.ctx.db.transaction(() => {
      const before = this.require(id); // removed while we were talking to it?
      this.repo.recordCheck(id, outcome);
      // What the check learned about the device syncs when it changed (not the status itself).
      const after = this.require(id);
      const learned = (
        [
          ['model', 'model'],
          ['deviceInfo', 'device_info'],
          ['mac', 'mac'],
          ['profiles', 'profiles'],
          ['streamUri', 'stream_uri'],
          ['recordingProfile', 'recording_profile'],
        ] as const
      ).flatMap(([field, column]) => (before[column] !== after[column] ? [field] : []));
      if (learned.length) this.ctx.recordRecord?.({ kind: 'camera', id, fields: learned });
    })();
    return this.get(id);
  }

  /** The stored snapshot as a data: URL (the page's CSP allows img-src data:). */
  snapshot(id: string): { dataUrl: string | null } {
    this.require(id);
    const bytes = this.repo.snapshot(id);
    return { dataUrl: bytes ? `data:image/jpeg;base64,${bytes.toString('base64')}` : null };
  }

  remove(id: string): void {
    let customerId = '';
    this.ctx.db.transaction(() => {
      const cam = this.require(id);
      const customer = this.tenancy.require(cam.customer_id);
      customerId = customer.id;
      this.repo.delete(id);
      this.ctx.recordRecord?.({ kind: 'camera', id, deleted: true });
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
    this.countsChanged(customerId);
  }

  close(): void {
    this.siteScan.close();
  }
}
