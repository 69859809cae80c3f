// ONVIF device client over HTTP (ONVIF Core, Media, Media2 and Event service specs).
//
// Camera habits handled here (ARCHITECTURE.md, "Real cameras are messy"):
// - clocks are wrong: GetSystemDateAndTime is read without auth first, and WS-UsernameToken is
//   signed with the camera's time (now + measured offset);
// - some devices want WS-UsernameToken, some HTTP Digest (MD5 or SHA-256), some both: we send
//   the token and answer a 401 Digest challenge when one comes;
// - a wrong password comes back as HTTP 400, 401 or a SOAP NotAuthorized fault: all map to one
//   ONVIF_AUTH error;
// - service XAddrs may name a 169.254.x address the camera also has: we keep the host we reached.
import type http from 'node:http';
import { authError, OnvifFailure, onvifError, toResult, type OnvifResult } from './errors.js';
import {
  basicAuthorization,
  digestAuthorization,
  httpExchange,
  parseAuthChallenges,
  type DigestState,
  type HttpReply,
} from './http-transport.js';
import { NS, faultToError, findFault, soapEnvelope, usernameTokenHeader } from './soap.js';
import {
  DEFAULT_MAX_XML_BYTES,
  attr,
  child,
  children,
  elementNames,
  isObject,
  localName,
  parseSoapEnvelope,
  text,
  type XmlValue,
} from './xml.js';

export interface OnvifCredentials {
  username: string;
  password: string;
}

export interface OnvifClientOptions {
  /** Per-request deadline; default 5000 ms. */
  timeoutMs?: number;
  /** Largest SOAP response accepted; default 1 MiB. */
  maxResponseBytes?: number;
  /** Largest snapshot accepted; default 8 MiB. */
  maxSnapshotBytes?: number;
  agent?: http.Agent;
}

export interface DeviceClock {
  cameraTime: Date;
  /** Camera clock minus ours, in ms (positive: the camera is ahead). */
  clockOffsetMs: number;
}

export interface DeviceInformation {
  manufacturer: string;
  model: string;
  firmwareVersion: string;
  serialNumber: string;
  hardwareId: string;
}

export interface DeviceCapabilities {
  deviceXAddr?: string;
  mediaXAddr?: string;
  eventsXAddr?: string;
  ptzXAddr?: string;
  imagingXAddr?: string;
}

export interface DeviceService {
  namespace: string;
  xaddr: string;
  version?: string;
}

export interface MediaProfile {
  token: string;
  name: string;
  media: 1 | 2;
  encoding?: string;
  width?: number;
  height?: number;
}

export interface NetworkInterfaceInfo {
  token: string;
  name?: string;
  enabled: boolean;
  mac?: string;
  ipv4?: string;
  dhcp?: boolean;
}

export interface EventTopic {
  /** e.g. `tns1:VideoSource/MotionAlarm`. */
  topic: string;
  source: EventItem[];
  data: EventItem[];
}

export interface EventItem {
  name: string;
  /** The XML Schema type's local name, e.g. `boolean`, `ReferenceToken`. */
  type: string;
}

type ServiceName = 'device' | 'media' | 'media2' | 'events';

export class OnvifDeviceClient {
  readonly deviceUrl: URL;
  readonly host: string;
  private clockOffsetMs = 0;
  private clockKnown = false;
  private digest: DigestState | undefined;
  private basic = false;
  private services: Partial<Record<ServiceName, URL>> = {};
  private servicesKnown = false;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly maxSnapshotBytes: number;

  constructor(
    xaddr: string,
    private readonly credentials?: OnvifCredentials,
    private readonly options: OnvifClientOptions = {},
  ) {
    this.deviceUrl = new URL(xaddr);
    this.host = this.deviceUrl.host;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_XML_BYTES;
    this.maxSnapshotBytes = options.maxSnapshotBytes ?? 8 * 1024 * 1024;
  }

  get measuredClockOffsetMs(): number {
    return this.clockOffsetMs;
  }

  // ---- Device service -------------------------------------------------------------------

  getSystemDateAndTime(): Promise<OnvifResult<DeviceClock>> {
    return toResult(() => this.readClock());
  }

