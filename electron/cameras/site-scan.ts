// The Site scan session in the main process: one WS-Discovery scan at a time, its devices kept for
// the screen (which may reload), each pushed to every window as it arrives, with the clock skew
// read (without a login) right after the device answers.
import { randomUUID } from 'node:crypto';
import type { DiscoveredDeviceView, DiscoveryState } from '../../shared/cameras';
import type { EventName, EventPayload } from '../../shared/contract';
import { AppError } from '../../shared/errors';
import { probeAllInterfaces, resolveInterfaces, type DiscoveredDevice } from '../onvif/discovery';
import { listenForAnnouncements, type AnnouncementListener } from '../onvif/announcements';
import { readClockSkew } from './onboarding';

export interface SiteScanConfig {
  /** Interface addresses to probe on (default: every IPv4 interface). Tests: `['127.0.0.1']`. */
  interfaces?: string[];
  /** WS-Discovery port for multicast and unicast probes (default 3702). Tests: a private port. */
  port?: number;
  maxDurationMs?: number;
}

export interface AttachedLookup {
  (device: { endpointReference: string; xaddrs: string[] }): DiscoveredDeviceView['attachedTo'];
}

type Emit = <E extends EventName>(name: E, payload: EventPayload<E>) => void;

const CLOCK_READS_IN_FLIGHT = 8;

export class SiteScan {
  private scanId: string | null = null;
  private controller: AbortController | null = null;
  private readonly devices = new Map<string, DiscoveredDevice>();
  private readonly clocks = new Map<string, number | null>();
  private progress: DiscoveryState['progress'] = null;
  private errors: string[] = [];
  private clockQueue: DiscoveredDevice[] = [];
  private clockReads = 0;
  private closed = false;
  private listener: Promise<AnnouncementListener> | null = null;
  private readonly left = new Set<string>();

  constructor(
    private readonly config: SiteScanConfig,
    private readonly attachedTo: AttachedLookup,
    private readonly emit: Emit,
  ) {}

  private interfaces(): string[] {
    return resolveInterfaces(this.config.interfaces).map((i) => i.address);
  }

  view(d: DiscoveredDevice): DiscoveredDeviceView {
    const addresses = [
      ...new Set(
        d.xaddrs.flatMap((x) => {
          try {
            return [new URL(x).hostname];
          } catch {
            return [];
          }
        }),
      ),
    ];
    return {
      endpointReference: d.endpointReference,
      xaddrs: d.xaddrs,
      addresses,
      name: d.scopes.name ?? '',
      hardware: d.scopes.hardware ?? '',
      location: d.scopes.location ?? '',
      types: d.types,
      interfaces: d.interfaces,
      via: d.via,
      clockSkewMs: this.clocks.get(d.endpointReference) ?? null,
      attachedTo: this.attachedTo(d),
      left: this.left.has(d.endpointReference),
    };
  }

  state(): DiscoveryState {
    return {
      scanId: this.scanId,
      scanning: this.controller !== null,
      interfaces: this.interfaces(),
      devices: [...this.devices.values()].map((d) => this.view(d)),
      progress: this.progress,
      errors: this.errors,
    };
  }

  /**
   * Starts a scan (stopping a running one). A full scan (multicast) starts from an empty list; a
   * unicast probe of typed addresses adds to what the screen already shows.
   */
  start(input: { unicastTargets: string[]; multicast: boolean }): DiscoveryState {
    if (this.closed) throw new AppError('INTERNAL', 'The app is shutting down.');
    if (!input.multicast && input.unicastTargets.length === 0) {
      throw new AppError(
        'VALIDATION',
        'Type an address, a range like 192.168.1.10-60 or a /24 like 192.168.1.0/24 to probe.',
        [{ field: 'unicastTargets', message: 'Type an address, range or CIDR to probe.' }],
      );
    }
    this.controller?.abort();
    if (input.multicast) {
      this.devices.clear();
      this.clocks.clear();
      this.left.clear();
    }
    const scanId = randomUUID();
    const controller = new AbortController();
    this.scanId = scanId;
    this.controller = controller;
    this.errors = [];
    this.progress = { scanId, probesSent: 0, devicesFound: 0, elapsedMs: 0 };
    const current = () => this.scanId === scanId && !this.closed;
    const publish = (d: DiscoveredDevice) => {
      if (!current()) return;
      const known = this.devices.get(d.endpointReference);
      if (!known) this.queueClockRead(d);
      this.devices.set(d.endpointReference, d);
      this.emit('discovery.device', { scanId, device: this.view(d) });
    };
    const port = this.config.port;
    probeAllInterfaces({
      ...(this.config.interfaces ? { interfaces: this.config.interfaces } : {}),
      ...(port !== undefined ? { multicastPort: port, unicastPort: port } : {}),
      ...(this.config.maxDurationMs !== undefined
        ? { maxDurationMs: this.config.maxDurationMs }
        : {}),
      multicast: input.multicast,
      unicastTargets: input.unicastTargets,
      signal: controller.signal,
      onDevice: publish,
      onDeviceUpdate: publish,
      onProgress: (p) => {
        if (!current()) return;
        this.progress = { scanId, ...p, devicesFound: this.devices.size };
        this.emit('discovery.progress', this.progress);
      },
    })
      .then((result) => {
        if (!current()) return;
        this.controller = null;
        this.errors = result.errors.map((e) => e.message);
        this.emit('discovery.done', {
          scanId,
          devicesFound: this.devices.size,
          durationMs: Math.round(result.durationMs),
          errors: this.errors,
          stopped: controller.signal.aborted,
        });
      })
      .catch((err: unknown) => {
        if (!current()) return;
        this.controller = null;
        this.errors = [err instanceof Error ? err.message : String(err)];
        this.emit('discovery.done', {
          scanId,
          devicesFound: this.devices.size,
          durationMs: 0,
          errors: this.errors,
          stopped: false,
        });
      });
    return this.state();
  }

