import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Test fixture (not exported from the index): a webhook receiver on loopback that records every request. */
export interface ReceivedDelivery {
  readonly webhookId: string;
  readonly timestamp: string;
  readonly signature: string;
  readonly subscriptionId: string;
  readonly attempt: number;
  readonly contentType: string;
  readonly body: string;
  readonly event: { id: string; type: string; subject: string; position: string; revision: string };
  /** What the receiver answered. */
  readonly status: number;
}

export class WebhookReceiver {
  readonly requests: ReceivedDelivery[] = [];
  /** Status to answer the nth request (1-based, counted over this receiver's life). */
  respond: (n: number, delivery: Omit<ReceivedDelivery, 'status'>) => number = () => 204;

  private readonly server: http.Server;
  private address = '';

  private constructor() {
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  get url(): string {
    return this.address;
  }

  static async start(path = '/hook'): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.server.address() as AddressInfo;
    receiver.address = `http://127.0.0.1:${port}${path}`;
    return receiver;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const header = (name: string) => String(req.headers[name] ?? '');
      let event: ReceivedDelivery['event'];
      try {
        event = JSON.parse(body) as ReceivedDelivery['event'];
      } catch {
        event = { id: '', type: '', subject: '', position: '', revision: '' };
      }
      const delivery = {
        webhookId: header('webhook-id'),
        timestamp: header('webhook-timestamp'),
        signature: header('webhook-signature'),
        subscriptionId: header('webhook-subscription'),
        attempt: Number(header('webhook-attempt')),
        contentType: header('content-type'),
        body,
        event,
      };
      const status = this.respond(this.requests.length + 1, delivery);
      this.requests.push({ ...delivery, status });
      res.writeHead(status).end();
    });
  }

  /** Requests answered 2xx. */
  accepted(): ReceivedDelivery[] {
    return this.requests.filter((r) => r.status >= 200 && r.status < 300);
  }

  /** Distinct event ids accepted, in order of first acceptance. */
  acceptedIds(): string[] {
    return [...new Set(this.accepted().map((r) => r.webhookId))];
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Polls `condition` until it holds (no fixed sleeps); fails with `what` after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  condition: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
