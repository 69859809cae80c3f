// Listens for unsolicited WS-Discovery Hello (a device joining) and Bye (leaving) while a scan
// screen is open (WS-Discovery 2005/04 sections 4.1 and 4.2; ONVIF Core 7.3.2).
import dgram from 'node:dgram';
import { newDiscoveredDevice, type DiscoveredDevice } from './discovered-device.js';
import { isInSubnet } from './addresses.js';
import { resolveInterfaces, type ScanInterface } from './discovery.js';
import { onvifError, type OnvifError } from './errors.js';
import { WSD_MULTICAST_ADDRESS, WSD_PORT, parseWsdMessage } from './ws-discovery-messages.js';

export interface AnnouncementOptions {
  interfaces?: Array<string | ScanInterface>;
  multicastAddress?: string;
  port?: number;
  onHello: (device: DiscoveredDevice) => void;
  onBye: (endpointReference: string) => void;
}

export interface AnnouncementListener {
  /** Interfaces that could not join the group (the listener still runs on the others). */
  errors: OnvifError[];
  close(): Promise<void>;
}

export async function listenForAnnouncements(
  options: AnnouncementOptions,
): Promise<AnnouncementListener> {
  const group = options.multicastAddress ?? WSD_MULTICAST_ADDRESS;
  const port = options.port ?? WSD_PORT;
  const interfaces = resolveInterfaces(options.interfaces);
  const startedAt = performance.now();
  const errors: OnvifError[] = [];
  // Bound to the group address so only multicast reaches it; reuseAddr lets another listener
  // (or a camera fixture on the same machine) share port 3702.
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, group, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  for (const { address } of interfaces) {
    try {
      socket.addMembership(group, address);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      errors.push(
        onvifError('ONVIF_UNREACHABLE', `Cannot listen for cameras on ${address}: ${why}.`),
      );
    }
  }
  socket.on('message', (datagram, remote) => {
    const message = parseWsdMessage(datagram);
    if (message?.kind === 'hello') {
      options.onHello(
        newDiscoveredDevice({
          record: message.record,
          // No IP_PKTINFO in node:dgram: attribute by subnet instead.
          interfaceAddress:
            interfaces.find((i) => isInSubnet(remote.address, i.address, i.netmask))?.address ??
            'multicast',
          sourceAddress: remote.address,
          via: 'hello',
          at: new Date(),
          afterMs: performance.now() - startedAt,
        }),
      );
    } else if (message?.kind === 'bye') {
      options.onBye(message.endpointReference);
    }
  });
  socket.on('error', () => undefined);
  return {
    errors,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