  getDeviceInformation(): Promise<OnvifResult<DeviceInformation>> {
    return toResult(async () => {
      const r = await this.call('device', 'GetDeviceInformation', '<tds:GetDeviceInformation/>');
      return {
        manufacturer: text(r, 'Manufacturer') ?? '',
        model: text(r, 'Model') ?? '',
        firmwareVersion: text(r, 'FirmwareVersion') ?? '',
        serialNumber: text(r, 'SerialNumber') ?? '',
        hardwareId: text(r, 'HardwareId') ?? '',
      };
    });
  }

  getCapabilities(): Promise<OnvifResult<DeviceCapabilities>> {
    return toResult(() => this.readCapabilities());
  }

  getServices(): Promise<OnvifResult<DeviceService[]>> {
    return toResult(() => this.readServices());
  }

  getNetworkInterfaces(): Promise<OnvifResult<NetworkInterfaceInfo[]>> {
    return toResult(async () => {
      const r = await this.call('device', 'GetNetworkInterfaces', '<tds:GetNetworkInterfaces/>');
      return children(r, 'NetworkInterfaces').map((n) => {
        const ipv4 =
          text(n, 'IPv4', 'Config', 'Manual', 'Address') ??
          text(n, 'IPv4', 'Config', 'FromDHCP', 'Address');
        const name = text(n, 'Info', 'Name');
        const mac = text(n, 'Info', 'HwAddress');
        const dhcp = text(n, 'IPv4', 'Config', 'DHCP');
        return {
          token: attr(n, 'token') ?? '',
          enabled: text(n, 'Enabled') !== 'false',
          ...(name !== undefined ? { name } : {}),
          ...(mac !== undefined ? { mac: mac.toLowerCase() } : {}),
          ...(ipv4 !== undefined ? { ipv4 } : {}),
          ...(dhcp !== undefined ? { dhcp: dhcp === 'true' } : {}),
        };
      });
    });
  }

  // ---- Media (ver10) and Media2 (ver20) ---------------------------------------------------

  /** Profiles from Media2 when GetServices lists the ver20 media service, else Media1. */
  getProfiles(): Promise<OnvifResult<MediaProfile[]>> {
    return toResult(async () => {
      await this.discoverServices();
      if (this.services.media2) {
        const r = await this.call(
          'media2',
          'GetProfiles',
          '<tr2:GetProfiles><tr2:Type>All</tr2:Type></tr2:GetProfiles>',
        );
        return children(r, 'Profiles').map((p) =>
          profile(p, 2, child(p, 'Configurations', 'VideoEncoder')),
        );
      }
      const r = await this.call('media', 'GetProfiles', '<trt:GetProfiles/>');
      return children(r, 'Profiles').map((p) =>
        profile(p, 1, child(p, 'VideoEncoderConfiguration')),
      );
    });
  }

  getStreamUri(profile: Pick<MediaProfile, 'token' | 'media'>): Promise<OnvifResult<string>> {
    return toResult(async () => {
      await this.discoverServices();
      const token = escapeText(profile.token);
      if (profile.media === 2 && this.services.media2) {
        const r = await this.call(
          'media2',
          'GetStreamUri',
          `<tr2:GetStreamUri><tr2:Protocol>RtspUnicast</tr2:Protocol><tr2:ProfileToken>${token}</tr2:ProfileToken></tr2:GetStreamUri>`,
        );
        return requireText(text(r, 'Uri'), this.host, 'GetStreamUri');
      }
      const r = await this.call(
        'media',
        'GetStreamUri',
        '<trt:GetStreamUri><trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream>' +
          '<tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport></trt:StreamSetup>' +
          `<trt:ProfileToken>${token}</trt:ProfileToken></trt:GetStreamUri>`,
      );
      return requireText(text(r, 'MediaUri', 'Uri'), this.host, 'GetStreamUri');
    });
  }

  getSnapshotUri(profile: Pick<MediaProfile, 'token' | 'media'>): Promise<OnvifResult<string>> {
    return toResult(async () => {
      await this.discoverServices();
      const token = escapeText(profile.token);
      if (profile.media === 2 && this.services.media2) {
        const r = await this.call(
          'media2',
          'GetSnapshotUri',
          `<tr2:GetSnapshotUri><tr2:ProfileToken>${token}</tr2:ProfileToken></tr2:GetSnapshotUri>`,
        );
        return requireText(text(r, 'Uri'), this.host, 'GetSnapshotUri');
      }
      const r = await this.call(
        'media',
        'GetSnapshotUri',
        `<trt:GetSnapshotUri><trt:ProfileToken>${token}</trt:ProfileToken></trt:GetSnapshotUri>`,
      );
      return requireText(text(r, 'MediaUri', 'Uri'), this.host, 'GetSnapshotUri');
    });
  }

