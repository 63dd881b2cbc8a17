import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import {
  MAX_NAME_GRAPHEMES,
  type NameRule,
  nameKey,
  nameKeyVariants,
  normalizeDisplayName,
  RESERVED_FOR_AUTHOR,
  RESERVED_FOR_SITE,
  mixedScriptsRefusal,
  reservedReason,
} from '../src/discussion/names.ts';

// Written with escapes where the character is invisible or easy to misread.
const CYR_A = '\u0430'; // а
const CYR_E = '\u0435'; // е
const CYR_O = '\u043E'; // о
const CYR_P = '\u0440'; // р
const CYR_S = '\u0441'; // с
const CYR_U = '\u0443'; // у
const CYR_X = '\u0445'; // х
const CYR_I = '\u0456'; // і (Ukrainian i)
const CYR_J = '\u0458'; // ј
const GRK_OMICRON = '\u03BF'; // ο
const GRK_ALPHA = '\u03B1'; // α
const GRK_NU = '\u03BD'; // ν
const GRK_IOTA_CAP = '\u0399'; // Ι
const ARM_O = '\u0585'; // օ
const ARM_U = '\u057D'; // ս

/** Pairs that must share a key: the second is a look-alike or a trivial variant of the first. */
const SAME: ReadonlyArray<readonly [string, string, string]> = [
  ['Mike', 'mike', 'case'],
  ['Mike', 'MIKE ', 'case and trailing space'],
  ['Mike', '  Mike  ', 'surrounding spaces'],
  ['Mike', `M${CYR_I}ke`, 'Cyrillic і'],
  ['Mike', 'M1ke', 'digit one for i'],
  ['Mike', 'Mlke', 'lower-case L for i (i/l/1/| share one class)'],
  ['Mike', 'M|ke', 'vertical bar for i'],
  ['Mike', 'rnike', 'r+n for m (confusables.txt)'],
  ['Mike', '𝐌𝐢𝐤𝐞', 'math bold'],
  ['Mike', '𝙼𝚒𝚔𝚎', 'math monospace'],
  ['Mike', 'ＭＩＫＥ', 'full-width'],
  ['Mike', 'M\u0300ike', 'combining grave on M'],
  ['Mike', 'Mïke', 'diaeresis'],
  ['Mike', `M${GRK_IOTA_CAP}KE`, 'Greek capital iota'],
  ['Mike', 'Mi\u200Bke', 'zero-width space (key only; the name itself is refused)'],
  ['Mike', 'Mi\u200Dke', 'zero-width joiner (key only)'],
  ['Mike', '\u202EMike', 'right-to-left override (key only)'],
  ['Mike Smith', 'Mike  Smith', 'double space'],
  ['Mike Smith', 'MikeSmith', 'no space'],
  ['Mike Smith', 'mike_smith', 'underscore'],
  ['Mike Smith', 'mike.smith', 'full stop'],
  ['Mike Smith', 'Mike-Smith', 'hyphen'],
  ['Mike Smith', 'Mike\tSmith', 'tab'],
  ['Mike Smith', 'Mike\nSmith', 'newline'],
  ['Mike Smith', 'Mike\u00A0Smith', 'no-break space'],
  ['Bob', 'B0b', 'digit zero for o'],
  ['Bob', `B${GRK_OMICRON}b`, 'Greek omicron'],
  ['Bob', `B${ARM_O}b`, 'Armenian oh'],
  ['Bob', `B${CYR_O}b`, 'Cyrillic o'],
  ['Bob', 'Ｂｏｂ', 'full-width lower case'],
  ['Bob', '𝔅𝔬𝔟', 'math fraktur'],
  ['paypal', `p${CYR_A}yp${CYR_A}l`, 'Cyrillic а twice'],
  ['paypal', 'ＰＡＹＰＡＬ', 'full-width capitals'],
  ['paypal', 'paypa1', 'digit one for l'],
  ['Alex', 'AIex', 'capital I for l'],
  ['proxy', `${CYR_P}r${CYR_O}${CYR_X}${CYR_U}`, 'Cyrillic р о х у'],
  ['Oscar', `${CYR_O.toUpperCase()}s${CYR_S}${CYR_A}r`, 'Cyrillic О с а'],
  ['Jeje', `J${CYR_E}${CYR_J}${CYR_E}`, 'Cyrillic е ј'],
  ['anna', `${GRK_ALPHA}nn${GRK_ALPHA}`, 'Greek alpha'],
  ['vera', `${GRK_NU}era`, 'Greek nu'],
  ['Lucas', `L${ARM_U}cas`, 'Armenian se'],
  ['Straße', 'Strasse', 'sharp s'],
  ['Rofs', 'Roſs', 'long s looks like f: the look-alike wins over its NFKC form s'],
  ['Mara Quill', '\u041Cara Quill', 'Cyrillic capital Em'],
  ['Kate', '\u039Aate', 'Greek capital Kappa'],
  ['Kate', '\u043Aate', 'Cyrillic small ka (its capital passes for K)'],
  ['Kate', '\u2C94ate', 'Coptic capital Kappa'],
  ['Kate', '\u2C95ate', 'Coptic small kappa'],
  ['Kate', '\u{1D6B1}ate', 'mathematical bold capital Kappa'],
  ['Kate', '\u{1D6CB}ate', 'mathematical bold small kappa'],
  ['KATE', '\u039A\u0391\u03A4\u0395', 'KATE in Greek capitals'],
  ['KATE', '\u041A\u0410\u0422\u0415', 'KATE in Cyrillic capitals'],
  ['KATE', '\u13E6\u13AA\u13A2\u13AC', 'KATE in Cherokee'],
  ['Kate', '\uABB6\uAB7A\uAB72\uAB7C', 'Kate in small Cherokee letters'],
  ['bob', '\u042Cob', 'Cyrillic capital soft sign for b'],
  ['bob', '\u044Cob', 'Cyrillic small soft sign for b'],
  ['Mike3', 'Mike\u0417', 'Cyrillic capital Ze for 3'],
  ['Mike3', 'Mike\u0437', 'Cyrillic small ze for 3'],
  ['MIKE', '\u1D0D\u026A\u1D0B\u1D07', 'Latin small capitals'],
  ['Mare', 'Ma\u0433e', 'Cyrillic small ghe for r'],
  ['Dava', 'Da\u03BDa', 'Greek small nu for v'],
  ['Kane', 'Ka\u03B7e', 'Greek small eta for n'],
  ['Kahe', 'Ka\u0397e', 'Greek capital Eta for H'],
  ['Kaoe', 'Ka\u0C02e', 'Telugu anusvara, a spacing mark, for o'],
  ['ΟΔΟΣ', 'οδος', 'final sigma'],
  ['José', 'Jose', 'acute'],
  ['José', 'Jose\u0301', 'NFD input'],
  ['Zoë', 'Zoe', 'diaeresis'],
  ['Nguyễn', 'Nguyen', 'stacked Vietnamese marks'],
  ['Søren', 'Soren', 'o with stroke (overlay mark in confusables.txt)'],
  ['Dvořák', 'Dvorak', 'caron and acute'],
  ["O'Brien", 'OBrien', 'apostrophe'],
  ["O'Brien", 'O’Brien', 'typographic apostrophe'],
  ['דוד', 'דָּוִד', 'Hebrew vowel points'],
  ['محمد', 'محـمد', 'Arabic tatweel'],
];

