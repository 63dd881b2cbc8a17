// Slugs end up in URLs and element ids, so they must be stable, readable and safe without
// escaping: lowercase letters and digits from any script, joined by single hyphens.

// Latin letters that NFKD leaves whole but that readers expect to see spelled out in a URL.
const LATIN_SPELLINGS: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ł: 'l',
  ı: 'i',
};

export function slugify(text: string): string {
  return (
    text
      .normalize('NFC')
      .toLowerCase()
      // Only Latin letters lose their accents: stripping marks from other scripts (Devanagari
      // vowel signs, Hangul syllables split into jamo) would change the word, not its spelling.
      .replace(/\p{Script=Latin}\p{M}*/gu, (m) => {
        const bare = m.normalize('NFKD').replace(/\p{M}/gu, '');
        return LATIN_SPELLINGS[bare] ?? bare;
      })
      // "Don't" should read "dont", not "don-t".
      .replace(/['’ʼ]/g, '')
      .replace(/[^\p{L}\p{M}\p{N}]+/gu, '-')
      .replace(/^-+|-+$/g, '')
  );
}

/** True when `text` is already in the form `slugify` produces. */
export function isSlug(text: string): boolean {
  return text !== '' && slugify(text) === text;
}
