/**
 * One name, one alphabet: the second line of defence against look-alike names.
 *
 * The comparison key (names.ts) catches a look-alike of a name that is already taken. A name that
 * mixes alphabets ("Mаra" with a Cyrillic а) is refused even before that question is asked: real
 * names are written in one script, and mixing is how look-alikes are made. This is the "Highly
 * Restrictive" level of UTS #39 §5.2: every character's scripts must share one script, or the
 * name may be Latin together with the scripts of Japanese (Han, Hiragana, Katakana), Chinese (Han,
 * Bopomofo) or Korean (Han, Hangul). Common characters (digits, space, punctuation) and inherited
 * ones (combining accents) belong to every script.
 *
 * A character's scripts are its Script_Extensions (§5.1 "resolved script set"): the Katakana
 * middle dot belongs to Han, Hiragana, Katakana and more; the middle dot of Catalan "l·l" to
 * Latin, Greek and others. Han, Hiragana, Katakana, Hangul and Bopomofo are widened to the writing
 * systems that use them (Jpan, Kore, Hanb) so that a Japanese name mixing kanji and kana is one
 * script, as the standard asks. Script properties come from the regular-expression engine, which
 * carries the Unicode version of the running Node.
 */

/** Unicode's script names (PropertyValueAliases.txt, long form). Names this engine doesn't know
 *  (a newer Unicode than the running Node) are skipped; no assigned letter is left without one. */
const SCRIPT_NAMES = [
  'Adlam',
  'Ahom',
  'Anatolian_Hieroglyphs',
  'Arabic',
  'Armenian',
  'Avestan',
  'Balinese',
  'Bamum',
  'Bassa_Vah',
  'Batak',
  'Bengali',
  'Beria_Erfe',
  'Bhaiksuki',
  'Bopomofo',
  'Brahmi',
  'Braille',
  'Buginese',
  'Buhid',
  'Canadian_Aboriginal',
  'Carian',
  'Caucasian_Albanian',
  'Chakma',
  'Cham',
  'Cherokee',
  'Chisoi',
  'Chorasmian',
  'Coptic',
  'Cuneiform',
  'Cypriot',
  'Cypro_Minoan',
  'Cyrillic',
  'Deseret',
  'Devanagari',
  'Dives_Akuru',
  'Dogra',
  'Duployan',
  'Egyptian_Hieroglyphs',
  'Elbasan',
  'Elymaic',
  'Ethiopic',
  'Garay',
  'Georgian',
  'Glagolitic',
  'Gothic',
  'Grantha',
  'Greek',
  'Gujarati',
  'Gunjala_Gondi',
  'Gurmukhi',
  'Gurung_Khema',
  'Han',
  'Hangul',
  'Hanifi_Rohingya',
  'Hanunoo',
  'Hatran',
  'Hebrew',
  'Hiragana',
  'Imperial_Aramaic',
  'Inscriptional_Pahlavi',
  'Inscriptional_Parthian',
  'Javanese',
  'Kaithi',
  'Kannada',
  'Katakana',
  'Kawi',
  'Kayah_Li',
  'Kharoshthi',
  'Khitan_Small_Script',
  'Khmer',
  'Khojki',
  'Khudawadi',
  'Kirat_Rai',
  'Lao',
  'Latin',
  'Lepcha',
  'Limbu',
  'Linear_A',
  'Linear_B',
  'Lisu',
  'Lycian',
  'Lydian',
  'Mahajani',
  'Makasar',
  'Malayalam',
  'Mandaic',
  'Manichaean',
  'Marchen',
  'Masaram_Gondi',
  'Medefaidrin',
  'Meetei_Mayek',
  'Mende_Kikakui',
  'Meroitic_Cursive',
  'Meroitic_Hieroglyphs',
  'Miao',
  'Modi',
  'Mongolian',
  'Mro',
  'Multani',
  'Myanmar',
  'Nabataean',
  'Nag_Mundari',
  'Nandinagari',
  'New_Tai_Lue',
  'Newa',
  'Nko',
  'Nushu',
  'Nyiakeng_Puachue_Hmong',
  'Ogham',
  'Ol_Chiki',
  'Ol_Onal',
  'Old_Hungarian',
  'Old_Italic',
  'Old_North_Arabian',
  'Old_Permic',
  'Old_Persian',
  'Old_Sogdian',
  'Old_South_Arabian',
  'Old_Turkic',
  'Old_Uyghur',
  'Oriya',
  'Osage',
  'Osmanya',
  'Pahawh_Hmong',
  'Palmyrene',
  'Pau_Cin_Hau',
  'Phags_Pa',
  'Phoenician',
  'Psalter_Pahlavi',
  'Rejang',
  'Runic',
  'Samaritan',
  'Saurashtra',
  'Sharada',
  'Shavian',
  'Siddham',
  'Sidetic',
  'SignWriting',
  'Sinhala',
  'Sogdian',
  'Sora_Sompeng',
  'Soyombo',
  'Sundanese',
  'Sunuwar',
  'Syloti_Nagri',
  'Syriac',
  'Tagalog',
  'Tagbanwa',
  'Tai_Le',
  'Tai_Tham',
  'Tai_Viet',
  'Tai_Yo',
  'Takri',
  'Tamil',
  'Tangsa',
  'Tangut',
  'Telugu',
  'Thaana',
  'Thai',
  'Tibetan',
  'Tifinagh',
  'Tirhuta',
  'Todhri',
  'Tolong_Siki',
  'Toto',
  'Tulu_Tigalari',
  'Ugaritic',
  'Vai',
  'Vithkuqi',
  'Wancho',
  'Warang_Citi',
  'Yezidi',
  'Yi',
  'Zanabazar_Square',
];

