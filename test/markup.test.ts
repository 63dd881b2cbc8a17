import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  ALLOWED_TAGS,
  isAllowedLink,
  LINK_REL,
  MAX_BLOCK_NESTING,
  MAX_INLINE_NESTING,
  renderCommentBody,
  sanitizeCommentHtml,
} from '../src/discussion/markup.ts';

const TAG = /<\/?([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s=>]+(?:="[^"]*")?)*)\s*\/?>/g;
const ATTR = /\s+([^\s=>/]+)(?:="([^"]*)")?/g;

function decodeAttr(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(Number.parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&amp;/g, '&');
}

/**
 * The T02 invariant on an HTML string: only allow-listed tags; only href and rel, and only on <a>;
 * every href an absolute http/https/mailto URL; every link carries the fixed rel; and no "<" outside
 * a tag (so text like "onerror=" or "javascript:" in a comment is inert, escaped text).
 * Returns a list of problems, empty when the HTML is safe.
 */
function violations(html: string): string[] {
  const problems: string[] = [];
  const withoutTags = html.replace(TAG, (_whole, name: string, attrs: string) => {
    const tag = name.toLowerCase();
    if (!ALLOWED_TAGS.includes(tag)) problems.push(`tag <${tag}>`);
    const seen = new Map<string, string>();
    for (const m of attrs.matchAll(ATTR)) seen.set(m[1]!.toLowerCase(), decodeAttr(m[2] ?? ''));
    for (const [attr, value] of seen) {
      if (tag !== 'a' || (attr !== 'href' && attr !== 'rel')) problems.push(`attribute ${attr} on <${tag}>`);
      if (/^on/i.test(attr)) problems.push(`event handler ${attr}`);
      if (attr === 'href') {
        let protocol = '';
        try {
          protocol = new URL(value).protocol;
        } catch {
          problems.push(`unparseable href ${value}`);
        }
        if (!['http:', 'https:', 'mailto:'].includes(protocol)) problems.push(`href scheme ${protocol || value}`);
        if (/^\s*data:/i.test(value)) problems.push('data: URI');
      }
    }
    if (tag === 'a' && !_whole.startsWith('</') && seen.get('rel') !== LINK_REL) problems.push('link without rel');
    return '';
  });
  if (withoutTags.includes('<')) problems.push('raw < outside a tag');
  if (/<script/i.test(html)) problems.push('<script');
  return problems;
}

function assertSafe(html: string, source: string): void {
  assert.deepEqual(violations(html), [], `unsafe output for ${JSON.stringify(source)}:\n${html}`);
}

// Curated from the PayloadsAllTheThings XSS lists, the OWASP filter-evasion cheat sheet and the
// Markdown XSS list cited in threats-and-tests.md §5.
const XSS_PAYLOADS: readonly string[] = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=//evil/x.js></SCRIPT>',
  '<img src=x onerror=alert(1)>',
  '<svg onload=alert(1)>',
  '<svg><script>alert(1)</script></svg>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<a href="javascript:alert(1)">x</a>',
  '<body onload=alert(1)>',
  '<details open ontoggle=alert(1)>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '"><script>alert(1)</script>',
  "'><img src=x onerror=alert(1)>",
  '<style>@import "//evil/x.css";</style>',
  '<form action=//evil><input name=x></form>',
  '<!--<img src="--><img src=x onerror=alert(1)//">',
  '[x](javascript:alert(1))',
  '[x](JaVaScRiPt:alert(1))',
  '[x](javascript&#58;alert(1))',
  '[x](javascript&#x3A;alert(1))',
  '[x](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))',
  '[x](%6A%61%76%61%73%63%72%69%70%74%3Aalert(1))',
  '[x]( javascript:alert(1))',
  '[x](<javascript:alert(1)>)',
  '[x](java\tscript:alert(1))',
  '[x](javascript://%0aalert(1))',
  '[x](vbscript:msgbox(1))',
  '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '[x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)',
  '[x](file:///etc/passwd)',
  '[x](//evil.example)',
  '[x](https://ok.example "\\"><script>alert(1)</script>")',
  '[x](https://ok.example "onmouseover=alert(1)")',
  '[x](https://ok.example/"onmouseover="alert(1))',
  '![x](https://x/"onerror="alert(1))',
  '![x"onerror="alert(1)](https://x/y.png)',
  '![<img src=x onerror=alert(1)>](https://x/y.png)',
  '<javascript:alert(1)>',
  '<https://ok.example/"onmouseover="alert(1)>',
  '<data:text/html,<script>alert(1)</script>>',
  'javascript:alert(1)',
  '[x][r]\n\n[r]: javascript:alert(1)',
  '[x][r]\n\n[r]: https://ok.example "\\"><script>alert(1)</script>"',
  '```\n</code></pre><script>alert(1)</script>\n```',
  '`<script>alert(1)</script>`',
  '> <script>alert(1)</script>',
  '- <img src=x onerror=alert(1)>',
  '**<svg onload=alert(1)>**',
  '[<img src=x onerror=alert(1)>](https://ok.example)',
  'https://ok.example/<script>alert(1)</script>',
  'mailto:x@y.example?body=<script>',
  '[x](mailto:javascript:alert(1))',
  '[x](ｊａｖａｓｃｒｉｐｔ：alert(1))',
  '[x](\u0000javascript:alert(1))',
  '[x](java&#0000script:alert(1))',
];

