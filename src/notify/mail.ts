// The author's mail, through the SMTP server the operator names. Only ever to the address in
// the operator's settings (BYLINE_AUTHOR_EMAIL): no reader can make Byline mail anyone. A burst
// of comments makes one mail: the queue holds mail until the spacing allows (dispatcher.ts).
import type { Transporter } from 'nodemailer';
import { headline, type NotifyEvent } from './events.ts';
import type { PostResult } from './http-post.ts';

export interface MailSettings {
  smtpUrl: string;
  from: string;
  to: string;
  siteTitle: string;
}

export class AuthorMail {
  /** Made on the first mail: nodemailer is loaded only by a site that sends one (start-up and memory). */
  private transport: Promise<Transporter> | undefined;

  constructor(private readonly settings: MailSettings) {}

  private transporter(): Promise<Transporter> {
    this.transport ??= import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport({
        url: this.settings.smtpUrl,
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
        socketTimeout: 20_000,
      }),
    );
    return this.transport;
  }

  async send(events: readonly NotifyEvent[]): Promise<PostResult> {
    if (events.length === 0) return { ok: true, outcome: 'nothing to send' };
    const { subject, text } = digest(this.settings.siteTitle, events);
    try {
      const transport = await this.transporter();
      const info = await transport.sendMail({ from: this.settings.from, to: this.settings.to, subject, text });
      return { ok: true, outcome: `sent (${events.length} item${events.length === 1 ? '' : 's'}): ${String(info.response).slice(0, 80)}` };
    } catch (err) {
      return { ok: false, outcome: err instanceof Error ? err.message : 'the mail server refused' };
    }
  }

  close(): void {
    void this.transport?.then((t) => t.close()).catch(() => {});
  }
}

/** One mail for several events: a subject that counts them, a few lines each. */
export function digest(siteTitle: string, events: readonly NotifyEvent[]): { subject: string; text: string } {
  const subject =
    events.length === 1 ? `${siteTitle}: ${headline(events[0]!)}` : `${siteTitle}: ${events.length} new things in the discussion`;
  const text = events.map((e) => `${headline(e)}\n${e.comment.excerpt ? `  “${e.comment.excerpt}”\n` : ''}  ${e.comment.url}\n`).join('\n');
  return { subject, text: `${text}\nYou get these mails because the site's settings name your address.\n` };
}
