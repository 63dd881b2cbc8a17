/**
 * Look-alike letters: what each character of a name passes for, in whichever case it is written.
 *
 * Unicode's confusable skeleton (UTS #39 §4) is defined on text as written, not on case-folded
 * text, and that matters: Cyrillic "М" is listed as a look-alike of Latin "M", but its small form
 * "м" only of the small capital "ᴍ". A key that folds case first turns "Мara" into "мara" and the
 * look-alike is gone; every Greek, Cyrillic, Cherokee and Coptic capital that passes for a Latin
 * capital (B E H K M N T X Y Z …) escaped that way.
 *
 * So each character is mapped on its own, before and after folding:
 *   1. its skeleton as written, case-folded; if that is plain Latin letters or digits, it is the
 *      character's key ("М" → "m", "ν" → "v", "0" → "o");
 *   2. otherwise the skeleton of its other case, when that is plain Latin: "м" shares the key of
 *      "М", "ζ" of "Ζ", "ꭺ" (small Cherokee) of "Ꭺ", so names stay case-insensitive;
 *   3. otherwise the skeleton of its case-folded form, so both cases of a letter that looks like
 *      no Latin letter (Greek "Δ"/"δ", Devanagari, Han…) share one key.
 * A handful of letters have a capital and a small form that pass for two different Latin letters
 * (Greek Ν ~ N but ν ~ v; Η ~ H but η ~ n; Υ ~ Y but υ ~ u; Β ~ B but β ~ ß; long s ſ ~ f while
 * its capital is S). One key cannot put N and v together without making "Nera" and "Vera" one
 * name, so these keep the look-alike of the case they are written in: here, and only here, case
 * matters to the key. Those names are still refused beside a Latin name by the mixed-alphabet rule
 * (scripts.ts) when they are mixed, and as whole-alphabet copies by their key.
 *
 * The table is Unicode's confusables.txt as shipped by the `unhomoglyph` package (data.json: one
 * code point → its prototype). It is read directly as a map rather than through the package's
 * function, because the function runs one 6,000-branch regular expression per call.
 */
import { createRequire } from 'node:module';

const PROTOTYPES: ReadonlyMap<string, string> = new Map(
  Object.entries(createRequire(import.meta.url)('unhomoglyph/data.json') as Record<string, string>),
);

// Accents on these scripts (and marks with no base) are the classic look-alike vector ("Mïke");
// Hebrew and Arabic vowel points are optional in ordinary writing. Marks on other scripts
// (Devanagari vowel signs, Thai, Tibetan…) change the word and are kept.
// Spacing marks (Mc) are not decorations: the Telugu anusvara "ం" after a letter reads as an "o".
const DECORATED_BASE =
  /(^|[\p{sc=Latin}\p{sc=Greek}\p{sc=Cyrillic}\p{sc=Armenian}\p{sc=Hebrew}\p{sc=Arabic}\p{sc=Common}])[\p{Mn}\p{Me}]+/gu;

/** Removes combining marks that only decorate a Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic
 *  or Common base, and marks with no base at all. Expects NFD text. */
export function dropDecorativeMarks(s: string): string {
  return s.replace(DECORATED_BASE, '$1');
}

/** toUpperCase() before toLowerCase() folds ß → ss; final sigma joins σ. */
function fold(s: string): string {
  return s.toUpperCase().toLowerCase().replace(/ς/g, 'σ');
}

/*
 * Latin small capitals pass for their letter ("ᴍɪᴋᴇ" reads as MIKE), but confusables.txt treats
 * them as prototypes of their own (Cyrillic "м" → "ᴍ" → "ʍ"). Kra "ĸ" is the prototype of Greek and
 * Cyrillic small kappa/ka. No real name is written in them, so folding them costs nothing.
 */
const SMALL_CAPITALS: ReadonlyMap<string, string> = new Map(
  Object.entries({
    ᴀ: 'a',
    ʙ: 'b',
    ᴄ: 'c',
    ᴅ: 'd',
    ᴇ: 'e',
    ꜰ: 'f',
    ɢ: 'g',
    ʜ: 'h',
    ɪ: 'i',
    ᴊ: 'j',
    ᴋ: 'k',
    ĸ: 'k',
    ʟ: 'l',
    ᴍ: 'm',
    ʍ: 'm',
    ɴ: 'n',
    ᴏ: 'o',
    ᴘ: 'p',
    ꞯ: 'q',
    ʀ: 'r',
    ꜱ: 's',
    ᴛ: 't',
    ᴜ: 'u',
    ᴠ: 'v',
    ᴡ: 'w',
    ʏ: 'y',
    ᴢ: 'z',
  }),
);

