/**
 * Display names: what a reader may call themselves, and the key two names are compared by.
 *
 * A name is a label owned by a random identity id; it is never the identity itself (Remark42's
 * name-hash ids let two people become one account, umputun/remark42 PR #1235). Two rules keep the
 * label trustworthy (DESIGN.md, "Rules that make it trustworthy"):
 *
 * 1. `normalizeDisplayName` decides what may be shown. It refuses invisible, direction-changing,
 *    control, private-use and unassigned characters, symbols and emoji (so nobody can fake a "✓"
 *    badge), and returns the tidy NFC form that is stored and displayed.
 * 2. `nameKey` decides which names count as the same. Names compare after NFKC, case folding, removal
 *    of look-alike accents and Unicode's confusable skeleton (UTS #39), so "Mike", "MIKE ", "Mіke"
 *    (Cyrillic і) and "M1ke" share one key. The key goes in a UNIQUE column and is never displayed:
 *    UTS #39 warns that a skeleton "is not intended for display".
 *
 * `reservedReason` refuses the site's role words and the author's own names, compared by key.
 */

import unhomoglyph from 'unhomoglyph';

export const MIN_NAME_GRAPHEMES = 2;
export const MAX_NAME_GRAPHEMES = 40;
/** At most this many combining marks on one base character: enough for Vietnamese (2), pointed
 *  Hebrew or Tibetan stacks (3–4), and low enough to stop "Zalgo" text spilling over other lines. */
export const MAX_MARKS_PER_BASE = 4;
/** Raw input longer than this (UTF-16 units) is refused before any normalisation work is done. */
const MAX_RAW_LENGTH = 400;

/** Why a name was refused; `reason` is the sentence shown to the reader. */
export type NameRule =
  | 'empty'
  | 'invisible'
  | 'control'
  | 'private_use'
  | 'broken'
  | 'unassigned'
  | 'not_allowed'
  | 'stray_mark'
  | 'too_many_marks'
  | 'no_letter'
  | 'too_short'
  | 'too_long';

export type NormalizedName = { ok: true; name: string } | { ok: false; reason: string; rule: NameRule };

const REASONS: Readonly<Record<NameRule, string>> = {
  empty: 'Please enter a name.',
  invisible: "Names can't contain invisible or direction-changing characters.",
  control: "Names can't contain control characters.",
  private_use: "Names can't contain private-use characters; they look different on every device.",
  broken: "Names can't contain broken characters (half of an emoji or similar).",
  unassigned: "Names can't contain characters that Unicode has not assigned.",
  not_allowed: "Names can use letters, numbers, spaces and the marks - _ . ' only.",
  stray_mark: 'Accent marks in a name must follow a letter or number.',
  too_many_marks: `Names can't stack more than ${MAX_MARKS_PER_BASE} accent marks on one letter.`,
  no_letter: 'Names need at least one letter or number.',
  too_short: `Names must be at least ${MIN_NAME_GRAPHEMES} characters long.`,
  too_long: `Names can be at most ${MAX_NAME_GRAPHEMES} characters long.`,
};

function refuse(rule: NameRule): NormalizedName {
  return { ok: false, reason: REASONS[rule], rule };
}