/** Pairs that must NOT share a key: the key must not over-fold distinct names. */
const DIFFERENT: ReadonlyArray<readonly [string, string]> = [
  ['Mike', 'Mika'],
  ['Mike', 'Michael'],
  ['Mika', 'Michael'],
  ['Anna', 'Ana'],
  ['Ann', 'Anne'],
  ['Bob', 'Rob'],
  ['Mark', 'Marc'],
  ['Jon', 'John'],
  ['Eva', 'Ewa'],
  ['Chris', 'Kris'],
  ['Sam', 'Sara'],
  ['Mike3', 'Mike'],
  ['Mike3', 'Mikee'],
  ['Bo5', 'Bos'],
  ['李雷', '李雪'],
  ['さが', 'さか'],
  ['किरण', 'करण'],
  ['민수', '민서'],
  ['Дмитрий', 'Дмитро'],
  ['Mike Smith', 'Mike Smyth'],
  ['Nera', 'Vera'],
  ['さくら', 'さら'],
];

/** Names that are refused, with the rule that refuses them. */
const REFUSED: ReadonlyArray<readonly [string, NameRule]> = [
  ['', 'empty'],
  ['   ', 'empty'],
  ['\t\n', 'empty'],
  ['Mi\u200Bke', 'invisible'],
  ['Mi\u200Cke', 'invisible'],
  ['Mi\u200Dke', 'invisible'],
  ['Mi\u2060ke', 'invisible'],
  ['\uFEFFMike', 'invisible'],
  ['\u202EekiM', 'invisible'],
  ['Mike\u2066', 'invisible'],
  ['Mike\u061C', 'invisible'],
  ['Mike\u200E', 'invisible'],
  ['Mi\u00ADke', 'invisible'],
  ['\u3164\u3164', 'invisible'],
  ['Mike\uFE0F', 'invisible'],
  ['Mike\u2028Smith', 'invisible'],
  ['Mi\u0000ke', 'control'],
  ['Mike\u001B', 'control'],
  ['Mike\u007F', 'control'],
  ['Mike\u0085', 'control'],
  ['Mike\uE000', 'private_use'],
  ['Mike\uD800', 'broken'],
  ['Mike\u0378', 'unassigned'],
  ['Mike\uFDD0', 'unassigned'],
  ['Mike\uFFFF', 'unassigned'],
  ['Mike ✓', 'not_allowed'],
  ['Mike 😀', 'not_allowed'],
  ['<script>', 'not_allowed'],
  ['Mike!', 'not_allowed'],
  ['Mike@home', 'not_allowed'],
  ['Mike (official)', 'not_allowed'],
  ['😀😀', 'not_allowed'],
  ['...', 'no_letter'],
  ['--', 'no_letter'],
  ["_'._", 'no_letter'],
  ['M', 'too_short'],
  ['李', 'too_short'],
  ['M\u0300', 'too_short'],
  ['a'.repeat(MAX_NAME_GRAPHEMES + 1), 'too_long'],
  ['Mike '.repeat(200), 'too_long'],
  ['\u0301Mike', 'stray_mark'],
  ['Mike \u0301x', 'stray_mark'],
  ['Mi\u0301\u0302\u0303\u0304\u0305ke', 'too_many_marks'],
];