function mapEach(s: string, table: ReadonlyMap<string, string>): string {
  let out = '';
  for (const ch of s) out += table.get(ch) ?? ch;
  return out;
}

// Marks that follow a decorated base inside one character's skeleton (ø → o + U+0338 overlay).
const DECORATION_AFTER_BASE = /([\p{sc=Latin}\p{sc=Greek}\p{sc=Cyrillic}\p{sc=Common}])\p{M}+/gu;

/**
 * The skeleton of a short text (one character, or one character's case form), case-folded:
 * skeleton(X) = NFD(map(NFD(X))) as UTS #39 defines it, folded, mapped again because folding can
 * reach a new table entry (Σ → Ʃ → ʃ), and with i folded into l. The i/l fold is forced by the
 * rest: keys ignore case (I ~ i) and capital I passes for l ("AIex" vs "Alex"), so i, I, l, 1 and
 * | must be one class; the price is that "Lia" and "Ila" collide.
 */
function skeletonOf(text: string): string {
  let t = fold(mapEach(text.normalize('NFD'), PROTOTYPES).normalize('NFD'));
  t = fold(mapEach(t, PROTOTYPES).normalize('NFD'));
  return mapEach(t.replace(DECORATION_AFTER_BASE, '$1'), SMALL_CAPITALS).replace(/i/g, 'l');
}

const PLAIN_LATIN = /^[a-z0-9]+$/;

function otherCases(ch: string): string[] {
  return [ch.toUpperCase(), ch.toLowerCase()].filter((other) => other !== ch);
}

const MARK = /^\p{M}$/u;
const LETTER = /^\p{L}$/u;
const LETTER_OR_NUMBER = /[\p{L}\p{N}]/u;

// Each character's answer costs a few normalisations; names repeat characters and a name check
// keys every run of words, so answers are remembered. Bounded: cleared when full, so a flood of
// distinct characters costs at most this many small strings.
const MAX_REMEMBERED = 8192;
const remembered = new Map<string, string>();

function lookAlikeOf(ch: string): string {
  let answer = remembered.get(ch);
  if (answer === undefined) {
    if (remembered.size >= MAX_REMEMBERED) remembered.clear();
    answer = workOutLookAlike(ch);
    remembered.set(ch, answer);
  }
  return answer;
}

/** What one code point passes for (see the top of this file). Marks are mapped but not judged
 *  alone: whether they decorate or matter depends on the letter they sit on. */
function workOutLookAlike(ch: string): string {
  if (MARK.test(ch)) return fold(PROTOTYPES.get(ch) ?? ch);
  const own = skeletonOf(ch);
  if (PLAIN_LATIN.test(own)) return own;
  for (const other of otherCases(ch)) {
    const theirs = skeletonOf(other);
    if (PLAIN_LATIN.test(theirs)) return theirs;
  }
  const folded = skeletonOf(fold(ch));
  // A letter whose look-alike is punctuation (Hiragana く → "<") would vanish from the key and make
  // "さくら" the same name as "さら"; it stands for itself instead.
  return LETTER.test(ch) && !LETTER_OR_NUMBER.test(folded) ? fold(ch) : folded;
}

const SINGLE_LATIN = /^[A-Za-z0-9]$/;

/**
 * The key applies NFKC first, so that full-width "Ｍ" and mathematical "𝐌" become plain letters.
 * A few characters that pass for one Latin letter have a compatibility form that passes for
 * another: long s "ſ" looks like f but NFKC makes it s; the lunate sigma "ϲ" looks like c but
 * NFKC makes it σ (which passes for o). For those the look-alike wins, because a key is about what
 * a reader sees. Run on the raw text, before NFKC.
 */
export function preferLookAlikeToCompatibility(text: string): string {
  let out = '';
  for (const ch of text) {
    const prototype = PROTOTYPES.get(ch);
    out += prototype !== undefined && SINGLE_LATIN.test(prototype) && ch.normalize('NFKC') !== ch ? prototype : ch;
  }
  return out;
}

/**
 * Replaces every character by what it passes for: Latin look-alikes by their plain Latin letters
 * in small letters, everything else by its case-folded skeleton. Expects NFD text with the
 * decorative marks already dropped; the result may carry new marks (prototypes with overlays).
 */
export function foldLookAlikes(text: string): string {
  let out = '';
  for (const ch of text) out += lookAlikeOf(ch);
  return out;
}
