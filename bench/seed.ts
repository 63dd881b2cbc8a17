// Realistic discussion data for the benchmark and the size budgets: named readers, threaded
// comments of one to four sentences with some Markdown, and upvotes that keep scores exact.
// Everything goes through the store's own methods, in batches that share one commit each.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nameKey } from '../src/discussion/names.ts';
import { hashSecret, newSessionToken, randomId } from '../src/discussion/secrets.ts';
import type { SqlStore } from '../src/store/sql-store.ts';

/** Small deterministic generator (mulberry32), so every run seeds the same shapes. */
export function makeRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: () => number, list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

const firstNames = [
  'Ada',
  'Bram',
  'Chidi',
  'Dana',
  'Elif',
  'Femi',
  'Greta',
  'Hiro',
  'Ines',
  'Jonah',
  'Kavya',
  'Lars',
  'Mina',
  'Nico',
  'Olu',
  'Priya',
  'Quentin',
  'Rosa',
  'Sami',
  'Tove',
  'Uma',
  'Viktor',
  'Wen',
  'Xavi',
  'Yara',
  'Zeno',
];
const lastNames = [
  'Abbott',
  'Brandt',
  'Castillo',
  'Dufresne',
  'Eklund',
  'Fairweather',
  'Gallo',
  'Haddad',
  'Iversen',
  'Jablonski',
  'Kowalczyk',
  'Lindqvist',
  'Moreau',
  'Nakamura',
  'Okafor',
  'Petrov',
  'Quist',
  'Ramos',
  'Sato',
  'Tanaka',
  'Ueda',
  'Vance',
  'Whitlock',
  'Yilmaz',
];

/**
 * Sentences in the voice of the site: a word-pair (order-1 Markov) chain over the demo essays, so
 * bodies are new text with English's statistics (and compress like it), not a few lines repeated.
 */
export class SentenceMaker {
  private readonly next = new Map<string, string[]>();
  private readonly starts: string[] = [];