/** Names that mix alphabets: refused when taken (mixedScriptsRefusal), with the alphabets named. */
const MIXED: ReadonlyArray<readonly [string, string]> = [
  ['\u039Aate', 'Greek and Latin'],
  [`M${CYR_I}ke`, 'Latin and Cyrillic'],
  [`p${CYR_A}yp${CYR_A}l`, 'Latin and Cyrillic'],
  [`L${ARM_U}cas`, 'Latin and Armenian'],
  ['Ka\u0442e Bell', 'Latin and Cyrillic'],
  ['Anna \u0410\u043D\u043D\u0430', 'Latin and Cyrillic'],
  ['Mike \u0BB0\u0BB5\u0BBF', 'Latin and Tamil'],
  ['\u039D\u03AF\u03BA\u03B7 \u041D\u0438\u043A\u0430', 'Greek and Cyrillic'],
  ['\u13E6ate Bell', 'Cherokee and Latin'],
  ['Ma\u0433a \u03A9', 'Latin, Cyrillic and Greek'],
];

/** Names accepted as typed, with the stored form. */
const TIDIED: ReadonlyArray<readonly [string, string]> = [
  ['  Mary   Jane  ', 'Mary Jane'],
  ['Mike\tSmith', 'Mike Smith'],
  ['Mike\r\nSmith', 'Mike Smith'],
  ['Mike\u3000Smith', 'Mike Smith'],
  ['Jose\u0301', 'José'],
  ['MIKE ', 'MIKE'],
  ['a'.repeat(MAX_NAME_GRAPHEMES), 'a'.repeat(MAX_NAME_GRAPHEMES)],
  ['Ｍｉｋｅ', 'Ｍｉｋｅ'],
  ['Mi\u0301\u0302\u0303\u0304ke', 'Mi\u0301\u0302\u0303\u0304ke'.normalize('NFC')],
];

