/**
 * Display names: what a reader may call themselves, and the key two names are compared by.
 *
 * A name is a label owned by a random identity id; it is never the identity itself (Remark42's
 * name-hash ids let two people become one account, umputun/remark42 PR #1235). Two rules keep the
 * label trustworthy (README.md, "The discussion"):
 *
 * 1. `normalizeDisplayName` decides what may be shown. It refuses invisible, direction-changing,
 *    control, private-use and unassigned characters, symbols and emoji (so nobody can fake a "✓"
 *    badge), and returns the tidy NFC form that is stored and displayed.
 * 2. `nameKey` decides which names count as the same. Names compare after NFKC, removal of
 *    look-alike accents, Unicode's confusable skeleton (UTS #39) taken before and after case folding,
 *    so "Mike", "MIKE ", "Mіke" (Cyrillic і), "Мike" (Cyrillic М) and "M1ke" share one key. The key goes in a UNIQUE column and is never displayed:
 *    UTS #39 warns that a skeleton "is not intended for display".
 *
 * `reservedReason` refuses, for a name about to be taken, the author's own names and the site's role
 * words, compared by key, and names that mix alphabets (scripts.ts: "Mаra" with a Cyrillic а).
 * Mixing is refused there, not in `normalizeDisplayName`, so that a name taken before this rule
 * existed can still be recovered on a new device.
 */

import { dropDecorativeMarks, foldLookAlikes, preferLookAlikeToCompatibility } from './confusables.ts';
import { mixedScripts } from './scripts.ts';

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

/** Says which alphabets were mixed, so a reader who switched keyboard layouts sees what happened. */
function mixedScriptsReason(scripts: readonly string[]): string {
  const listed = `${scripts.slice(0, -1).join(', ')} and ${scripts.at(-1)}`;
  return `That name mixes letters from different alphabets (${listed}), which is how look-alike names are made. Please write it in one alphabet.`;
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
 *   1. NFKC: full-width "ＭＩＫＥ", math alphanumerics "𝐌𝐢𝐤𝐞" (and math Greek "𝚱"), ligatures and
 *      compatibility digits become their plain forms.
 *   2. NFD, then drop combining marks that sit on a Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic
 *      or Common base (and marks with no base). Accents on these scripts are the classic look-alike
 *      vector ("Mïke", "M̀ike"); Hebrew and Arabic vowel points are optional in ordinary writing.
 *      Marks on other scripts (Devanagari vowel signs, Thai, Tibetan…) are kept: there they change
 *      the word, and dropping them would make distinct names collide.
 *   3. Look-alikes and case, one character at a time (confusables.ts): UTS #39's confusable
 *      skeleton, from Unicode's confusables.txt as shipped by the `unhomoglyph` package, taken on
 *      the character as written AND on its other case, then case-folded. A skeleton must be taken
 *      before folding: Cyrillic "М" passes for "M" but its small "м" does not pass for "m", so a
 *      key that folds first lets "Мara" pass for "Mara". Where either case passes for a Latin
 *      letter or digit, both cases get that letter ("М", "м" → m; "Κ", "κ" → k; "З", "з" → 3), so
 *      keys stay case-insensitive. i, I, l, 1 and | share one class: keys ignore case (I ~ i) and
 *      capital I passes for l ("AIex" vs "Alex"), so the price is that "Lia" and "Ila" collide.
 *      A few letters whose capital and small forms pass for different Latin letters (Greek Ν/ν
 *      for N/v, Η/η, Υ/υ, Β/β, long s ſ for f) keep the look-alike of the case they are written in.
 *   4. Step 2 again, because prototypes can carry overlays (ø → o + U+0338).
 *   5. Remove everything that is not a letter, number or mark (spaces, punctuation, the Arabic
 *      tatweel U+0640 which only stretches a word): "Mike Smith" ~ "mike_smith" ~ "mike.smith".
 *   6. NFC, so the stored key is compact.
 *
 * Digits: only the folds Unicode's confusables.txt makes are applied (0 → O → o, 1 → l, З → 3, and
 * non-ASCII digits that look like letters or dots). "Leet" folds such as 3 → e or 5 → s are not:
 * they aren't visual look-alikes, and they would collide real names that contain numbers.
 * Doubled letters are never collapsed, so "Anna" and "Ana" stay distinct.
 */
const KEY_PASSES = 6;

const NOT_KEY_CHAR = /[^\p{L}\p{N}\p{M}]|\u0640/gu;

// The Greek iota subscript (U+0345) is a mark, but case-folds to ι (CaseFolding.txt): "ᾳ" and its
// capital "ΑΙ" must share a key, so it becomes ι before the marks are dropped.
const IOTA_SUBSCRIPT = /\u0345/g;