describe('the safety checker used below', () => {
  test('catches unsafe HTML', () => {
    for (const bad of [
      '<img src="x">',
      '<p onclick="x()">a</p>',
      '<a href="javascript:alert(1)" rel="nofollow ugc noopener noreferrer">x</a>',
      '<a href="data:text/html,x" rel="nofollow ugc noopener noreferrer">x</a>',
      '<a href="https://x.example">no rel</a>',
      '<a href="/relative" rel="nofollow ugc noopener noreferrer">x</a>',
      '<p>a < b</p>',
      '<p class="x">a</p>',
    ]) {
      assert.notDeepEqual(violations(bad), [], bad);
    }
  });

  test('passes safe HTML', () => {
    assert.deepEqual(violations(`<p><a rel="${LINK_REL}" href="https://x.example/?a=1&amp;b=2">x</a> &lt;b&gt;</p>`), []);
  });
});

describe('XSS payloads produce inert output', () => {
  for (const payload of XSS_PAYLOADS) {
    test(JSON.stringify(payload), () => {
      const html = renderCommentBody(payload);
      assertSafe(html, payload);
      assert.equal(sanitizeCommentHtml(html), html, 'sanitizer is a no-op on rendered output');
    });
  }
});

describe('link schemes (T03)', () => {
  const schemes = ['javascript', 'vbscript', 'data', 'file', 'JavaScript', 'JAVASCRIPT', 'jav\tascript', 'java\nscript'];
  const colons = [':', '&#58;', '&#x3a;', '&colon;', '%3A', '：'];
  const forms = [
    (u: string) => `[x](${u})`,
    (u: string) => `[x](<${u}>)`,
    (u: string) => `<${u}>`,
    (u: string) => u,
    (u: string) => `[x][r]\n\n[r]: ${u}`,
    (u: string) => `[x](${u} "title")`,
    (u: string) => `![x](${u})`,
  ];
  const variants: string[] = [];
  for (const scheme of schemes) {
    for (const colon of colons) {
      for (const form of forms) variants.push(form(`${scheme}${colon}alert(1)`));
    }
  }

  test(`${variants.length} variants never produce a non-allow-listed href`, () => {
    assert.ok(variants.length >= 200);
    for (const variant of variants) {
      const html = renderCommentBody(variant);
      assertSafe(html, variant);
      assert.doesNotMatch(html, /href="(?!https?:|mailto:)/i, variant);
    }
  });

  test('isAllowedLink accepts only absolute http, https and mailto', () => {
    for (const ok of ['https://example.com', 'http://example.com/a?b=1', 'mailto:someone@example.com', 'HTTPS://EXAMPLE.COM']) {
      assert.ok(isAllowedLink(ok), ok);
    }
    for (const bad of [
      '/relative',
      '#comment-1',
      '//evil.example',
      'javascript:alert(1)',
      'data:text/html,x',
      'ftp://x',
      'https://',
      'http:/x',
      '',
    ]) {
      assert.ok(!isAllowedLink(bad), bad);
    }
  });
});

describe('the Markdown subset', () => {
  test('paragraphs, emphasis, strong, inline code and line breaks', () => {
    assert.equal(
      renderCommentBody('Hello *there* **friend** `x < y`\nnext line\n\nnew paragraph'),
      '<p>Hello <em>there</em> <strong>friend</strong> <code>x &lt; y</code><br />\nnext line</p>\n<p>new paragraph</p>\n',
    );
  });

  test('links get the fixed rel and keep their address', () => {
    assert.equal(
      renderCommentBody('[site](https://example.com/a?b=1&c=2)'),
      `<p><a rel="${LINK_REL}" href="https://example.com/a?b=1&amp;c=2">site</a></p>\n`,
    );
  });

  test('bare URLs with a scheme and e-mail addresses become links; file names do not', () => {
    const html = renderCommentBody('See https://example.com or write to me@example.com about README.md and node.js');
    assert.match(html, /href="https:\/\/example\.com"/);
    assert.match(html, /href="mailto:me@example\.com"/);
    assert.doesNotMatch(html, /readme\.md"|node\.js"/i);
  });

  test('relative links stay as text', () => {
    assert.equal(renderCommentBody('[x](/writing/a)'), '<p>[x](/writing/a)</p>\n');
  });

  test('code blocks, fenced and indented, keep their content escaped', () => {
    assert.equal(renderCommentBody('```html\n<b>hi</b>\n```'), '<pre><code>&lt;b&gt;hi&lt;/b&gt;\n</code></pre>\n');
    assert.equal(renderCommentBody('    indented <i>\n'), '<pre><code>indented &lt;i&gt;\n</code></pre>\n');
  });

  test('blockquotes and lists', () => {
    assert.equal(renderCommentBody('> quoted'), '<blockquote>\n<p>quoted</p>\n</blockquote>\n');
    assert.equal(renderCommentBody('- a\n- b'), '<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n');
    assert.equal(renderCommentBody('1. a\n2. b'), '<ol>\n<li>a</li>\n<li>b</li>\n</ol>\n');
  });

  test('images become their alt text, or their address when the alt text is empty', () => {
    assert.equal(renderCommentBody('![a cat](https://example.com/cat.png)'), '<p>a cat</p>\n');
    assert.equal(renderCommentBody('![](https://example.com/cat.png)'), '<p>https://example.com/cat.png</p>\n');
    assert.doesNotMatch(renderCommentBody('![x](http://169.254.169.254/latest/meta-data/)'), /<img/);
  });

  test('headings become paragraphs', () => {
    assert.equal(renderCommentBody('# Big'), '<p># Big</p>\n');
    assert.equal(renderCommentBody('### Smaller'), '<p>### Smaller</p>\n');
    assert.doesNotMatch(renderCommentBody('Title\n==='), /<h\d/);
    assert.doesNotMatch(renderCommentBody('Title\n---'), /<h\d/);
  });

  test('tables and strikethrough are not rendered', () => {
    const html = renderCommentBody('| a | b |\n|---|---|\n| 1 | 2 |\n\n~~gone~~');
    assert.doesNotMatch(html, /<table|<del|<s>/);
    assert.match(html, /~~gone~~/);
  });

  test('raw HTML is shown as text', () => {
    assert.equal(renderCommentBody('<b>bold?</b>'), '<p>&lt;b&gt;bold?&lt;/b&gt;</p>\n');
  });
});

describe('nesting limits', () => {
  function depthOf(html: string, tag: string): number {
    let depth = 0;
    let max = 0;
    for (const m of html.matchAll(new RegExp(`<(/?)${tag}\\b`, 'g'))) {
      depth += m[1] === '/' ? -1 : 1;
      max = Math.max(max, depth);
    }
    return max;
  }

  test(`blockquotes nest at most ${MAX_BLOCK_NESTING} deep and the words survive`, () => {
    const html = renderCommentBody(`${'> '.repeat(30)}still here`);
    assert.equal(depthOf(html, 'blockquote'), MAX_BLOCK_NESTING);
    assert.match(html, /still here/);
  });

  test(`lists nest at most ${MAX_BLOCK_NESTING} deep`, () => {
    const lines = Array.from({ length: 30 }, (_, i) => `${'  '.repeat(i)}- item ${i}`);
    const html = renderCommentBody(lines.join('\n'));
    assert.equal(depthOf(html, 'ul'), MAX_BLOCK_NESTING);
    assert.match(html, /item 29/);
  });

  test('quotes and lists share one depth budget', () => {
    const html = renderCommentBody(`${'> - '.repeat(20)}x`);
    assert.equal(depthOf(html, 'blockquote') + depthOf(html, 'ul'), MAX_BLOCK_NESTING);
  });

  test(`emphasis nests at most ${MAX_INLINE_NESTING} deep`, () => {
    const html = renderCommentBody(`${'*'.repeat(40)}a${'*'.repeat(40)}`);
    assert.ok(depthOf(html, 'strong') + depthOf(html, 'em') <= MAX_INLINE_NESTING);
    assert.match(html, /\*a\*/);
  });

  test('pathological inputs at the size limit render quickly (T07)', () => {
    const inputs = [
      '> '.repeat(5_000),
      '- '.repeat(5_000),
      `${'*'.repeat(4_999)}a${'*'.repeat(4_999)}`,
      '<!--'.repeat(2_500),
      '[a]'.repeat(3_333),
      `[x]: x\n${'\\[\\]('.repeat(1_600)}`,
      `https://a.example/${'*'.repeat(9_900)}a`,
      'a@b.co '.repeat(1_400),
      '['.repeat(10_000),
      '__*_'.repeat(2_500),
    ];
    for (const input of inputs) {
      const started = performance.now();
      const html = renderCommentBody(input);
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 1_000, `${JSON.stringify(input.slice(0, 12))}… took ${elapsed.toFixed(0)} ms`);
      assertSafe(html, input.slice(0, 40));
    }
  });
});