/** Real names in many scripts: all accepted unchanged and all distinct from each other. */
const REAL_NAMES: readonly string[] = [
  'Дмитрий',
  '李雷',
  'Σωκράτης',
  'José',
  'Zoë',
  "O'Brien",
  'Nguyễn',
  'Anne-Marie',
  'Mary Jane',
  'محمد',
  'أحمد',
  'דוד',
  'יעל',
  'देवेन्द्र',
  'किरण',
  'அருண்',
  'สมชาย',
  'さくら',
  '민수',
  'Ἀριστοτέλης',
  'Արամ',
  'ჯონი',
  'Siobhán',
  'Þórdís',
  'Łukasz',
  'Çağrı',
  'Kateřina',
  'Øyvind',
  'J. R. R. Tolkien',
  'Mary-Kate O’Neil',
  'Ngozi',
  'Mike',
  'Mika',
  'Michael',
  'Anna',
  'Ana',
  'Bob',
  'Rob',
  'Ιωάννα',
  'Ελένη',
  'Анна-Мария',
  '山田さくら',
  'ジョン・スミス',
  'Mike 李',
  'DJ 민수',
  'Castell·là',
];

describe('nameKey: look-alikes share a key', () => {
  for (const [a, b, why] of SAME) {
    test(`${JSON.stringify(a)} ~ ${JSON.stringify(b)} (${why})`, () => {
      assert.equal(nameKey(b), nameKey(a));
    });
  }
});

describe('nameKey: distinct names keep distinct keys', () => {
  for (const [a, b] of DIFFERENT) {
    test(`${JSON.stringify(a)} ≁ ${JSON.stringify(b)}`, () => {
      assert.notEqual(nameKey(a), nameKey(b));
    });
  }
});

describe('normalizeDisplayName: refused names', () => {
  for (const [input, rule] of REFUSED) {
    test(`${JSON.stringify(input.slice(0, 30))} → ${rule}`, () => {
      const result = normalizeDisplayName(input);
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.equal(result.rule, rule);
      assert.match(result.reason, /^[A-Z].*\.$/, 'the reason is a sentence');
    });
  }

  test('invisible characters are explained as such', () => {
    const result = normalizeDisplayName('Mi\u200Bke');
    assert.deepEqual(result, {
      ok: false,
      rule: 'invisible',
      reason: "Names can't contain invisible or direction-changing characters.",
    });
  });
});

describe('normalizeDisplayName: accepted names', () => {
  for (const [input, stored] of TIDIED) {
    test(`${JSON.stringify(input.slice(0, 30))} → ${JSON.stringify(stored.slice(0, 30))}`, () => {
      assert.deepEqual(normalizeDisplayName(input), { ok: true, name: stored });
    });
  }

  for (const name of REAL_NAMES) {
    test(`real name ${name} is accepted unchanged`, () => {
      assert.deepEqual(normalizeDisplayName(name), { ok: true, name: name.normalize('NFC') });
      assert.equal(reservedReason(name, ['Mara Quill']), undefined);
    });
  }

  test('real names are pairwise distinct by key', () => {
    const seen = new Map<string, string>();
    for (const name of REAL_NAMES) {
      const key = nameKey(name);
      assert.ok(key.length > 0, `${name} has a non-empty key`);
      assert.equal(seen.get(key), undefined, `${name} collides with ${seen.get(key)}`);
      seen.set(key, name);
    }
  });
});

