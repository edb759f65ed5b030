/**
 * Local receivers for the notices a workflow sends (Slack incoming webhooks, PagerDuty's
 * Events API v2): the test reads what arrived.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedNotice {
  path: string;
  body: unknown;
}

export interface NoticeReceiver {
  /** http://127.0.0.1:<port> */
  url: string;
  /** A Slack incoming-webhook URL on this receiver. */
  slackWebhookUrl: string;
  /** PagerDuty's enqueue URL on this receiver. */
  pagerDutyUrl: string;
  received: ReceivedNotice[];
  slack: () => ReceivedNotice[];
  pagerDuty: () => ReceivedNotice[];
  close: () => Promise<void>;
}

/**
 * Starts the receiver. Slack is answered `ok` (as Slack does), PagerDuty 202 with a dedup key.
 *
 * @example
 * const notices = await startNoticeReceiver();
 * // secrets: { SLACK_WEBHOOK_URL: notices.slackWebhookUrl }
 * expect(notices.slack()).toHaveLength(1);
 */
export async function startNoticeReceiver(): Promise<NoticeReceiver> {
  const received: ReceivedNotice[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString('utf8')));
    req.on('end', () => {
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // kept as text
      }
      const path = req.url ?? '/';
      received.push({ path, body });
      if (path.startsWith('/pagerduty')) {
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: 'local' }));
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    slackWebhookUrl: `${url}/slack/services/T000/B000/local`,
    pagerDutyUrl: `${url}/pagerduty/v2/enqueue`,
    received,
    slack: () => received.filter((n) => n.path.startsWith('/slack')),
    pagerDuty: () => received.filter((n) => n.path.startsWith('/pagerduty')),
    close: () => new Promise((r) => server.close(() => r())),
  };
}