  /** Fetches a snapshot (HTTP Digest or Basic as the camera asks); returns the JPEG bytes. */
  fetchSnapshot(snapshotUri: string): Promise<OnvifResult<Buffer>> {
    return toResult(async () => {
      const url = this.reachable(new URL(snapshotUri));
      const reply = await this.authenticatedExchange(
        url,
        'GET',
        {},
        undefined,
        this.maxSnapshotBytes,
      );
      if (reply.status === 401 || reply.status === 403)
        throw new OnvifFailure(authError(this.host));
      if (reply.status !== 200) {
        throw new OnvifFailure(
          onvifError(
            'ONVIF_FAULT',
            `${this.host} answered the snapshot request with HTTP ${reply.status}.`,
          ),
        );
      }
      if (reply.body[0] !== 0xff || reply.body[1] !== 0xd8) {
        throw new OnvifFailure(
          onvifError('ONVIF_UNSUPPORTED', `${this.host} sent a snapshot that is not a JPEG image.`),
        );
      }
      return reply.body;
    });
  }

  // ---- Events -------------------------------------------------------------------------------

  /** Event topics the device can raise (e.g. tns1:VideoSource/MotionAlarm) and their items. */
  getEventProperties(): Promise<OnvifResult<EventTopic[]>> {
    return toResult(async () => {
      await this.discoverServices();
      const r = await this.call('events', 'GetEventProperties', '<tev:GetEventProperties/>');
      const topics: EventTopic[] = [];
      collectTopics(child(r, 'TopicSet'), [], topics, 0);
      return topics;
    });
  }

  close(): void {
    // Idle keep-alive sockets of the shared agent are unref'd; a private agent is ours to end.
    if (this.options.agent) this.options.agent.destroy();
  }

  // ---- plumbing -----------------------------------------------------------------------------

  private async readClock(): Promise<DeviceClock> {
    const sentAt = Date.now();
    const r = await this.call(
      'device',
      'GetSystemDateAndTime',
      '<tds:GetSystemDateAndTime/>',
      false,
    );
    const receivedAt = Date.now();
    const utc = child(r, 'SystemDateAndTime', 'UTCDateTime');
    const n = (...path: string[]): number => Number(text(utc, ...path) ?? 'NaN');
    const cameraTime = new Date(
      Date.UTC(
        n('Date', 'Year'),
        n('Date', 'Month') - 1,
        n('Date', 'Day'),
        n('Time', 'Hour'),
        n('Time', 'Minute'),
        n('Time', 'Second'),
      ),
    );
    if (Number.isNaN(cameraTime.getTime())) {
      // Some firmware reports only LocalDateTime or nothing usable: sign with our own clock.
      this.clockKnown = true;
      return { cameraTime: new Date(receivedAt), clockOffsetMs: 0 };
    }
    // The camera reports whole seconds; compare with the midpoint of the round trip.
    this.clockOffsetMs = cameraTime.getTime() - Math.round((sentAt + receivedAt) / 2);
    this.clockKnown = true;
    return { cameraTime, clockOffsetMs: this.clockOffsetMs };
  }

  private async readCapabilities(): Promise<DeviceCapabilities> {
    const r = await this.call(
      'device',
      'GetCapabilities',
      '<tds:GetCapabilities><tds:Category>All</tds:Category></tds:GetCapabilities>',
    );
    const caps = child(r, 'Capabilities');
    const read = (name: string): Partial<DeviceCapabilities> => {
      const x = text(caps, name, 'XAddr');
      return x !== undefined && x !== ''
        ? { [`${name.charAt(0).toLowerCase()}${name.slice(1)}XAddr`]: x }
        : {};
    };
    return {
      ...read('Device'),
      ...read('Media'),
      ...read('Events'),
      ...read('PTZ'),
      ...read('Imaging'),
    };
  }

