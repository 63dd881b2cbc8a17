// A name belongs to its first holder in every spelling that reads as it: in capitals and small
// letters, and after the rules that make name keys change under a site that already has readers.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../src/config.ts';
import { hashSecret, newRecoveryKey, normalizeRecoveryKey } from '../src/discussion/secrets.ts';
import { openStore } from '../src/store/open.ts';
import { createApp } from '../src/web/app.ts';
import { loadSiteHolder } from '../src/web/site-holder.ts';
import { demoContentDir, startTestApp } from './helpers/app.ts';
import { call, generousLimits, signIn } from './helpers/people.ts';

test('a Greek name in capitals is the same name as in small letters, for taking it and for recovering it', async () => {
  const t = await startTestApp({ listen: false, config: { limits: generousLimits } });
  try {
    const first = await call(t, 'POST', '/api/v1/session', { body: { name: 'Ελένη' } });
    assert.equal(first.statusCode, 201, first.body);
    const { recoveryKey } = first.json() as { recoveryKey: string };
    const capitals = await call(t, 'POST', '/api/v1/session', { body: { name: 'ΕΛΕΝΗ' }, remoteAddress: '127.0.0.44' });
    assert.equal(capitals.statusCode, 409, capitals.body);
    const recovered = await call(t, 'POST', '/api/v1/session/recover', { body: { name: 'ΕΛΕΝΗ', recoveryKey } });
    assert.equal(recovered.statusCode, 200, recovered.body);
    assert.equal((recovered.json() as { identity: { name: string } }).identity.name, 'Ελένη');
  } finally {
    await t.close();
  }
});

test('after an upgrade, a look-alike stored under an old key no longer lets a second one in, and its owner can still recover it', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'byline-rekey-'));
  try {
    // A site from before the rules changed: "Κate" (Greek capital Kappa) was keyed apart from "Kate".
    const old = await openStore({ dataDir, migrate: true });
    const recoveryKey = newRecoveryKey();
    await old.createIdentity(
      {
        id: 'old-kate',
        name: 'Κate',
        nameKey: 'κate',
        role: 'reader',
        createdAt: 1,
        ipPrefixHash: null,
        bannedUntil: null,
        banReason: null,
        muted: false,
      },
      hashSecret(normalizeRecoveryKey(recoveryKey)),
    );
    await old.close();

    const config = loadConfig({}, { dataDir, contentDir: demoContentDir, secret: 'rekey-test', logLevel: 'quiet', limits: generousLimits });
    const store = await openStore({ dataDir, migrate: true });
    const { app, ctx } = await createApp({ config, content: await loadSiteHolder(config.contentDir, false), store });
    const t = { app, ctx } as Parameters<typeof call>[0];
    try {
      const kate = await call(t, 'POST', '/api/v1/session', { body: { name: 'Kate' } });
      assert.equal(kate.statusCode, 409, 'the Latin spelling now reads as the name held since before the upgrade');
      assert.match(kate.body, /Κate/);
      const again = await call(t, 'POST', '/api/v1/session', { body: { name: 'ΚΑΤΕ' }, remoteAddress: '127.0.0.45' });
      assert.equal(again.statusCode, 409);
      const recovered = await call(t, 'POST', '/api/v1/session/recover', { body: { name: 'Κate', recoveryKey } });
      assert.equal(recovered.statusCode, 200, recovered.body);
      assert.equal((recovered.json() as { identity: { id: string } }).identity.id, 'old-kate');
      // Readers who arrive now are keyed by the new rules as usual.
      await signIn(t, 'Marguerite');
    } finally {
      await app.close();
      await store.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
