// The article page of a signed-in reader whose browser runs no script, made without rendering or
// compressing the whole page per request. Most of the page is the same for every signed-in
// reader: it is rendered once per page and change of the article (kept in the page cache, which
// drops it when the article changes), with holes where readers differ: the header's name and
// inbox badge, the composer (name, form tokens), and each comment's actions (vote pressed or not,
// own score, Edit and Delete, the CSRF token). Each request fills the holes and sends gzip made of
// pieces compressed once (see gzip-segments.ts). What the shared part shows is as of its render,
// like the anonymous page's: relative times and the live stream's starting event may be up to the
// page cache's age limit old; any change to the article makes it anew.
//
// Measured on the 300-comment article (bench seed, wrk -t2 -c32, 2 shared cores): rendering and
// compressing the 140 KB page per request ran at 116 req/s, p99 0.9 s; made from pieces, 2,400–
// 5,000 req/s (0.10–0.19× bare Node sending the same bytes), p99 60–85 ms in most rounds.
import { randomId } from '../discussion/secrets.ts';
import type { Viewer } from '../discussion/service.ts';
import { visibility } from '../discussion/comment-rules.ts';
import type { CommentRecord } from '../discussion/records.ts';
import type { DisplayItem, ThreadPage } from '../discussion/views.ts';
import type { Article } from '../content/types.ts';
import { articleComments } from './article-comments.ts';
import type { AppContext } from './context.ts';
import type { DiscussionQuery } from './discussion-query.ts';
import { type Piece, WINDOW, deflatePiece, repeatPiece, storedPiece } from './gzip-segments.ts';
import { renderArticleDocument } from './pages/article.tsx';
import { CommentActions } from './pages/comment-item.tsx';
import { ComposerBody, type DiscussionViewer, DiscussionSection } from './pages/discussion.tsx';
import { ReaderItems } from './pages/layout.tsx';
import type { PageViewer } from './pages/meta.tsx';
import { renderFragment } from './render.ts';

/**
 * Holes are marked with NUL, which no page text holds (comments and names refuse control
 * characters); a page that holds one anyway fails the count check and is rendered in full.
 */
const NUL = '\u0000';
const mark = (name: string) => `${NUL}${name}${NUL}`;
const READER = 'R';
const COMPOSER = 'C';
const ACTIONS = 'A';
const CSRF = 'T';

/** Length of a CSRF token (guard.ts): the dictionary holds that many NULs in its place. */
const CSRF_LENGTH = 32;

/**
 * How far back a comment's compressed actions may refer: deflate's whole window. Measured on the
 * 300-comment page (140 KB): 50.9 KB of gzip when each comment's pieces refer only to the text
 * since the comment before, 31.2 KB with the window, 29.2 KB with the tokens as back-references
 * (gzip -9 of the whole page: 23.6 KB; the brotli the full render sent: 22.7 KB).
 */
const CONTEXT = WINDOW;

/** One comment's actions for one kind of reader, and the page after them up to the next comment's. */
type Variant = (Piece | typeof CSRF)[];

/** How a reader stands to one comment: all the actions depend on, besides the comment itself. */
type VariantKey = 'other' | 'voted' | 'own' | 'own-editable';

interface Slot {
  /** The comment (as a reader with no votes and no comments of their own sees it). */
  item: DisplayItem;
  /** The page's bytes just before the actions: what their compression may refer back to. */
  before: Buffer;
  /** The page's bytes after the actions, up to the next slot or the end. */
  after: Buffer;
  /** Each kind of reader's actions, compressed against `before` alone: right whatever came above. */
  variants: Map<VariantKey, Variant>;
  /**
   * The plain actions compressed against up to CONTEXT bytes of the page above, as it reads when
   * every comment above has its plain actions: about half the size, and right for most readers.
   */
  plain: Variant;
  /** Where that context starts, and where these actions end, counted in the plain page from the first comment. */
  contextFrom: number;
  actionsEnd: number;
}

export interface ReaderTemplate {
  slug: string;
  open: boolean;
  /** Up to the header's reader items; to the composer; to the first comment's actions. */
  head: Piece;
  middle: Piece;
  beforeComments: Piece;
  slots: Slot[];
  /** Readers with a comment here that they see otherwise than everyone (held, or theirs while muted). */
  seeOwnComments: Set<string>;
  bytes: number;
}