  stop(): void {
    this.controller?.abort();
  }

  /**
   * Listens for unsolicited Hello (a camera joining) and Bye (leaving) while the Site scan screen
   * is open: a Hello adds or refreshes the device as if it had answered a probe; a Bye marks it left.
   */
  async listen(on: boolean): Promise<void> {
    if (!on || this.closed) {
      const listener = this.listener;
      this.listener = null;
      if (listener) await (await listener).close();
      return;
    }
    if (this.listener) return;
    const port = this.config.port;
    this.listener = listenForAnnouncements({
      ...(this.config.interfaces ? { interfaces: this.config.interfaces } : {}),
      ...(port !== undefined ? { port } : {}),
      onHello: (d) => {
        if (this.closed) return;
        this.scanId ??= randomUUID();
        this.left.delete(d.endpointReference);
        if (!this.devices.has(d.endpointReference)) this.queueClockRead(d);
        this.devices.set(d.endpointReference, d);
        this.emit('discovery.device', { scanId: this.scanId, device: this.view(d) });
      },
      onBye: (endpointReference) => {
        const known = this.devices.get(endpointReference);
        if (this.closed || !known) return;
        this.left.add(endpointReference);
        this.emit('discovery.device', {
          scanId: this.scanId ?? randomUUID(),
          device: this.view(known),
        });
      },
    });
    try {
      const listener = await this.listener;
      if (listener.errors.length)
        this.errors = [...this.errors, ...listener.errors.map((e) => e.message)];
    } catch (err) {
      this.listener = null;
      throw new AppError(
        'DISCOVERY_LISTEN',
        `Cannot listen for cameras joining the network: ${err instanceof Error ? err.message : String(err)}.`,
      );
    }
  }

  close(): void {
    this.closed = true;
    this.controller?.abort();
    this.clockQueue = [];
    void this.listen(false).catch(() => undefined);
  }

  private queueClockRead(d: DiscoveredDevice): void {
    this.clockQueue.push(d);
    this.pumpClockReads();
  }

  private pumpClockReads(): void {
    while (this.clockReads < CLOCK_READS_IN_FLIGHT && this.clockQueue.length > 0 && !this.closed) {
      const d = this.clockQueue.shift();
      const xaddr = d?.xaddrs[0];
      if (!d || !xaddr) continue;
      this.clockReads += 1;
      readClockSkew(xaddr)
        .catch(() => null)
        .then((skew) => {
          this.clockReads -= 1;
          if (this.closed) return;
          this.clocks.set(d.endpointReference, skew);
          const latest = this.devices.get(d.endpointReference);
          if (latest && this.scanId)
            this.emit('discovery.device', { scanId: this.scanId, device: this.view(latest) });
          this.pumpClockReads();
        })
        .catch(() => undefined);
    }
  }
}

/**
 * VMS_DISCOVERY_INTERFACES (comma-separated interface addresses) and VMS_DISCOVERY_PORT point the
 * Site scan somewhere else than every interface on port 3702: the e2e tests use loopback fake
 * cameras on a private port, so they never probe the machine's real networks.
 */
export function discoveryConfigFromEnv(env: NodeJS.ProcessEnv): SiteScanConfig | undefined {
  const interfaces = (env.VMS_DISCOVERY_INTERFACES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const port = Number(env.VMS_DISCOVERY_PORT ?? '');
  const config: SiteScanConfig = {};
  if (interfaces.length > 0) config.interfaces = interfaces;
  if (Number.isInteger(port) && port > 0 && port < 65536) config.port = port;
  return Object.keys(config).length > 0 ? config : undefined;
}