  private async readServices(): Promise<DeviceService[]> {
    const r = await this.call(
      'device',
      'GetServices',
      '<tds:GetServices><tds:IncludeCapability>false</tds:IncludeCapability></tds:GetServices>',
    );
    return children(r, 'Service').map((s) => {
      const major = text(s, 'Version', 'Major');
      const minor = text(s, 'Version', 'Minor');
      return {
        namespace: text(s, 'Namespace') ?? '',
        xaddr: text(s, 'XAddr') ?? '',
        ...(major !== undefined ? { version: `${major}.${minor ?? '0'}` } : {}),
      };
    });
  }

  /** GetServices (Core 8.1.2.1), falling back to GetCapabilities on older firmware. */
  private async discoverServices(): Promise<void> {
    if (this.servicesKnown) return;
    const listed = await toResult(() => this.readServices());
    if (listed.ok && listed.value.length > 0) {
      for (const s of listed.value) {
        if (s.xaddr === '') continue;
        if (s.namespace === NS.media) this.services.media = this.reachable(new URL(s.xaddr));
        if (s.namespace === NS.media2) this.services.media2 = this.reachable(new URL(s.xaddr));
        if (s.namespace === NS.events) this.services.events = this.reachable(new URL(s.xaddr));
      }
    } else {
      if (!listed.ok && listed.error.code === 'ONVIF_AUTH') throw new OnvifFailure(listed.error);
      const caps = await this.readCapabilities();
      if (caps.mediaXAddr) this.services.media = this.reachable(new URL(caps.mediaXAddr));
      if (caps.eventsXAddr) this.services.events = this.reachable(new URL(caps.eventsXAddr));
    }
    this.servicesKnown = true;
  }

  /** Keeps the host we reached when a device advertises a link-local or unroutable host. */
  private reachable(url: URL): URL {
    if (url.hostname.startsWith('169.254.') && !this.deviceUrl.hostname.startsWith('169.254.')) {
      const fixed = new URL(url.toString());
      fixed.hostname = this.deviceUrl.hostname;
      return fixed;
    }
    return url;
  }

  private serviceUrl(service: ServiceName): URL {
    if (service === 'device') return this.deviceUrl;
    const url = this.services[service];
    if (!url) {
      throw new OnvifFailure(
        onvifError('ONVIF_UNSUPPORTED', `${this.host} does not offer the ${service} service.`),
      );
    }
    return url;
  }

  /** Sends one SOAP request and returns the response's operation element (e.g. GetProfilesResponse). */
  private async call(
    service: ServiceName,
    operation: string,
    body: string,
    authenticate = true,
  ): Promise<XmlValue | undefined> {
    const useAuth = authenticate && this.credentials !== undefined;
    if (useAuth && !this.clockKnown) {
      const clock = await toResult(() => this.readClock());
      if (!clock.ok && clock.error.code !== 'ONVIF_FAULT' && clock.error.code !== 'ONVIF_AUTH') {
        throw new OnvifFailure(clock.error);
      }
      this.clockKnown = true;
    }
    const header =
      useAuth && this.credentials
        ? usernameTokenHeader(this.credentials, new Date(Date.now() + this.clockOffsetMs))
        : undefined;
    const url = this.serviceUrl(service);
    const action = `${service === 'media2' ? NS.media2 : service === 'media' ? NS.media : service === 'events' ? NS.events : NS.device}/${operation}`;
    const headers = { 'Content-Type': `application/soap+xml; charset=utf-8; action="${action}"` };
    const envelope = soapEnvelope(body, header);
    const reply = useAuth
      ? await this.authenticatedExchange(url, 'POST', headers, envelope, this.maxResponseBytes)
      : await this.exchange(url, 'POST', headers, envelope, this.maxResponseBytes);
    return this.readSoapReply(reply, operation, useAuth);
  }

  private readSoapReply(
    reply: HttpReply,
    operation: string,
    authenticated: boolean,
  ): XmlValue | undefined {
    if (reply.status === 401 || reply.status === 403) throw new OnvifFailure(authError(this.host));
    const parsed =
      reply.body.length > 0
        ? parseSoapEnvelope(reply.body, { maxBytes: this.maxResponseBytes, source: this.host })
        : undefined;
    if (parsed && !parsed.ok) {
      // A wrong password answered with HTTP 400 and a non-SOAP body is still an auth problem.
      if (reply.status === 400 && authenticated) throw new OnvifFailure(authError(this.host));
      throw new OnvifFailure(parsed.error);
    }
    const body = parsed ? child(parsed.root, 'Body') : undefined;
    const fault = findFault(body);
    if (fault !== undefined) throw new OnvifFailure(faultToError(fault, this.host, operation));
    if (reply.status === 400 && authenticated) throw new OnvifFailure(authError(this.host));
    if (reply.status !== 200) {
      throw new OnvifFailure(
        onvifError('ONVIF_FAULT', `${this.host} answered ${operation} with HTTP ${reply.status}.`),
      );
    }
    const [responseName] = elementNames(body);
    if (responseName === undefined) {
      throw new OnvifFailure(
        onvifError('ONVIF_BAD_XML', `${this.host} answered ${operation} with an empty SOAP body.`),
      );
    }
    return child(body, responseName);
  }