/** Stands in for "a signed-in reader with no votes and no comments here" while the page is made. */
const nobody: Viewer = {
  identity: {
    // No identity has this id (theirs are base32); it is only looked up for its votes (none).
    id: 'reader-page:nobody',
    name: '',
    nameKey: '',
    role: 'reader',
    createdAt: 0,
    ipPrefixHash: null,
    bannedUntil: null,
    banReason: null,
    muted: false,
  },
};

/** The template's view of a signed-in reader: its CSRF token is a hole. */
const templateViewer: DiscussionViewer & PageViewer = { name: '', isAuthor: false, csrf: mark(CSRF) };

/** Makes the page for one query of an article; undefined when it cannot be split (then: full render). */
export async function makeReaderTemplate(
  ctx: AppContext,
  article: Article,
  query: DiscussionQuery,
  authorName: string,
): Promise<ReaderTemplate | undefined> {
  const slug = article.slug;
  const records = await articleComments(ctx, slug);
  const page: ThreadPage = await ctx.discussion.threadPage(slug, nobody, {
    sort: query.sort,
    after: query.after ? String(query.after) : undefined,
    focus: query.thread,
    records: async () => records,
  });
  const [open, lastEventId] = await Promise.all([ctx.discussion.isOpen(slug), ctx.reads.latestEventId()]);
  const html = renderArticleDocument(
    ctx,
    article,
    DiscussionSection({
      slug,
      authorName,
      page,
      viewer: templateViewer,
      open,
      now: ctx.now(),
      lastEventId,
      idempotencyKey: '',
      slots: { composer: mark(COMPOSER), actions: mark(ACTIONS) },
    }),
    null,
    { readerSlot: mark(READER) },
  );
  const parts = html.split(NUL);
  const withActions = page.items.filter((item) => !item.comment.deleted);
  // Static text, then name and static text for each hole, in the page's order.
  const expected = [READER, COMPOSER, ...withActions.map(() => ACTIONS)];
  if (parts.length !== 1 + expected.length * 2 || expected.some((name, i) => parts[1 + i * 2] !== name)) return undefined;
  const text = (i: number) => Buffer.from(parts[i * 2]!);
  const beforeComments = text(2);
  // The page from the first comment's actions on, as a reader with only plain actions gets it
  // (CSRF tokens as NULs): each slot's plain actions are compressed against its last CONTEXT bytes.
  let context = beforeComments.subarray(-CONTEXT);
  let offset = 0;
  const slots: Slot[] = withActions.map((item, i) => {
    const before = i === 0 ? beforeComments : text(2 + i);
    const after = text(3 + i);
    const actions = actionsHtml(slug, item, 'other');
    const actionsLength = Buffer.byteLength(actions.replace(mark(CSRF), NUL.repeat(CSRF_LENGTH)));
    const slot: Slot = {
      item,
      before,
      after,
      variants: new Map(),
      plain: compile(actions, after, context),
      contextFrom: Math.max(0, offset - CONTEXT),
      actionsEnd: offset + actionsLength,
    };
    const plainBytes = Buffer.concat([Buffer.from(actions.replace(mark(CSRF), NUL.repeat(CSRF_LENGTH))), after]);
    context = Buffer.concat([context, plainBytes]).subarray(-CONTEXT);
    offset += plainBytes.length;
    return slot;
  });
  return {
    slug,
    open,
    head: deflatePiece(text(0)),
    middle: deflatePiece(text(1)),
    beforeComments: deflatePiece(beforeComments),
    slots,
    seeOwnComments: ownSightings(records),
    // Raw, compressed twice, and a few variants made later.
    bytes: Buffer.byteLength(html) * 2,
  };
}

/** Writers who see one of their comments here otherwise than others do (see comment-rules.ts). */
function ownSightings(records: readonly CommentRecord[]): Set<string> {
  const writers = new Set<string>();
  for (const c of records) {
    if (c.identityId !== null && visibility(c, 'writer') !== visibility(c, 'other')) writers.add(c.identityId);
  }
  return writers;
}

