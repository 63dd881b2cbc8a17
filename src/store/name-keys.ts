import type { RekeyReport } from '../discussion/records.ts';
import type { Driver } from './driver.ts';

export type { RekeyReport };

// A key holds only letters, digits and marks (src/discussion/names.ts), so one with '#' in it
// can never be matched by a sign-in.

/**
 * Recomputes every identity's comparison key when the rules that make keys change (the version
 * is stored in byline_meta), so a look-alike that the old rules missed can no longer be taken
 * beside the name it imitates, and every reader can still recover their own name. Runs in one
 * transaction; the author's identities keep their names first, then readers in the order they
 * arrived.
 */
export async function rekeyIdentities(driver: Driver, version: string, keyOf: (name: string) => string): Promise<RekeyReport | undefined> {
  return driver.transaction(async (tx) => {
    // Nodes starting together on one PostgreSQL would each see the old version and each write the
    // new one (a duplicate key for the second): they take turns, like migrations, and the second
    // finds the work done.
    await driver.lockForMigration(tx);
    const stored = await tx.get<{ value: string }>("SELECT value FROM byline_meta WHERE name = 'name_key_version'");
    if (stored?.value === version) return undefined;
    const rows = await tx.all<{ id: string; name: string; name_key: string; role: string }>(
      "SELECT id, name, name_key, role FROM identities ORDER BY CASE WHEN role = 'author' THEN 0 ELSE 1 END, created_at, id",
    );
    const holders = new Map<string, { id: string; name: string }>();
    const report: RekeyReport = { rekeyed: 0, clashes: [] };
    const next = new Map<string, string>();
    for (const row of rows) {
      const key = keyOf(row.name);
      const holder = holders.get(key);
      if (holder) {
        report.clashes.push({ id: row.id, name: row.name, heldBy: holder.name });
        next.set(row.id, `${key}#${row.id}`);
      } else {
        holders.set(key, { id: row.id, name: row.name });
        next.set(row.id, key);
      }
    }
    // Keys are unique, so old keys step aside first: a new key may equal another row's old one.
    const changed = rows.filter((row) => next.get(row.id) !== row.name_key);
    for (const row of changed) await tx.run('UPDATE identities SET name_key = ? WHERE id = ?', [`#${row.id}`, row.id]);
    for (const row of changed) await tx.run('UPDATE identities SET name_key = ? WHERE id = ?', [next.get(row.id)!, row.id]);
    report.rekeyed = changed.length;
    await tx.run("DELETE FROM byline_meta WHERE name = 'name_key_version'");
    await tx.run("INSERT INTO byline_meta (name, value) VALUES ('name_key_version', ?)", [version]);
    return report;
  });
}
