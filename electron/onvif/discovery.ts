// WS-Discovery client (ONVIF Core spec section 7.3; WS-Discovery 2005/04 over SOAP 1.2/UDP).
//
// Real networks (ARCHITECTURE.md, "Real cameras are messy"): a laptop has several interfaces, so
// we probe on every IPv4 interface with one socket bound to each; cameras answer from an
// ephemeral port, so replies are matched by RelatesTo, not by port; UDP loses datagrams, so each
// probe is repeated; some cameras only answer a NetworkVideoTransmitter probe, others only a
// Device probe, so both are sent; multicast is filtered on some networks, so a unicast sweep of a
// typed address, range or /24 is offered.
import dgram from 'node:dgram';
import os from 'node:os';
import { isInSubnet, parseUnicastTarget } from './addresses.js';
import { mergeSighting, newDiscoveredDevice, type DiscoveredDevice } from './discovered-device.js';
import { onvifError, type OnvifError } from './errors.js';
import {
  PROBE_TYPES,
  WSD_MULTICAST_ADDRESS,
  WSD_PORT,
  buildProbe,
  newMessageId,
  parseWsdMessage,
  type DiscoveryRecord,
} from './ws-discovery-messages.js';

export type { DiscoveredDevice } from './discovered-device.js';

export interface ScanInterface {
  address: string;
  netmask: string;
  name: string;
}

export interface DiscoveryProgress {
  probesSent: number;
  devicesFound: number;
  elapsedMs: number;
}

export interface DiscoveryOptions {
  /** Interface addresses to probe on; default: every up, non-internal IPv4 interface. */
  interfaces?: Array<string | ScanInterface>;
  /** Send multicast probes (default true). */
  multicast?: boolean;
  multicastAddress?: string;
  multicastPort?: number;
  /** Typed IPs, ranges (`192.168.1.10-60`) or CIDRs up to /24, probed by unicast. */
  unicastTargets?: string[];
  unicastPort?: number;
  /** How many times each probe is sent (against UDP loss); default 3. */
  repeats?: number;
  repeatIntervalMs?: number;
  /** The scan ends this long after the last probe or answer; default 400 ms. */
  settleMs?: number;
  /** Hard cap on the whole scan; default 5000 ms. */
  maxDurationMs?: number;
  signal?: AbortSignal;
  onDevice?: (device: DiscoveredDevice) => void;
  /** Called when a known device is seen again with new addresses or on another interface. */
  onDeviceUpdate?: (device: DiscoveredDevice) => void;
  onProgress?: (progress: DiscoveryProgress) => void;
}

export interface DiscoveryResult {
  devices: DiscoveredDevice[];
  probesSent: number;
  durationMs: number;
  errors: OnvifError[];
}

export const DISCOVERY_DEFAULTS = {
  repeats: 3,
  repeatIntervalMs: 150,
  settleMs: 400,
  maxDurationMs: 5000,
} as const;

/** Up, non-internal IPv4 interfaces (libuv lists only interfaces that are up). */
export function listIPv4Interfaces(): ScanInterface[] {
  const result: ScanInterface[] = [];
  for (const [name, addresses] of Object.entries(os.networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (a.family === 'IPv4' && !a.internal) {
        result.push({ address: a.address, netmask: a.netmask, name });
      }
    }
  }
  return result;
}

export function resolveInterfaces(requested: DiscoveryOptions['interfaces']): ScanInterface[] {
  if (requested === undefined) return listIPv4Interfaces();
  const known = Object.entries(os.networkInterfaces()).flatMap(([name, list]) =>
    (list ?? []).filter((a) => a.family === 'IPv4').map((a) => ({ ...a, name })),
  );
  return requested.map((r) => {
    if (typeof r !== 'string') return r;
    const match = known.find((k) => k.address === r);
    return match
      ? { address: r, netmask: match.netmask, name: match.name }
      : { address: r, netmask: '255.255.255.0', name: r };
  });
}

interface ProbeSocket {
  socket: dgram.Socket;
  /** The interface address replies on this socket are attributed to. */
  label: string;
  iface?: ScanInterface;
}

/**
 * Receive buffer asked for each probe socket. A probe makes every camera on the segment answer
 * within APP_MAX_DELAY (500 ms); with the kernel default (~208 KiB, about 100 datagrams) a
 * hundred cameras overflow it and answers are lost. The kernel caps this at net.core.rmem_max.
 */
const PROBE_RECV_BUFFER_BYTES = 4 * 1024 * 1024;