// Tab, line feed, vertical tab, form feed and carriage return are control characters (Cc), but a
// pasted "Mike\n" or "Mike\tSmith" is a whitespace slip, not an attack: they collapse like spaces.
// Every other Cc (NUL, ESC, DEL, C1 controls, NEL) is refused.
const WHITESPACE_RUN = /[\t\n\v\f\r\p{Zs}]+/gu;
// Cf covers zero-width space/joiners (U+200B–U+200D), LRM/RLM (U+200E–F), bidi embeddings and
// overrides (U+202A–U+202E), isolates (U+2066–U+2069), ALM (U+061C), word joiner and invisible
// operators (U+2060–U+2064), BOM (U+FEFF), soft hyphen and tag characters. Default_Ignorable adds
// invisible code points outside Cf: the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0), variation
// selectors and the combining grapheme joiner. Line and paragraph separators (Zl, Zp) break layout.
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}\p{Zl}\p{Zp}]/u;
const CONTROL = /\p{Cc}/u;
const PRIVATE_USE = /\p{Co}/u;
const SURROGATE = /\p{Cs}/u;
// Cn includes the noncharacters (U+FDD0–U+FDEF and U+xFFFE/U+xFFFF in every plane).
const UNASSIGNED = /\p{Cn}/u;
// Letters, marks and numbers of any script, the space, and the punctuation real names use:
// hyphen (Anne-Marie), apostrophe and typographic apostrophe (O'Brien, O’Brien), full stop (J. R.),
// underscore, middle dot (Catalan "l·l"), katakana middle dot (ジョン・スミス) and Hebrew
// geresh/gershayim (ג׳ורג׳). Anything else, including symbols and emoji, is refused.
const ALLOWED = /^[\p{L}\p{M}\p{N} \-_.'\u2019\u00B7\u30FB\u05F3\u05F4]*$/u;
const LETTER_OR_NUMBER = /[\p{L}\p{N}]/u;
const MARK = /\p{M}/u;

const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' });

function countGraphemes(text: string): number {
  let count = 0;
  for (const _ of graphemes.segment(text)) count++;
  return count;
}

/** Checks that every run of combining marks follows a letter or number and is not too long.
 *  Counted on NFD, so a precomposed "í" counts its accent like "i" + U+0301 does. */
function checkMarks(name: string): NameRule | undefined {
  let run = 0;
  let previousIsBase = false;
  for (const ch of name.normalize('NFD')) {
    if (MARK.test(ch)) {
      if (run === 0 && !previousIsBase) return 'stray_mark';
      run++;
      if (run > MAX_MARKS_PER_BASE) return 'too_many_marks';
    } else {
      run = 0;
      previousIsBase = LETTER_OR_NUMBER.test(ch);
    }
  }
  return undefined;
}

/**
 * Turns what a reader typed into the name that is stored and shown, or says why it can't be used.
 * The name is NFC-normalised (the same text always has the same code points), whitespace runs
 * become one space and the ends are trimmed; nothing else is changed, so "José" stays "José".
 * Length is counted in grapheme clusters (what a reader sees as one character) with Intl.Segmenter.
 */
export function normalizeDisplayName(raw: string): NormalizedName {
  if (typeof raw !== 'string') return refuse('empty');
  if (raw.length > MAX_RAW_LENGTH) return refuse('too_long');
  if (SURROGATE.test(raw)) return refuse('broken');
  const nfc = raw.normalize('NFC');
  if (INVISIBLE.test(nfc)) return refuse('invisible');
  const collapsed = nfc.replace(WHITESPACE_RUN, ' ').trim();
  if (CONTROL.test(collapsed)) return refuse('control');
  if (PRIVATE_USE.test(collapsed)) return refuse('private_use');
  if (UNASSIGNED.test(collapsed)) return refuse('unassigned');
  if (collapsed === '') return refuse('empty');
  if (!ALLOWED.test(collapsed)) return refuse('not_allowed');
  const markProblem = checkMarks(collapsed);
  if (markProblem) return refuse(markProblem);
  if (!LETTER_OR_NUMBER.test(collapsed)) return refuse('no_letter');
  const length = countGraphemes(collapsed);
  if (length < MIN_NAME_GRAPHEMES) return refuse('too_short');
  if (length > MAX_NAME_GRAPHEMES) return refuse('too_long');
  // A name made only of characters the key discards (Arabic-Indic zeros map to dots, for one)
  // would have an empty key and clash with every other such name; refuse it up front.
  if (nameKey(collapsed) === '') return refuse('no_letter');
  return { ok: true, name: collapsed };
}

/*
 * The comparison key
 * ------------------
 * nameKey(x) repeats one pass, f, until the text stops changing (at most KEY_PASSES times; in
 * practice two passes), which makes the key idempotent: nameKey(nameKey(x)) === nameKey(x).
 *
 * f(s):
 *   1. NFKC: full-width "ＭＩＫＥ", math alphanumerics "𝐌𝐢𝐤𝐞", ligatures and compatibility
 *      digits become their plain forms.
 *   2. Case fold: toUpperCase() then toLowerCase(), then final sigma ς → σ. Upper-casing first folds
 *      ß → ss and long s ſ → s, which toLowerCase() alone would not.
 *   3. NFD, then drop combining marks that sit on a Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic
 *      or Common base (and marks with no base). Accents on these scripts are the classic look-alike
 *      vector ("Mïke", "M̀ike"); Hebrew and Arabic vowel points are optional in ordinary writing.
 *      Marks on other scripts (Devanagari vowel signs, Thai, Tibetan…) are kept: there they change
 *      the word, and dropping them would make distinct names collide.
 *   4. UTS #39 confusable mapping with the `unhomoglyph` package, whose data.json is Unicode's
 *      confusables.txt (version 13.0.0) as a code point → prototype table. The mapping is applied to
 *      NFD text and followed by NFD, as UTS #39 §4 defines skeleton(X) = NFD(map(NFD(X))), then
 *      step 3 runs again because prototypes can carry overlays (ø → o + U+0338).
 *   5. Case fold again: prototypes are mixed case (0 → "O", Greek Ι → "l").
 *   6. Fold i to l. The requirements force this: keys are case-insensitive (I ~ i) and capital I is
 *      a confusable of l ("AIex" vs "Alex" in a sans-serif font), so i, I, l, 1, | and their
 *      look-alikes must share one class. The price: names differing only by i/l ("Lia"/"Ila")
 *      collide, and the second one is asked to pick another name.
 *   7. Remove everything that is not a letter, number or mark (spaces, punctuation, the Arabic
 *      tatweel U+0640 which only stretches a word): "Mike Smith" ~ "mike_smith" ~ "mike.smith".
 *   8. NFC, so the stored key is compact.
 *
 * Digits: only the folds Unicode's confusables.txt makes are applied (0 → O → o, 1 → l, and
 * non-ASCII digits that look like letters or dots). "Leet" folds such as 3 → e or 5 → s are not:
 * they aren't visual look-alikes, and they would collide real names that contain numbers.
 * Doubled letters are never collapsed, so "Anna" and "Ana" stay distinct.
 */
const KEY_PASSES = 6;

const DECORATED_BASE =
  /(^|[\p{sc=Latin}\p{sc=Greek}\p{sc=Cyrillic}\p{sc=Armenian}\p{sc=Hebrew}\p{sc=Arabic}\p{sc=Common}])\p{M}+/gu;
const NOT_KEY_CHAR = /[^\p{L}\p{N}\p{M}]|\u0640/gu;

function fold(s: string): string {
  return s.toUpperCase().toLowerCase().replace(/ς/g, 'σ');
}

function dropDecorativeMarks(s: string): string {
  return s.replace(DECORATED_BASE, '$1');
}

function keyPass(s: string): string {
  let t = fold(s.normalize('NFKC'));
  t = dropDecorativeMarks(t.normalize('NFD'));
  t = dropDecorativeMarks(unhomoglyph(t).normalize('NFD'));
  t = fold(t).replace(/i/g, 'l');
  return t.replace(NOT_KEY_CHAR, '').normalize('NFC');
}

/** The comparison key of a name. Deterministic, idempotent, never shown to anyone. */
export function nameKey(name: string): string {
  let current = name;
  for (let i = 0; i < KEY_PASSES; i++) {
    const next = keyPass(current);
    if (next === current) return next;
    current = next;
  }
  return current;
}

/** True when two names would be treated as the same name. */
export function sameName(a: string, b: string): boolean {
  return nameKey(a) === nameKey(b);
}

/*
 * Reserved names
 * --------------
 * Role words are refused as the whole name and as any whole word or run of words in it ("The
 * Admin", "Site Moderator", "admin_1"). The three long, unambiguous ones are also refused as a prefix
 * or suffix of the key ("admin1", "Moderator2024", "unofficial"); short words such as "mod" or
 * "staff" are not, or "Modi" and "Staffan" would be refused. Technical words are refused only as the
 * whole name ("deleted" would imitate a deleted comment; "null" and "undefined" trip careless code).
 * Seed list: threats-and-tests.md §2.2 and Lobsters' BANNED_USERNAMES.
 */
const ROLE_WORDS = [
  'admin',
  'administrator',
  'moderator',
  'mod',
  'author',
  'staff',
  'support',
  'byline',
  'owner',
  'official',
  'webmaster',
  'sysop',
];
const WHOLE_NAME_WORDS = ['deleted', 'anonymous', 'system', 'root', 'null', 'undefined', 'security'];
const AFFIX_WORDS = ['admin', 'moderator', 'official'];

const ROLE_KEYS = new Set(ROLE_WORDS.map(nameKey));
const WHOLE_NAME_KEYS = new Set(WHOLE_NAME_WORDS.map(nameKey));
const AFFIX_KEYS = AFFIX_WORDS.map(nameKey);

/** An author key at least this long is also refused when it appears anywhere inside a name's key
 *  ("TheMaraQuill"); shorter author keys only by whole words, or "Al" would block "Alice". */
const AUTHOR_CONTAINS_MIN = 5;

const WORD_SEPARATORS = /[\s\-_.'\u2019\u00B7\u30FB\u05F3\u05F4]+/u;

/** Keys of every run of consecutive words: "The Mara Quill" → the, mara, quill, themara, … */
function wordRunKeys(name: string): Set<string> {
  const words = name.split(WORD_SEPARATORS).filter((w) => w !== '');
  const keys = new Set<string>();
  for (let start = 0; start < words.length; start++) {
    for (let end = start + 1; end <= words.length; end++) {
      const key = nameKey(words.slice(start, end).join(' '));
      if (key !== '') keys.add(key);
    }
  }
  return keys;
}

export const RESERVED_FOR_AUTHOR = 'That name is reserved for the author of this site.';
export const RESERVED_FOR_SITE = "That name is reserved for the site's own use. Please choose another.";

/**
 * Says why a name can't be taken because it is reserved, or returns undefined when it is free of
 * reservations (whether another reader holds it is the store's question, asked by `nameKey`).
 * `authorNames` are every name the author writes under; pass the site's name too if it should be
 * protected the same way.
 */
export function reservedReason(name: string, authorNames: readonly string[]): string | undefined {
  const key = nameKey(name);
  const runs = wordRunKeys(name);
  runs.add(key);

  for (const author of authorNames) {
    const authorKey = nameKey(author);
    if (authorKey === '') continue;
    if (runs.has(authorKey)) return RESERVED_FOR_AUTHOR;
    if (authorKey.length >= AUTHOR_CONTAINS_MIN && key.includes(authorKey)) return RESERVED_FOR_AUTHOR;
  }

  if (WHOLE_NAME_KEYS.has(key)) return RESERVED_FOR_SITE;
  for (const run of runs) if (ROLE_KEYS.has(run)) return RESERVED_FOR_SITE;
  for (const affix of AFFIX_KEYS) {
    if (key.startsWith(affix) || key.endsWith(affix)) return RESERVED_FOR_SITE;
  }
  return undefined;
}