describe('reservedReason', () => {
  const authors = ['Mara Quill', 'M. Quill'];

  const authorVariants = [
    'Mara Quill',
    'mara quill',
    'MARA QUILL',
    `M${CYR_A}ra Quill`,
    'MaraQuill',
    'Mara Qu1ll',
    'Mara QuiII',
    'mara_quill',
    'Mara-Quill',
    'Ｍａｒａ Ｑｕｉｌｌ',
    'Màra Quïll',
    'The Mara Quill',
    'Mara Quill Official',
    'TheMaraQuill',
    'MaraQuill2',
    'M Quill',
    '\u041Cara Quill',
    '\u041C\u0410RA QUILL',
    'MARA QUI\u13DEL',
    '\u{1D6B3}ara Quill',
  ];
  for (const name of authorVariants) {
    test(`${JSON.stringify(name)} is reserved for the author`, () => {
      assert.equal(reservedReason(name, authors), RESERVED_FOR_AUTHOR);
    });
  }

  const siteReserved = [
    'admin',
    'Admin',
    'ADMIN',
    `${CYR_A.toUpperCase()}dmin`,
    'Adm1n',
    'admin1',
    'The Admin',
    'Site Moderator',
    'Moderator2024',
    'mod',
    'Mod Squad',
    'author',
    'staff',
    'deleted',
    'Anonymous',
    'system',
    'root',
    'support',
    'Tech Support',
    'byline',
    'owner',
    'official',
    'Unofficial',
    'null',
    'undefined',
    'administrator',
    '\u039COD',
    'AU\u03A4HOR',
    '\u0391DMIN',
    '\u041C\u041ED',
  ];
  for (const name of siteReserved) {
    test(`${JSON.stringify(name)} is reserved for the site`, () => {
      assert.equal(reservedReason(name, authors), RESERVED_FOR_SITE);
    });
  }

  const free = ['Mara', 'Quill', 'Modi', 'Staffan', 'Null Pointer', 'Rooter', 'Alice', 'Marathon Quilter'];
  for (const name of free) {
    test(`${JSON.stringify(name)} is not reserved`, () => {
      assert.equal(reservedReason(name, authors), undefined);
    });
  }

  test('a short author name is matched by whole words only', () => {
    assert.equal(reservedReason('Al', ['Al']), RESERVED_FOR_AUTHOR);
    assert.equal(reservedReason('Big Al', ['Al']), RESERVED_FOR_AUTHOR);
    assert.equal(reservedReason('Alice', ['Al']), undefined);
  });
});

describe('nameKey properties', () => {
  const tricky = fc.constantFrom(
    'i',
    'I',
    'l',
    '1',
    '|',
    '0',
    'O',
    'm',
    'ß',
    'ſ',
    'ς',
    'Σ',
    'İ',
    'ı',
    '\u0301',
    '\u0338',
    '\u200B',
    '\u202E',
    ' ',
    '_',
    'ø',
    'ǅ',
    'ﬁ',
    '𝐌',
    'Ｍ',
    CYR_I,
    GRK_IOTA_CAP,
    'ं',
    'ـ',
  );
  const mixed = fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 4 }), tricky), { maxLength: 12 }).map((parts) => parts.join(''));

  test('is idempotent', () => {
    fc.assert(
      fc.property(mixed, (s) => nameKey(nameKey(s)) === nameKey(s)),
      { numRuns: 3000 },
    );
  });

  test('is deterministic and ignores case and surrounding whitespace', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 20 }), (s) => {
        fc.pre(!hasCaseSensitiveLetter(s));
        const key = nameKey(s);
        return key === nameKey(s) && key === nameKey(`  ${s.toUpperCase()}\t`) && key === nameKey(s.toLowerCase());
      }),
      { numRuns: 1000 },
    );
  });

  test('every accepted name has a non-empty key', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        const result = normalizeDisplayName(s);
        return !result.ok || nameKey(result.name).length > 0;
      }),
      { numRuns: 1000 },
    );
  });
});

