// The request each kind of webhook receives for one event: Byline's own signed JSON, or the
// message formats ntfy, Discord and Slack accept as they are.
import { headline, type NotifyEvent } from './events.ts';
import type { Webhook } from './ports.ts';
import { SIGNATURE_HEADER, signatureHeader } from './signature.ts';

export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

const JSON_TYPE = 'application/json';

/** Slack reads &, < and > as markup: escaped, a comment can neither link nor mention anyone. */
const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function webhookRequest(webhook: Webhook, event: NotifyEvent, deliveryId: number, unixSeconds: number): OutgoingRequest {
  const title = headline(event);
  switch (webhook.format) {
    case 'json': {
      const body = JSON.stringify({ id: String(deliveryId), ...event });
      return {
        url: webhook.url,
        headers: {
          'Content-Type': JSON_TYPE,
          'Byline-Event': event.type,
          'Byline-Delivery': String(deliveryId),
          [SIGNATURE_HEADER]: signatureHeader(webhook.secret, body, unixSeconds),
        },
        body,
      };
    }
    case 'ntfy': {
      // Published as JSON to the server's root with the topic inside (ntfy's "publish as JSON"),
      // so titles in any script arrive intact, which header fields would not guarantee.
      const url = new URL(webhook.url);
      const topic = url.pathname.replace(/^\/+|\/+$/g, '');
      url.pathname = '/';
      const body = JSON.stringify({ topic, title, message: event.comment.excerpt, click: event.comment.url, tags: ['speech_balloon'] });
      return { url: url.toString(), headers: { 'Content-Type': JSON_TYPE }, body };
    }
    case 'discord': {
      // allowed_mentions with nothing to parse: an "@everyone" in a comment pings no one.
      const body = JSON.stringify({
        content: title.slice(0, 2000),
        embeds: [{ title: event.article.title.slice(0, 256), description: event.comment.excerpt.slice(0, 4096), url: event.comment.url }],
        allowed_mentions: { parse: [] },
      });
      return { url: webhook.url, headers: { 'Content-Type': JSON_TYPE }, body };
    }
    case 'slack': {
      const text = `*${slackEscape(title)}*\n${slackEscape(event.comment.excerpt)}\n<${event.comment.url}|Open the comment>`;
      return { url: webhook.url, headers: { 'Content-Type': JSON_TYPE }, body: JSON.stringify({ text }) };
    }
  }
}

/** The address the author typed, checked: http(s), a host, at most 2000 characters. */
export function webhookUrlProblem(url: string, format: Webhook['format']): string | undefined {
  if (url.length > 2000) return 'That address is too long.';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'That is not a web address. It starts with https://';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'A webhook address starts with https:// (or http://).';
  if (format === 'ntfy' && parsed.pathname.replace(/\//g, '') === '')
    return 'An ntfy address names the topic, e.g. https://ntfy.sh/my-topic';
  return undefined;
}