function bindSocket(address: string | undefined): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: PROBE_RECV_BUFFER_BYTES });
    const onError = (error: Error): void => {
      socket.close();
      reject(error);
    };
    socket.once('error', onError);
    socket.bind({ port: 0, ...(address !== undefined ? { address } : {}) }, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Probes for ONVIF devices on every interface (multicast) and any unicast targets; resolves when
 * the network has gone quiet (settle time) or the hard cap or the abort signal ends the scan.
 */
export async function probeAllInterfaces(options: DiscoveryOptions = {}): Promise<DiscoveryResult> {
  const startedAt = performance.now();
  const elapsed = (): number => performance.now() - startedAt;
  const repeats = Math.max(1, options.repeats ?? DISCOVERY_DEFAULTS.repeats);
  const repeatIntervalMs = options.repeatIntervalMs ?? DISCOVERY_DEFAULTS.repeatIntervalMs;
  const settleMs = options.settleMs ?? DISCOVERY_DEFAULTS.settleMs;
  const maxDurationMs = options.maxDurationMs ?? DISCOVERY_DEFAULTS.maxDurationMs;
  const multicastAddress = options.multicastAddress ?? WSD_MULTICAST_ADDRESS;
  const multicastPort = options.multicastPort ?? WSD_PORT;
  const unicastPort = options.unicastPort ?? WSD_PORT;
  const errors: OnvifError[] = [];
  const devices = new Map<string, DiscoveredDevice>();
  const sentIds = new Map<string, { label: string; via: 'multicast' | 'unicast' }>();
  let probesSent = 0;
  let lastActivity = 0;
  let allSent = false;

  const unicastHosts: string[] = [];
  for (const target of options.unicastTargets ?? []) {
    const parsed = parseUnicastTarget(target);
    if (parsed.ok) unicastHosts.push(...parsed.value);
    else errors.push(parsed.error);
  }

  const interfaces = resolveInterfaces(options.interfaces);
  const sockets: ProbeSocket[] = [];
  for (const iface of interfaces) {
    try {
      const socket = await bindSocket(iface.address);
      socket.setMulticastInterface(iface.address);
      sockets.push({ socket, label: iface.address, iface });
    } catch (error) {
      errors.push(
        onvifError(
          'ONVIF_UNREACHABLE',
          `Cannot probe on interface ${iface.name} (${iface.address}): ${reason(error)}.`,
        ),
      );
    }
  }

  // Unicast targets go out of the interface whose subnet holds them, else a wildcard socket.
  const unicastPlan: Array<{ host: string; probe: ProbeSocket }> = [];
  let wildcard: ProbeSocket | undefined;
  for (const host of unicastHosts) {
    let probe = sockets.find((s) => s.iface && isInSubnet(host, s.iface.address, s.iface.netmask));
    if (!probe) {
      if (!wildcard) {
        try {
          wildcard = { socket: await bindSocket(undefined), label: 'unicast' };
          sockets.push(wildcard);
        } catch (error) {
          errors.push(
            onvifError(
              'ONVIF_UNREACHABLE',
              `Cannot open a unicast probe socket: ${reason(error)}.`,
            ),
          );
          break;
        }
      }
      probe = wildcard;
    }
    unicastPlan.push({ host, probe });
  }

  const progress = (): void =>
    options.onProgress?.({ probesSent, devicesFound: devices.size, elapsedMs: elapsed() });

  const onRecord = (
    record: DiscoveryRecord,
    origin: { label: string; via: 'multicast' | 'unicast' },
    sourceAddress: string,
  ): void => {
    const sighting = {
      record,
      interfaceAddress: origin.label,
      sourceAddress,
      via: origin.via,
      at: new Date(),
      afterMs: elapsed(),
    };
    const known = devices.get(record.endpointReference);
    if (known) {
      if (mergeSighting(known, sighting)) options.onDeviceUpdate?.(known);
      return;
    }
    const device = newDiscoveredDevice(sighting);
    devices.set(record.endpointReference, device);
    options.onDevice?.(device);
    progress();
  };

  for (const probe of sockets) {
    probe.socket.on('message', (datagram, remote) => {
      const message = parseWsdMessage(datagram);
      if (message?.kind !== 'probeMatches') return;
      const origin = sentIds.get(message.relatesTo);
      if (!origin) return; // not an answer to one of our probes
      lastActivity = elapsed();
      for (const record of message.matches) onRecord(record, origin, remote.address);
    });
    probe.socket.on('error', (error) => {
      errors.push(
        onvifError('ONVIF_UNREACHABLE', `Probe socket ${probe.label}: ${error.message}.`),
      );
    });
  }

  const send = (
    probe: ProbeSocket,
    host: string,
    port: number,
    via: 'multicast' | 'unicast',
    types: string,
  ): void => {
    const messageId = newMessageId();
    sentIds.set(messageId, { label: probe.label, via });
    probesSent += 1;
    lastActivity = elapsed();
    probe.socket.send(buildProbe(messageId, types), port, host, (error) => {
      if (error && !/ENETUNREACH|EHOSTUNREACH|EADDRNOTAVAIL/.test(error.message)) {
        errors.push(onvifError('ONVIF_UNREACHABLE', `Probe to ${host} failed: ${error.message}.`));
      }
    });
  };

  let stopped = false;
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  const sendAll = async (): Promise<void> => {
    for (let round = 0; round < repeats && !stopped; round += 1) {
      if (round > 0) await sleep(repeatIntervalMs);
      // Per round and target: NetworkVideoTransmitter (some cameras answer only that), then
      // Device (the type ONVIF Core 7.3 says devices must match).
      for (const types of [PROBE_TYPES.networkVideoTransmitter, PROBE_TYPES.device]) {
        if (stopped) break;
        if (options.multicast !== false) {
          for (const probe of sockets) {
            if (probe.iface) send(probe, multicastAddress, multicastPort, 'multicast', types);
          }
        }
        for (let i = 0; i < unicastPlan.length && !stopped; i += 1) {
          const plan = unicastPlan[i];
          if (plan) send(plan.probe, plan.host, unicastPort, 'unicast', types);
          // Pace big sweeps so the event loop keeps reading answers.
          if (i % 32 === 31) await new Promise((r) => setImmediate(r));
        }
      }
      progress();
    }
    allSent = true;
  };

  await new Promise<void>((resolve) => {
    const finish = (): void => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      options.signal?.removeEventListener('abort', finish);
      resolve();
    };
    const timer = setInterval(() => {
      const now = elapsed();
      if (now >= maxDurationMs || (allSent && now - lastActivity >= settleMs)) finish();
    }, 25);
    if (options.signal?.aborted) finish();
    options.signal?.addEventListener('abort', finish);
    void sendAll();
  });

  await Promise.all(sockets.map((s) => new Promise<void>((r) => s.socket.close(() => r()))));
  progress();
  return { devices: [...devices.values()], probesSent, durationMs: elapsed(), errors };
}