// ---- The whole confusables table ----

const confusables = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('unhomoglyph/data.json'), 'utf8')) as Record<
  string,
  string
>;
const SINGLE_LATIN = /^[A-Za-z0-9]$/;
const hex = (s: string): string => [...s].map((ch) => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`).join(' ');

/*
 * Letters whose capital and small forms pass for two different Latin letters. One key cannot give
 * them both (Greek Ν ~ N and ν ~ v would make "Nera" and "Vera" one name), so each keeps the
 * look-alike of the case it is written in, and nameKeyVariants / reservedReason try both cases.
 * Accented forms (ή, Ύ…) follow their base letter.
 */
const CASE_SENSITIVE_LETTERS = new Map<string, string>([
  ['\u017F', 'long s ſ ~ f; its capital S is S'],
  ['\u01BC', 'Latin tone five Ƽ ~ 5; small ƽ ~ s'],
  ['\u01BD', 'Latin tone five ƽ ~ s; capital Ƽ ~ 5'],
  ['\u0392', 'Greek Β ~ B; small β ~ ß'],
  ['\u03B2', 'Greek β ~ ß; capital Β ~ B'],
  ['\u03D0', 'Greek beta symbol ϐ ~ ß (as β)'],
  ['\u0397', 'Greek Η ~ H; small η ~ n'],
  ['\u03B7', 'Greek η ~ n; capital Η ~ H'],
  ['\u039D', 'Greek Ν ~ N; small ν ~ v'],
  ['\u03BD', 'Greek ν ~ v; capital Ν ~ N'],
  ['\u03A5', 'Greek Υ ~ Y; small υ ~ u'],
  ['\u03C5', 'Greek υ ~ u; capital Υ ~ Y'],
  ['\u0411', 'Cyrillic Б ~ b; small б ~ 6'],
  ['\u0431', 'Cyrillic б ~ 6; capital Б ~ b'],
  ['\u0413', 'Cyrillic Г ~ Ɣ-like y; small г ~ r'],
  ['\u0433', 'Cyrillic г ~ r; capital Г ~ y'],
  ['\u0492', 'Cyrillic Ғ ~ y; small ғ ~ r'],
  ['\u0493', 'Cyrillic ғ ~ r; capital Ғ ~ y'],
  ['\u13B1', 'Cherokee Ꮁ ~ y-like; small ꮁ ~ r'],
  ['\uAB81', 'Cherokee small ꮁ ~ r; capital Ꮁ ~ y'],
  ['\u2C84', 'Coptic Ⲅ ~ y; small ⲅ ~ r'],
  ['\u2C85', 'Coptic ⲅ ~ r; capital Ⲅ ~ y'],
  ['\uA7B4', 'Latin beta Ꞵ ~ B; small ꞵ ~ ß'],
  ['\uA7B5', 'Latin beta ꞵ ~ ß; capital Ꞵ ~ B'],
  ['\u{118A4}', 'Warang Citi capital ~ Y; its small letter ~ z'],
  ['\u{118C4}', 'Warang Citi small ~ z; its capital ~ Y'],
  ['\u{118A6}', 'Warang Citi capital ~ E; its small letter ~ 7'],
  ['\u{118C6}', 'Warang Citi small ~ 7; its capital ~ E'],
  ['\u{118B5}', 'Warang Citi capital ~ O; its small letter ~ 6'],
  ['\u{118D5}', 'Warang Citi small ~ 6; its capital ~ O'],
  ['\u{118BC}', 'Warang Citi capital ~ T; its small letter ~ y'],
  ['\u{118DC}', 'Warang Citi small ~ y; its capital ~ T'],
]);

function hasCaseSensitiveLetter(s: string): boolean {
  return [...s.normalize('NFD')].some((ch) => CASE_SENSITIVE_LETTERS.has(ch));
}

describe('the whole confusables table', () => {
  test('every look-alike of a Latin letter or digit, in both cases, gives the key of the Latin name', () => {
    const failures: string[] = [];
    let checked = 0;
    for (const [source, target] of Object.entries(confusables)) {
      if (!SINGLE_LATIN.test(target)) continue;
      const latin = `Ka${target}e`;
      // The entry itself, then its other cases. A case form that the table lists as a look-alike
      // of a Latin letter of its own is checked as that entry; if that letter differs, it must be
      // one of the documented case-sensitive letters.
      const forms = [source];
      for (const other of [source.toUpperCase(), source.toLowerCase()]) {
        if (other === source || [...other].length !== 1) continue;
        const ownTarget = confusables[other];
        if (ownTarget !== undefined && SINGLE_LATIN.test(ownTarget)) continue;
        forms.push(other);
      }
      for (const form of forms) {
        checked++;
        const fake = `Ka${form}e`;
        const sameKey = nameKey(fake) === nameKey(latin);
        const reserved = reservedReason(fake, [latin]) === RESERVED_FOR_AUTHOR;
        if (sameKey && reserved) continue;
        const why = `${hex(form)}${form === source ? '' : ` (other case of ${hex(source)})`} for ${target}: key ${nameKey(fake)} vs ${nameKey(latin)}`;
        // A case form of a documented case-sensitive letter passes for another Latin letter.
        const documented = form !== source && (hasCaseSensitiveLetter(form) || hasCaseSensitiveLetter(source));
        if (!documented) failures.push(why);
      }
    }
    assert.ok(checked > 1400, `the table was walked (${checked} forms)`);
    assert.deepEqual(failures, [], `look-alikes that escape:\n${failures.join('\n')}`);
  });

  test('the case-sensitive letters are exactly the documented ones', () => {
    const found = new Set<string>();
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCodePoint(cp);
      // Only letters with another case can differ from it.
      if (!/\p{L}/u.test(ch) || (ch.toUpperCase() === ch && ch.toLowerCase() === ch)) continue;
      const key = nameKey(ch);
      if (key !== nameKey(ch.toUpperCase()) || key !== nameKey(ch.toLowerCase())) found.add([...ch.normalize('NFD')][0]!);
    }
    assert.deepEqual([...found].map(hex).sort(), [...CASE_SENSITIVE_LETTERS.keys()].map(hex).sort());
  });

  test('a name with a case-sensitive letter is still matched in the other case', () => {
    // ΕΛΕΝΗ and Ελένη differ in their first key (Η ~ H, η ~ n), but share a variant.
    const upper = nameKeyVariants('ΕΛΕΝΗ');
    assert.ok(nameKeyVariants('Ελένη').some((key) => upper.includes(key)));
    // ΝΙΝΑ passes for NINA; its small form νινα is the same Greek name and stays reserved too.
    assert.equal(reservedReason('ΝΙΝΑ', ['Nina']), RESERVED_FOR_AUTHOR);
    assert.equal(reservedReason('νινα', ['Nina']), RESERVED_FOR_AUTHOR);
  });
});

describe('one name, one alphabet', () => {
  for (const [name, scripts] of MIXED) {
    test(`${JSON.stringify(name)} mixes ${scripts}`, () => {
      assert.deepEqual(normalizeDisplayName(name), { ok: true, name }, 'shown as typed if it was taken before the rule');
      assert.equal(reservedReason(name, ['Mara Quill']), undefined, 'not a reserved name: a rule of its own');
      assert.equal(
        mixedScriptsRefusal(name),
        `That name mixes letters from different alphabets (${scripts}), which is how look-alike names are made. Please write it in one alphabet.`,
      );
    });
  }

  test("a mixed look-alike of the author's name is answered as the author's", () => {
    assert.equal(reservedReason('\u041Cara Quill', ['Mara Quill']), RESERVED_FOR_AUTHOR);
  });

  test('role words in another alphabet are refused as role words', () => {
    for (const name of ['\u039COD', 'AU\u03A4HOR', '\u0391DMIN']) assert.equal(reservedReason(name, []), RESERVED_FOR_SITE, name);
  });
});