interface ScriptTest {
  name: string;
  script: RegExp;
  extensions: RegExp;
}

function compile(name: string): ScriptTest | undefined {
  try {
    return { name, script: new RegExp(`^\\p{Script=${name}}$`, 'u'), extensions: new RegExp(`^\\p{Script_Extensions=${name}}$`, 'u') };
  } catch {
    return undefined;
  }
}

const SCRIPTS: readonly ScriptTest[] = SCRIPT_NAMES.map(compile).filter((s): s is ScriptTest => s !== undefined);
const BY_NAME = new Map(SCRIPTS.map((s) => [s.name, s]));

/** Belongs to every script: digits, spaces, punctuation, combining accents. */
const ANY_SCRIPT = /^[\p{Script_Extensions=Common}\p{Script_Extensions=Inherited}]$/u;

/** Scripts that are written together as one writing system (UTS #39 §5.1). */
const WRITING_SYSTEMS: Readonly<Record<string, readonly string[]>> = {
  Han: ['Jpan', 'Kore', 'Hanb'],
  Hiragana: ['Jpan'],
  Katakana: ['Jpan'],
  Hangul: ['Kore'],
  Bopomofo: ['Hanb'],
};

/** Latin may be written beside these writing systems (Highly Restrictive). */
const LATIN_PARTNERS = ['Jpan', 'Hanb', 'Kore'];
const LATIN_AND_PARTNER_SCRIPTS = ['Latin', ...Object.keys(WRITING_SYSTEMS)].map((name) => BY_NAME.get(name)!);

function unlistedScript(ch: string): string {
  return `the script of U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The scripts among `candidates` that `ch` is written in, widened to writing systems. A script
 *  the engine knows but the list above lacks makes the character a script of its own, so it can
 *  only be written beside itself: refusing is the safe side. */
function scriptsOf(ch: string, candidates: readonly ScriptTest[]): Set<string> {
  const scripts = new Set<string>();
  for (const { name, extensions } of candidates) {
    if (!extensions.test(ch)) continue;
    scripts.add(name);
    for (const system of WRITING_SYSTEMS[name] ?? []) scripts.add(system);
  }
  if (scripts.size === 0) scripts.add(unlistedScript(ch));
  return scripts;
}

/** The script a reader would name for this character ("Cyrillic"); undefined for digits, spaces,
 *  punctuation and accents, which belong to every script. */
export function scriptOf(ch: string): string | undefined {
  if (ANY_SCRIPT.test(ch)) return undefined;
  // A Common or Inherited character used by a few scripts only (U+0300 in Latin, Greek,
  // Cyrillic, Cherokee…) is named by the first of them.
  const listed = SCRIPTS.find(({ script }) => script.test(ch)) ?? SCRIPTS.find(({ extensions }) => extensions.test(ch));
  return listed?.name ?? unlistedScript(ch);
}

/**
 * The alphabets a name mixes, in order of first use ("Latin", "Cyrillic"), or undefined when the
 * name keeps to one script (or to Latin with Japanese, Chinese or Korean).
 *
 * Only the first character is tested against every script: a script shared by the whole name must
 * be one of its scripts, so the rest are tested against those few, Latin and the East Asian ones.
 * That keeps the cost to a few tests per character, whatever the name.
 */
export function mixedScripts(name: string): string[] | undefined {
  const chars = [...name].filter((ch) => !ANY_SCRIPT.test(ch));
  if (chars.length === 0) return undefined;
  const candidates = [...new Set([...SCRIPTS.filter(({ extensions }) => extensions.test(chars[0]!)), ...LATIN_AND_PARTNER_SCRIPTS])];
  const sets = chars.map((ch) => scriptsOf(ch, candidates));
  const coveredBy = (allowed: readonly string[]) => sets.every((scripts) => allowed.some((s) => scripts.has(s)));
  if ([...sets[0]!].some((script) => coveredBy([script]))) return undefined;
  if (LATIN_PARTNERS.some((system) => coveredBy(['Latin', system]))) return undefined;
  // Every character's named script is among its own, so a mixed name names two or more.
  const named = [...new Set([...new Set(chars)].map((ch) => scriptOf(ch)!))];
  return named.map((script) => script.replace(/_/g, ' '));
}
