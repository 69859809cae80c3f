// ONVIF PullPoint subscription (ONVIF Event service spec 9.1, WS-BaseNotification): create a
// subscription on the device's event service, pull messages in a loop, renew before the
// termination time, unsubscribe on stop. The device client does not expose calls to an
// arbitrary subscription address, so the few SOAP exchanges live here on the same transport:
// WS-UsernameToken in every request, and an HTTP Digest challenge answered when one comes.
import { authError, OnvifFailure, onvifError, toResult, type OnvifResult } from '../onvif/errors';
import {
  digestAuthorization,
  httpExchange,
  parseAuthChallenges,
  type DigestState,
} from '../onvif/http-transport';
import { NS, faultToError, findFault, soapEnvelope, usernameTokenHeader } from '../onvif/soap';
import {
  attr,
  child,
  children,
  elementNames,
  parseSoapEnvelope,
  text,
  type XmlValue,
} from '../onvif/xml';

const WSNT = 'http://docs.oasis-open.org/wsn/b-2';

export interface PulledMessage {
  topic: string;
  at: Date;
  data: Record<string, string>;
  source: Record<string, string>;
}

export interface PullPointOptions {
  credentials?: { username: string; password: string };
  /** Camera clock minus ours, to sign WS-UsernameToken with the camera's time. */
  clockOffsetMs?: number;
  timeoutMs: number;
  /** HTTP Digest state, kept across the calls of one subscription (cameras with authStyle digest). */
  digest?: { state?: DigestState };
}

const seconds = (ms: number): string => `PT${Math.max(1, Math.round(ms / 1000))}S`;

export class PullPointSubscription {
  private constructor(
    readonly address: URL,
    private readonly options: PullPointOptions,
    /** Our clock at which the camera ends the subscription unless renewed. */
    public expiresAt: number,
  ) {}

  static create(
    eventsUrl: URL,
    ttlMs: number,
    options: PullPointOptions,
  ): Promise<OnvifResult<PullPointSubscription>> {
    return toResult(async () => {
      const r = await exchange(
        eventsUrl,
        'CreatePullPointSubscription',
        `${NS.events}/EventPortType/CreatePullPointSubscriptionRequest`,
        `<tev:CreatePullPointSubscription><tev:InitialTerminationTime>${seconds(ttlMs)}</tev:InitialTerminationTime></tev:CreatePullPointSubscription>`,
        options,
      );
      const address = text(r, 'SubscriptionReference', 'Address')?.trim();
      if (!address)
        throw new OnvifFailure(
          onvifError(
            'ONVIF_BAD_XML',
            `${eventsUrl.host} created a subscription without an address.`,
          ),
        );
      let url = new URL(address, eventsUrl);
      // Cameras may advertise an address we cannot reach (link-local): keep the host we reached.
      if (url.host !== eventsUrl.host) {
        url = new URL(url.toString());
        url.host = eventsUrl.host;
      }
      return new PullPointSubscription(url, options, Date.now() + termination(r, ttlMs));
    });
  }

  pull(timeoutMs: number, limit: number): Promise<OnvifResult<PulledMessage[]>> {
    return toResult(async () => {
      const r = await exchange(
        this.address,
        'PullMessages',
        `${NS.events}/PullPointSubscription/PullMessagesRequest`,
        `<tev:PullMessages><tev:Timeout>${seconds(timeoutMs)}</tev:Timeout><tev:MessageLimit>${limit}</tev:MessageLimit></tev:PullMessages>`,
        { ...this.options, timeoutMs: this.options.timeoutMs + timeoutMs },
      );
      const ttl = text(r, 'TerminationTime');
      if (ttl) this.expiresAt = Date.now() + termination(r, 0);
      return children(r, 'NotificationMessage').map(toMessage);
    });
  }

  renew(ttlMs: number): Promise<OnvifResult<void>> {
    return toResult(async () => {
      const r = await exchange(
        this.address,
        'Renew',
        `${WSNT}/SubscriptionManager/RenewRequest`,
        `<wsnt:Renew xmlns:wsnt="${WSNT}"><wsnt:TerminationTime>${seconds(ttlMs)}</wsnt:TerminationTime></wsnt:Renew>`,
        this.options,
      );
      this.expiresAt = Date.now() + termination(r, ttlMs);
    });
  }

  unsubscribe(): Promise<OnvifResult<void>> {
    return toResult(async () => {
      await exchange(
        this.address,
        'Unsubscribe',
        `${WSNT}/SubscriptionManager/UnsubscribeRequest`,
        `<wsnt:Unsubscribe xmlns:wsnt="${WSNT}"/>`,
        this.options,
      );
    });
  }
}

/** TerminationTime − CurrentTime from the camera (both on its clock), else the asked TTL. */
function termination(r: XmlValue | undefined, fallbackMs: number): number {
  const current = Date.parse(text(r, 'CurrentTime') ?? '');
  const end = Date.parse(text(r, 'TerminationTime') ?? '');
  if (Number.isFinite(current) && Number.isFinite(end) && end > current) return end - current;
  return fallbackMs;
}

function items(node: XmlValue | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of children(node, 'SimpleItem')) {
    const name = attr(item, 'Name');
    if (name !== undefined) out[name] = attr(item, 'Value') ?? '';
  }
  return out;
}

function toMessage(m: XmlValue): PulledMessage {
  const message = child(m, 'Message', 'Message');
  const at = Date.parse(attr(message, 'UtcTime') ?? '');
  return {
    topic: (text(m, 'Topic') ?? '').trim(),
    at: Number.isFinite(at) ? new Date(at) : new Date(),
    data: items(child(message, 'Data')),
    source: items(child(message, 'Source')),
  };
}

async function exchange(
  url: URL,
  operation: string,
  action: string,
  body: string,
  options: PullPointOptions,
): Promise<XmlValue | undefined> {
  const header = options.credentials
    ? usernameTokenHeader(options.credentials, new Date(Date.now() + (options.clockOffsetMs ?? 0)))
    : undefined;
  const envelope = soapEnvelope(body, header);
  const digest = options.digest;
  const credentials = options.credentials;
  const send = () => {
    const uri = `${url.pathname}${url.search}`;
    return httpExchange({
      url,
      method: 'POST',
      headers: {
        'Content-Type': `application/soap+xml; charset=utf-8; action="${action}"`,
        ...(digest?.state && credentials
          ? { Authorization: digestAuthorization(digest.state, credentials, 'POST', uri) }
          : {}),
      },
      body: envelope,
      timeoutMs: options.timeoutMs,
      maxBytes: 1024 * 1024,
    });
  };
  let reply = await send();
  const [challenge] = parseAuthChallenges(reply.challenges).digest;
  if (reply.status === 401 && challenge && digest && credentials) {
    digest.state = { challenge, nonceCount: 0 };
    reply = await send();
  }
  if (reply.status === 401 || reply.status === 403) throw new OnvifFailure(authError(url.host));
  const parsed = reply.body.length > 0 ? parseSoapEnvelope(reply.body) : undefined;
  if (parsed && !parsed.ok) throw new OnvifFailure(parsed.error);
  const soapBody = parsed ? child(parsed.root, 'Body') : undefined;
  const fault = findFault(soapBody);
  if (fault !== undefined) throw new OnvifFailure(faultToError(fault, url.host, operation));
  if (reply.status !== 200)
    throw new OnvifFailure(
      onvifError('ONVIF_FAULT', `${url.host} answered ${operation} with HTTP ${reply.status}.`),
    );
  const [name] = elementNames(soapBody);
  return name === undefined ? undefined : child(soapBody, name);
}