  private exchange(
    url: URL,
    method: 'GET' | 'POST',
    headers: Record<string, string>,
    body: string | undefined,
    maxBytes: number,
  ): Promise<HttpReply> {
    return httpExchange({
      url,
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
      timeoutMs: this.timeoutMs,
      maxBytes,
      ...(this.options.agent ? { agent: this.options.agent } : {}),
    });
  }

  /** Sends with any cached HTTP auth; on a 401 challenge, answers it once (Digest, else Basic). */
  private async authenticatedExchange(
    url: URL,
    method: 'GET' | 'POST',
    headers: Record<string, string>,
    body: string | undefined,
    maxBytes: number,
  ): Promise<HttpReply> {
    const credentials = this.credentials;
    if (!credentials) return this.exchange(url, method, headers, body, maxBytes);
    const uri = `${url.pathname}${url.search}`;
    const withAuth = (): Record<string, string> => {
      if (this.digest)
        return {
          ...headers,
          Authorization: digestAuthorization(this.digest, credentials, method, uri),
        };
      if (this.basic) return { ...headers, Authorization: basicAuthorization(credentials) };
      return headers;
    };
    const first = await this.exchange(url, method, withAuth(), body, maxBytes);
    if (first.status !== 401) return first;
    const challenges = parseAuthChallenges(first.challenges);
    const [challenge] = challenges.digest;
    if (challenge) this.digest = { challenge, nonceCount: 0 };
    else if (challenges.basic) this.basic = true;
    else return first;
    return this.exchange(url, method, withAuth(), body, maxBytes);
  }
}

function profile(p: XmlValue, media: 1 | 2, encoder: XmlValue | undefined): MediaProfile {
  const encoding = text(encoder, 'Encoding');
  const width = Number(text(encoder, 'Resolution', 'Width'));
  const height = Number(text(encoder, 'Resolution', 'Height'));
  return {
    token: attr(p, 'token') ?? '',
    name: text(p, 'Name') ?? '',
    media,
    ...(encoding !== undefined ? { encoding } : {}),
    ...(Number.isFinite(width) && width > 0 ? { width } : {}),
    ...(Number.isFinite(height) && height > 0 ? { height } : {}),
  };
}

function items(node: XmlValue | undefined): EventItem[] {
  return children(node, 'SimpleItemDescription').map((d) => ({
    name: attr(d, 'Name') ?? '',
    type: localName(attr(d, 'Type') ?? ''),
  }));
}

/**
 * Walks a wstop:TopicSet: each element is a topic path segment; one marked wstop:topic="true"
 * (or carrying a MessageDescription) is a topic. Prefixes were stripped by the parser, so the
 * ONVIF topic namespace prefix `tns1:` is put back on the root segment.
 */
function collectTopics(
  node: XmlValue | undefined,
  path: string[],
  out: EventTopic[],
  depth: number,
): void {
  if (depth > 16 || !isObject(node)) return;
  for (const name of elementNames(node)) {
    if (name === 'MessageDescription' || name === 'Documentation') continue;
    for (const element of children(node, name)) {
      const segment = [...path, name];
      const description = child(element, 'MessageDescription');
      if (attr(element, 'topic') === 'true' || description !== undefined) {
        out.push({
          topic: `tns1:${segment.join('/')}`,
          source: items(child(description, 'Source')),
          data: items(child(description, 'Data')),
        });
      }
      collectTopics(element, segment, out, depth + 1);
    }
  }
}

function requireText(value: string | undefined, host: string, operation: string): string {
  if (value === undefined || value.trim() === '') {
    throw new OnvifFailure(
      onvifError('ONVIF_BAD_XML', `${host} answered ${operation} without a URI.`),
    );
  }
  return value.trim();
}

function escapeText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
