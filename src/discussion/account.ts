import type { CommentState } from './records.ts';
import type { DiscussionCore } from './core.ts';
import { DomainError } from './errors.ts';
import type { Viewer } from './settings.ts';

/** Everything the site holds about one reader, as they download it from their own page. */
export interface AccountExport {
  exportedAt: string;
  identity: { id: string; name: string; createdAt: string };
  comments: {
    id: string;
    article: string;
    parentId: string | null;
    body: string;
    score: number;
    createdAt: string;
    editedAt: string | null;
    state: CommentState;
  }[];
  votes: { commentId: string; createdAt: string }[];
}

/** A reader's own data: export it, or delete the name with everything it wrote. */
export class Account {
  constructor(private readonly core: DiscussionCore) {}

  /** Deletes the identity; returns the slugs of the articles whose discussion changed. */
  delete(viewer: Viewer): Promise<string[]> {
    return this.core.store.deleteIdentity(viewer.identity.id, this.core.now());
  }

  async export(viewer: Viewer): Promise<AccountExport> {
    const data = await this.core.store.exportIdentity(viewer.identity.id);
    if (!data) throw new DomainError('not_found', 'There is no data for this identity.');
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      exportedAt: iso(this.core.now()),
      identity: { id: data.identity.id, name: data.identity.name, createdAt: iso(data.identity.createdAt) },
      comments: data.comments.map((c) => ({
        id: c.id,
        article: c.articleSlug,
        parentId: c.parentId,
        body: c.body,
        score: c.score,
        createdAt: iso(c.createdAt),
        editedAt: c.editedAt === null ? null : iso(c.editedAt),
        state: c.state,
      })),
      votes: data.votes.map((v) => ({ commentId: v.commentId, createdAt: iso(v.createdAt) })),
    };
  }
}