function keyPass(s: string): string {
  const plain = preferLookAlikeToCompatibility(s).normalize('NFKC');
  const bare = dropDecorativeMarks(plain.normalize('NFD').replace(IOTA_SUBSCRIPT, 'ι'));
  const folded = dropDecorativeMarks(foldLookAlikes(bare).normalize('NFD'));
  return folded.replace(NOT_KEY_CHAR, '').normalize('NFC');
}

/**
 * Which rules made a key. Change it whenever nameKey would give a different key for some name:
 * stored keys are then recomputed once at start-up (src/store/name-keys.ts), so no look-alike
 * slips in beside a name keyed by the old rules.
 */
export const NAME_KEY_VERSION = '2: skeleton per character in both cases';

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

const CASE_FORMS: ReadonlyArray<(s: string) => string> = [(s) => s, (s) => s.toUpperCase(), (s) => s.toLowerCase()];

/**
 * The keys of a name as typed, in capitals and in small letters. They differ only for the few
 * letters whose capital and small forms pass for different Latin letters (Greek Ν/ν, Η/η, Υ/υ,
 * Β/β, Cyrillic Б/б, Г/г; see confusables.ts), so "ΕΛΕΝΗ" and "Ελένη" have two keys. A name is
 * spoken for when any of these keys is held.
 */
export function nameKeyVariants(name: string): string[] {
  return [...new Set(CASE_FORMS.map((caseForm) => nameKey(caseForm(name))))];
}

/*
 * Reserved names
 * --------------
 * Role words are refused as the whole name and as any whole word or run of words in it ("The
 * Admin", "Site Moderator", "admin_1"). The three long, unambiguous ones are also refused as a prefix
 * or suffix of the key ("admin1", "Moderator2024", "unofficial"); short words such as "mod" or
 * "staff" are not, or "Modi" and "Staffan" would be refused. Technical words are refused only as the
 * whole name ("deleted" would imitate a deleted comment; "null" and "undefined" trip careless code).
 * Seed list: the roles a site's staff go by, and Lobsters' BANNED_USERNAMES.
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

/** Keys of every run of consecutive words: "The Mara Quill" → the, mara, quill, themara, …, in
 *  each case form (as nameKeyVariants). A key drops the spaces between words, so a run's key is
 *  its words' keys joined: each word is keyed once, not once per run it belongs to. */
function wordRunKeys(name: string): Set<string> {
  const words = name.split(WORD_SEPARATORS).filter((w) => w !== '');
  const keys = new Set<string>();
  for (const caseForm of CASE_FORMS) {
    const wordKeys = words.map((word) => nameKey(caseForm(word)));
    for (let start = 0; start < words.length; start++) {
      let run = '';
      for (let end = start; end < words.length; end++) {
        run += wordKeys[end];
        if (run !== '') keys.add(run.normalize('NFC'));
      }
    }
  }
  return keys;
}

export const RESERVED_FOR_AUTHOR = 'That name is reserved for the author of this site.';
export const RESERVED_FOR_SITE = "That name is reserved for the site's own use. Please choose another.";

/**
 * Says why a name can't be newly taken: it is (or passes for) one of the author's names, it holds
 * a role word, or it mixes alphabets. Returns undefined when none applies (whether another reader
 * holds it is the store's question, asked by `nameKey`; `nameKeyVariants` gives every key to ask).
 * `authorNames` are every name the author writes under; pass the site's name too if it should be
 * protected the same way.
 */
export function reservedReason(name: string, authorNames: readonly string[]): string | undefined {
  const keys = nameKeyVariants(name);
  const runs = wordRunKeys(name);
  for (const key of keys) runs.add(key);

  for (const author of authorNames) {
    for (const authorKey of nameKeyVariants(author)) {
      if (authorKey === '') continue;
      if (runs.has(authorKey)) return RESERVED_FOR_AUTHOR;
      if (authorKey.length >= AUTHOR_CONTAINS_MIN && keys.some((key) => key.includes(authorKey))) return RESERVED_FOR_AUTHOR;
    }
  }

  if (keys.some((key) => WHOLE_NAME_KEYS.has(key))) return RESERVED_FOR_SITE;
  for (const run of runs) if (ROLE_KEYS.has(run)) return RESERVED_FOR_SITE;
  for (const affix of AFFIX_KEYS) {
    if (keys.some((key) => key.startsWith(affix) || key.endsWith(affix))) return RESERVED_FOR_SITE;
  }
  return undefined;
}

/**
 * A name whose letters come from more than one alphabet (UTS #39 "highly restrictive" level, see
 * scripts.ts) is how look-alikes are made. Asked after whether the name is held, so that a
 * mixed look-alike of a held name or of the author's is answered as taken (409), as the API
 * promises, and only a new mixed name as a broken rule (422).
 */
export function mixedScriptsRefusal(name: string): string | undefined {
  const mixed = mixedScripts(name);
  return mixed ? mixedScriptsReason(mixed) : undefined;
}