describe('sanitizeCommentHtml', () => {
  test('removes what the renderer would never emit', () => {
    assert.equal(sanitizeCommentHtml('<p onclick="x()">a<script>b</script></p>'), '<p>a</p>');
    assert.equal(sanitizeCommentHtml('<img src="x" onerror="y">'), '');
    assert.equal(sanitizeCommentHtml('<div><h1>t</h1></div>'), 't');
    assert.equal(sanitizeCommentHtml('<a href="javascript:alert(1)" title="t">x</a>'), `<a rel="${LINK_REL}">x</a>`);
    assert.equal(sanitizeCommentHtml('<a href="/relative">x</a>'), `<a rel="${LINK_REL}">x</a>`);
    assert.equal(
      sanitizeCommentHtml('<a href="https://x.example" rel="me" target="_blank">x</a>'),
      `<a rel="${LINK_REL}" href="https://x.example">x</a>`,
    );
  });
});

describe('renderer properties (T38)', () => {
  const fragments = [
    '*',
    '**',
    '_',
    '`',
    '```\n',
    '> ',
    '- ',
    '1. ',
    '# ',
    '\n',
    '\n\n',
    '    ',
    '[',
    ']',
    '(',
    ')',
    '![',
    '<',
    '>',
    '"',
    "'",
    '&',
    '&#58;',
    '&#x6A;',
    'javascript:',
    'JaVaScRiPt:alert(1)',
    'data:text/html,',
    'https://example.com/',
    'mailto:a@b.example',
    'a@b.example',
    '<script>',
    '</script>',
    '<img src=x onerror=alert(1)>',
    '<svg onload=alert(1)>',
    ' onmouseover=alert(1) ',
    '"><',
    '\u202E',
    '\u0000',
    '\uFEFF',
    '|---|',
    '~~',
    '[r]: ',
  ];
  const markdownish = fc
    .array(fc.oneof(fc.constantFrom(...fragments), fc.string({ maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 4 })), {
      maxLength: 30,
    })
    .map((parts) => parts.join(''));

  test('output only ever contains allow-listed markup', () => {
    fc.assert(
      fc.property(markdownish, (source) => {
        assert.deepEqual(violations(renderCommentBody(source)), []);
      }),
      { numRuns: 3_000 },
    );
  });

  test('the sanitizer is a no-op on rendered output', () => {
    fc.assert(
      fc.property(markdownish, (source) => {
        const html = renderCommentBody(source);
        assert.equal(sanitizeCommentHtml(html), html);
      }),
      { numRuns: 3_000 },
    );
  });

  test('arbitrary strings are safe too', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (source) => {
        const html = renderCommentBody(source);
        assert.deepEqual(violations(html), []);
        assert.equal(sanitizeCommentHtml(html), html);
      }),
      { numRuns: 1_000 },
    );
  });
});
