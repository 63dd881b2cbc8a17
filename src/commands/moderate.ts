import { parseArgs } from 'node:util';
import type { Config } from '../config.ts';
import { DomainError } from '../discussion/errors.ts';
import { Inbox } from '../discussion/inbox.ts';
import { type Actor, Moderation } from '../discussion/moderation.ts';
import { openStore } from '../store/open.ts';
import type { Command } from './command.ts';

// `byline moderate`: the moderation queue and the main actions from the shell.

const usage = `Usage:
  byline moderate                          list comments waiting for review
  byline moderate approve|hide|restore|delete|pin|unpin|lock|unlock COMMENT_ID [--reason "..."]
  byline moderate ban IDENTITY_ID --reason "..." [--days N] [--prefix]
  byline moderate unban|mute|unmute|revoke-sessions IDENTITY_ID`;

const operator: Actor = { id: null, name: 'operator' };

export const moderateCommand: Command = {
  args: '[ACTION ID]',
  summary: 'list the queue; approve, hide, restore or delete a comment; ban an identity',
  async run(args: string[], config: Config) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { reason: { type: 'string' }, days: { type: 'string' }, prefix: { type: 'boolean', default: false } },
    });
    const [action, id] = positionals;
    const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: config.migrateOnStart });
    const moderation = new Moderation(store, new Inbox(store));
    try {
      if (!action || action === 'list') {
        const held = await store.listCommentsFiltered({ state: 'held', limit: 500 });
        if (held.length === 0) console.log('Nothing is waiting for review.');
        for (const c of held.reverse()) {
          const body = c.body.replace(/\s+/g, ' ').slice(0, 100);
          console.log(
            `${c.id}  ${new Date(c.createdAt).toISOString()}  ${c.articleSlug}  ${c.authorName ?? '[deleted]'} (${c.identityId ?? '-'})\n    ${body}`,
          );
        }
        return;
      }
      if (!id) throw new Error(usage);
      const commentAction = {
        approve: 'release',
        release: 'release',
        hide: 'hide',
        restore: 'restore',
        delete: 'delete',
        pin: 'pin',
        unpin: 'unpin',
        lock: 'lock',
        unlock: 'unlock',
      } as const;
      const identityAction = { ban: 'ban', unban: 'unban', mute: 'mute', unmute: 'unmute', 'revoke-sessions': 'revoke-sessions' } as const;
      let message: string;
      if (action in commentAction) {
        message = (await moderation.onComment(operator, commentAction[action as keyof typeof commentAction], id, values.reason)).message;
      } else if (action in identityAction) {
        const days = values.days === undefined ? undefined : Number(values.days);
        message = (
          await moderation.onIdentity(operator, identityAction[action as keyof typeof identityAction], id, {
            days,
            reason: values.reason ?? '',
            withPrefix: values.prefix,
          })
        ).message;
      } else {
        throw new Error(`Unknown action '${action}'.\n${usage}`);
      }
      console.log(`${message} (Visitors' cached pages catch up within 5 minutes.)`);
    } catch (err) {
      if (err instanceof DomainError) throw new Error(err.message);
      throw err;
    } finally {
      await store.close();
    }
  },
};
