import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface SinkMail {
  /** The Message-ID header, angle brackets included. */
  messageId: string | null;
  to: string[];
  data: string;
}

/**
 * A real SMTP server (smtp-server) on 127.0.0.1 that keeps what it accepted and can be slow to
 * answer: it holds the final reply to DATA for `answerDelayMs`, the window in which a client may
 * die holding a message the server has not accepted yet. A message whose client is gone by then
 * is not accepted, as a real mail server would drop it.
 */
export class SmtpSink {
  /** Messages answered with 250, in order. */
  readonly accepted: SinkMail[] = [];
  /** Messages received in full whose reply is held back right now. */
  holding = 0;
  /** Messages received in full (accepted or not). */
  received = 0;
  /** SMTP connections opened by clients. */
  connections = 0;
  /** Test hooks: a message arrived in full (reply held back); a 250 just went out. */
  onReceived: ((mail: SinkMail) => void) | undefined;
  onAccepted: ((mail: SinkMail) => void) | undefined;
  port = 0;
  private server: SMTPServer | undefined;
  private readonly closed = new Set<string>();
  /** Server errors other than a client resetting its connection. */
  readonly errors: Error[] = [];

  constructor(private readonly options: { answerDelayMs?: number } = {}) {}

  async start(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      closeTimeout: 1000,
      onConnect: (_session, callback) => {
        this.connections += 1;
        callback();
      },
      onClose: (session) => this.closed.add(session.id),
      onData: (stream, session, done) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const data = Buffer.concat(chunks).toString('utf8');
          const mail: SinkMail = {
            messageId: /^Message-ID:\s*(<[^>\r\n]*>)/im.exec(data)?.[1] ?? null,
            to: session.envelope.rcptTo.map((r) => r.address).sort(),
            data,
          };
          this.received += 1;
          this.holding += 1;
          this.onReceived?.(mail);
          setTimeout(() => {
            this.holding -= 1;
            if (this.closed.has(session.id)) {
              done(new Error('the client is gone'));
              return;
            }
            this.accepted.push(mail);
            done();
            this.onAccepted?.(mail);
          }, this.options.answerDelayMs ?? 0);
        });
      },
    });
    // A client killed mid-conversation (the kill -9 tests) resets its connection: smtp-server
    // reports that on the server object, which would otherwise be an uncaught exception.
    server.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') this.errors.push(err);
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (server.server.address() as AddressInfo).port;
  }

  stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}
