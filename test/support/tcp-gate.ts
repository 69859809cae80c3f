import net from 'node:net';

/**
 * A TCP relay on 127.0.0.1 that can be shut like a network cable: while shut it drops every
 * connection at once (the client sees a reset, as when the server is unreachable), and shutting it
 * cuts the connections in flight.
 */
export class TcpGate {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private isOpen = true;

  constructor(private readonly targetPort: number) {
    this.server = net.createServer((client) => this.accept(client));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  get open(): boolean {
    return this.isOpen;
  }

  setOpen(open: boolean): void {
    this.isOpen = open;
    if (!open) for (const s of this.sockets) s.destroy();
  }

  close(): Promise<void> {
    this.setOpen(false);
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    if (!this.isOpen) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    const cut = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    this.sockets.add(client);
    this.sockets.add(upstream);
    for (const s of [client, upstream]) {
      s.on('error', cut);
      s.on('close', cut);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