  constructor(contentDir: string) {
    const dir = join(contentDir, 'writing');
    const words: string[] = [];
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('.md'))
      .sort()) {
      const text = readFileSync(join(dir, file), 'utf8').replace(/^---\n[\s\S]*?\n---\n/, '');
      let fenced = false;
      for (const line of text.split('\n')) {
        if (line.startsWith('```')) fenced = !fenced;
        if (fenced || /^\s*(#|\||!\[|<|```|-\s*\[)/.test(line)) continue;
        words.push(
          ...line
            .replace(/[*_`>]|\[([^\]]*)\]\([^)]*\)/g, '$1')
            .split(/\s+/)
            .filter((w) => w.length > 0 && !/^(\d+\.|-)$/.test(w)),
        );
      }
    }
    for (let i = 0; i + 1 < words.length; i++) {
      const w = words[i]!;
      const list = this.next.get(w);
      if (list) list.push(words[i + 1]!);
      else this.next.set(w, [words[i + 1]!]);
      if (/[.?!]["”]?$/.test(w) && /^[A-Z]/.test(words[i + 1]!)) this.starts.push(words[i + 1]!);
    }
    if (this.starts.length === 0) throw new Error(`No sentences to learn from in ${dir}.`);
  }

  sentence(random: () => number): string {
    let word = pick(random, this.starts);
    const out = [word];
    while (out.length < 32) {
      const options = this.next.get(word);
      if (!options) break;
      word = pick(random, options);
      out.push(word);
      if (/[.?!]["”]?$/.test(word) && out.length >= 5) break;
    }
    const text = out.join(' ');
    return /[.?!]["”]?$/.test(text) ? text : `${text.replace(/[,;:]$/, '')}.`;
  }
}

/** One to four sentences, some with Markdown: emphasis, code, a quote, a list, a link. */
export function commentBody(random: () => number, maker: SentenceMaker, linkBase = 'http://localhost:3000'): string {
  const n = 1 + Math.floor(random() * 4);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    let s = maker.sentence(random);
    const roll = random();
    if (roll < 0.12) s = s.replace(/\b([a-z]{6,})\b/, '*$1*');
    else if (roll < 0.2) s = s.replace(/\b([a-z]{5,})\b/, '**$1**');
    else if (roll < 0.24) s = s.replace(/\b([a-z]{4,})\b/, '`$1`');
    parts.push(s);
  }
  const shape = random();
  if (shape < 0.06) return `> ${parts[0]}\n\n${parts.slice(1).join(' ') || maker.sentence(random)}`;
  if (shape < 0.1 && parts.length > 1)
    return `${parts[0]}\n\n${parts
      .slice(1)
      .map((p, i) => `${i + 1}. ${p}`)
      .join('\n')}`;
  if (shape < 0.13)
    return `${parts.join(' ')} More here: ${linkBase}/writing/${pick(random, ['scope-is-a-promise', 'done-is-a-decision', 'the-last-ten-percent'])}`;
  return parts.join(random() < 0.3 ? '\n\n' : ' ');
}

export interface SeededIdentity {
  id: string;
  name: string;
  /** Session token, sent as the session cookie's value. */
  token: string;
}

async function inBatches<T, R>(items: readonly T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

/** Creates readers with unique names and one open session each. */
export async function seedIdentities(store: SqlStore, count: number, opts: { now: number; tag: string }): Promise<SeededIdentity[]> {
  const specs: { name: string; key: string }[] = [];
  const keys = new Set<string>();
  for (let i = 0; specs.length < count; i++) {
    const base = `${firstNames[i % firstNames.length]} ${lastNames[Math.floor(i / firstNames.length) % lastNames.length]}`;
    const round = Math.floor(i / (firstNames.length * lastNames.length));
    const name = round === 0 && opts.tag === '' ? base : `${base} ${opts.tag}${round > 0 ? ` ${round}` : ''}`.trim();
    const key = nameKey(name);
    if (keys.has(key)) continue;
    keys.add(key);
    specs.push({ name, key });
  }
  return inBatches(specs, 250, async ({ name, key }) => {
    const id = randomId(16);
    const created = await store.createIdentity(
      {
        id,
        name,
        nameKey: key,
        role: 'reader',
        createdAt: opts.now - 90 * 86_400_000,
        ipPrefixHash: null,
        bannedUntil: null,
        banReason: null,
        muted: false,
      },
      null,
    );
    if (!created) throw new Error(`Seeding: the name ${name} is already taken.`);
    const token = newSessionToken();
    await store.createSession(hashSecret(token), id, opts.now);
    return { id, name, token };
  });
}

export interface SeededThread {
  commentIds: string[];
  /** Author of each comment, by id. */
  authorOf: Map<string, string>;
  votes: number;
}

/**
 * Threaded comments on one article: about a third start a thread, the rest answer a recent or a
 * random earlier comment. Times run over the last `spanDays` days, oldest first. Each comment gets
 * 0..maxVotes upvotes from other readers.
 */
export async function seedThread(
  store: SqlStore,
  opts: {
    slug: string;
    comments: number;
    identities: readonly SeededIdentity[];
    now: number;
    seed: number;
    sentences: SentenceMaker;
    spanDays?: number;
    maxVotes?: number;
  },
): Promise<SeededThread> {
  const random = makeRandom(opts.seed);
  const span = (opts.spanDays ?? 30) * 86_400_000;
  const start = opts.now - span;
  const rows: { id: string; parentId: string | null; depth: number; identityId: string; body: string; createdAt: number }[] = [];
  for (let i = 0; i < opts.comments; i++) {
    const identity = pick(random, opts.identities);
    let parent: (typeof rows)[number] | undefined;
    if (rows.length > 0 && random() >= 0.35) {
      const recent = random() < 0.6;
      const index = recent ? rows.length - 1 - Math.floor(random() * Math.min(10, rows.length)) : Math.floor(random() * rows.length);
      parent = rows[index];
      if (parent && parent.depth >= 8) parent = undefined;
    }
    rows.push({
      id: randomId(12),
      parentId: parent?.id ?? null,
      depth: parent ? parent.depth + 1 : 0,
      identityId: identity.id,
      body: commentBody(random, opts.sentences),
      createdAt: start + Math.floor((span * (i + 1)) / (opts.comments + 1)),
    });
  }
  // In order: a reply's parent is always inserted earlier in the same or an earlier commit.
  await inBatches(rows, 250, (r) =>
    store.insertComment(
      {
        id: r.id,
        articleSlug: opts.slug,
        parentId: r.parentId,
        identityId: r.identityId,
        body: r.body,
        depth: r.depth,
        state: 'visible',
        createdAt: r.createdAt,
      },
      null,
    ),
  );
  const votes: { commentId: string; identityId: string }[] = [];
  const maxVotes = opts.maxVotes ?? 6;
  for (const r of rows) {
    const n = Math.floor(random() * random() * (maxVotes + 1));
    const voters = new Set<string>();
    for (let k = 0; k < n * 3 && voters.size < n; k++) {
      const v = pick(random, opts.identities);
      if (v.id !== r.identityId) voters.add(v.id);
    }
    for (const v of voters) votes.push({ commentId: r.id, identityId: v });
  }
  await inBatches(votes, 250, (v) => store.addVote(v.commentId, v.identityId, opts.now, null));
  return { commentIds: rows.map((r) => r.id), authorOf: new Map(rows.map((r) => [r.id, r.identityId])), votes: votes.length };
}
