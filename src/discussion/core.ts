import type { DiscussionStore } from './ports.ts';
import type { CommentRecord } from './records.ts';
import { canEdit, canVote, relationTo, standingOf, type Visibility, visibility, writeRefusal } from './comment-rules.ts';
import { DomainError } from './errors.ts';
import { nameKey } from './names.ts';
import { RenderCache } from './render-cache.ts';
import type { ArticleDirectory, DiscussionHooks, DiscussionSettings, Viewer } from './settings.ts';
import type { CommentView } from './views.ts';

/**
 * What every part of the discussion shares: the store, the articles, the settings, the clock,
 * the hooks, and the few checks each part makes (is this the author, is the article open, may
 * this viewer write, what does this viewer see of a comment).
 */
export class DiscussionCore {
  private readonly authorKeys: Set<string>;
  /** Rendered comment bodies: 8 MB holds a 10,000-comment thread and keeps the process in its memory budget (bench/README.md). */
  private readonly renders = new RenderCache(8 * 1024 * 1024);

  constructor(
    readonly store: DiscussionStore,
    private readonly articles: ArticleDirectory,
    readonly settings: DiscussionSettings,
    readonly now: () => number,
    /** Read on every use: the hooks may be set after the discussion is built. */
    private readonly hooksOf: () => DiscussionHooks,
  ) {
    this.authorKeys = new Set(settings.authorNames.map(nameKey));
  }

  get hooks(): DiscussionHooks {
    return this.hooksOf();
  }

  isAuthor(viewer: Viewer | undefined): boolean {
    return viewer?.identity.role === 'author' && this.authorKeys.has(viewer.identity.nameKey);
  }

  requireArticle(slug: string): 'open' | 'closed' {
    const policy = this.articles.commentPolicy(slug, this.now());
    if (!policy) throw new DomainError('not_found', 'There is no article at that address.');
    return policy;
  }

  async isOpen(slug: string): Promise<boolean> {
    if (this.requireArticle(slug) === 'closed') return false;
    return !(await this.store.isCommentsClosed(slug));
  }

  async requireOpen(slug: string): Promise<void> {
    if (!(await this.isOpen(slug))) throw new DomainError('rule_broken', 'Comments on this article are closed.');
  }

  /** The viewer, if signed in and not banned; otherwise the refusal a writer is shown (see comment-rules.ts). */
  requireViewer(viewer: Viewer | undefined): Viewer {
    if (!viewer) throw new DomainError('unauthenticated', 'Sign in with a display name first.');
    const refusal = writeRefusal(standingOf(viewer.identity, this.now()));
    if (refusal) throw new DomainError('forbidden', refusal);
    return viewer;
  }

  /** Whether a stored comment is shown to this viewer, and as what (see comment-rules.ts). */
  visibleTo(c: CommentRecord, viewer: Viewer | undefined): Visibility {
    return visibility(c, relationTo(c.identityId, viewer?.identity.id, this.isAuthor(viewer)));
  }

  renderedHtml(c: CommentRecord): string {
    return this.renders.html(c);
  }

  /** One stored comment as this viewer sees it; `voted` holds the ids the viewer upvoted. */
  toView(c: CommentRecord, viewer: Viewer | undefined, voted: Set<string>, open: boolean): CommentView {
    const shown = this.visibleTo(c, viewer);
    const deleted = shown === 'placeholder';
    const mine = viewer !== undefined && c.identityId === viewer.identity.id;
    const now = this.now();
    return {
      id: c.id,
      parentId: c.parentId,
      articleSlug: c.articleSlug,
      authorName: deleted ? null : c.authorName,
      isAuthor: !deleted && c.authorRole === 'author',
      html: deleted ? '' : this.renders.html(c),
      score: c.score,
      createdAt: c.createdAt,
      editedAt: c.editedAt,
      deleted,
      pinned: c.pinned,
      votedByMe: voted.has(c.id),
      mine,
      canEdit: canEdit(c, { isWriter: mine, open, now, editWindowMs: this.settings.editWindowMs }),
      canVote: canVote(c, { voterId: viewer?.identity.id, shown, open }),
      held: c.state === 'held',
      removed: c.state === 'hidden',
      locked: c.locked,
      writerId: c.identityId,
      state: c.state,
    };
  }
}