/** The actions of one comment for one kind of reader, the reader's CSRF token marked. */
function actionsHtml(slug: string, item: DisplayItem, key: VariantKey): string {
  const base = item.comment;
  const comment =
    key === 'other'
      ? base
      : key === 'voted'
        ? { ...base, votedByMe: true }
        : { ...base, mine: true, canVote: false, canEdit: key === 'own-editable' };
  // Slots are the comments that have actions, so this is never null.
  return renderFragment(CommentActions({ item: { ...item, comment }, slug, viewer: templateViewer })!);
}

/** Actions and the static text after them, compressed to follow `context`, the token left as a hole. */
function compile(actions: string, after: Buffer, context: Buffer): Variant {
  const [before, token, rest] = actions.split(NUL);
  if (token === undefined) return [deflatePiece(Buffer.concat([Buffer.from(actions), after]), context)];
  const a = Buffer.from(before!);
  // The token differs per reader: the dictionary holds NULs in its place, which the text after
  // never contains, so no reference reaches into it.
  return [
    deflatePiece(a, context),
    CSRF,
    deflatePiece(Buffer.concat([Buffer.from(rest!), after]), Buffer.concat([context, a, Buffer.alloc(CSRF_LENGTH)])),
  ];
}

/** The actions of a slot's comment for one kind of reader, compressed against `before`, made once when first asked for. */
function variant(slug: string, slot: Slot, key: VariantKey): Variant {
  let made = slot.variants.get(key);
  if (!made) {
    made = compile(actionsHtml(slug, slot.item, key), slot.after, slot.before);
    slot.variants.set(key, made);
  }
  return made;
}

/** What the reader's own page needs beside the template: their votes, their comments, their header. */
export interface ReaderState {
  viewer: Viewer;
  discussionViewer: DiscussionViewer & PageViewer;
  header: PageViewer | null;
  voted: string[];
  own: { id: string; canEdit: boolean }[];
  open: boolean;
}

/**
 * The reader's page as pieces, or undefined when this reader must get the full render: one who
 * sees comments here that others don't (held, or theirs while muted: rare, so not worth a hole
 * per comment), the author (whose page carries moderation controls and hidden comments), a
 * banned reader (whose buttons carry the ban's reason), or a page changed since the template.
 */
export function readerPieces(template: ReaderTemplate, state: ReaderState): Piece[] | undefined {
  const dv = state.discussionViewer;
  if (dv.isAuthor || dv.standing?.kind === 'banned' || dv.csrf.length !== CSRF_LENGTH) return undefined;
  if (state.open !== template.open || template.seeOwnComments.has(state.viewer.identity.id)) return undefined;
  const voted = new Set(state.voted);
  const own = new Map(state.own.map((c) => [c.id, c.canEdit]));
  const csrf = storedPiece(Buffer.from(dv.csrf));
  const pieces: Piece[] = [
    template.head,
    storedPiece(Buffer.from(renderFragment(ReaderItems({ viewer: state.header })))),
    template.middle,
    storedPiece(
      Buffer.from(renderFragment(ComposerBody({ slug: template.slug, viewer: dv, open: template.open, idempotencyKey: randomId(20) }))),
    ),
    template.beforeComments,
  ];
  // Where, in the plain page, the last actions other than plain ones end: a slot's plain pieces
  // refer back to CONTEXT bytes of the plain page, so they fit only past that point.
  let changedUntil = 0;
  /** Bytes of the page so far, and where the last token in it starts. */
  let at = pieces.reduce((sum, p) => sum + p.raw.length, 0);
  let lastToken = -1;
  const chosen = template.slots.map((slot): Variant => {
    const id = slot.item.comment.id;
    const editable = own.get(id);
    const key: VariantKey = editable === undefined ? (voted.has(id) ? 'voted' : 'other') : editable ? 'own-editable' : 'own';
    if (key === 'other' && slot.contextFrom >= changedUntil) return slot.plain;
    if (key !== 'other') changedUntil = slot.actionsEnd;
    return variant(template.slug, slot, key);
  });
  for (const parts of chosen) {
    for (const part of parts) {
      if (part !== CSRF) {
        pieces.push(part);
        at += part.raw.length;
        continue;
      }
      // The token is the same in every form: past the first, a back-reference of 8 bytes, not 37.
      pieces.push(lastToken >= 0 && at - lastToken <= WINDOW ? repeatPiece(csrf, at - lastToken) : csrf);
      lastToken = at;
      at += CSRF_LENGTH;
    }
  }
  return pieces;
}
