import type { Driver } from '../driver.ts';
import type { BackupStore, DatabaseExport } from '../ports.ts';
import { exportedTables } from '../tables.ts';
import { num } from './rows.ts';

type ExportRow = Record<string, string | number | null>;

export function sqlBackupStore(driver: Driver): BackupStore {
  return {
    async exportAll(): Promise<DatabaseExport> {
      const tables: DatabaseExport['tables'] = {};
      for (const spec of exportedTables()) {
        const rows = await driver.all<ExportRow>(
          `SELECT ${spec.columns.map((c) => c.name).join(', ')} FROM ${spec.name} ORDER BY ${spec.def.export.order}`,
        );
        tables[spec.name] = rows.map((r) => {
          const out: ExportRow = {};
          // The export always has numbers where the schema has integers, whatever the driver returned.
          for (const { name, type } of spec.columns) {
            const v = r[name] ?? null;
            out[name] = v === null ? null : type === 'text' ? String(v) : Number(v);
          }
          return out;
        });
      }
      return { format: 'byline-export', version: 1, tables };
    },

    async importAll(data: DatabaseExport): Promise<void> {
      if (data?.format !== 'byline-export' || data.version !== 1 || typeof data.tables !== 'object') {
        throw new Error('This file is not a Byline export (format byline-export, version 1).');
      }
      await driver.transaction(async (tx) => {
        const used = await tx.get<{ n: number | string }>(
          'SELECT (SELECT COUNT(*) FROM identities) + (SELECT COUNT(*) FROM comments) AS n',
        );
        if (num(used!.n) > 0) throw new Error('The database already holds identities or comments; import only into an empty database.');
        for (const spec of exportedTables()) {
          const rows = data.tables[spec.name] ?? [];
          const columns = spec.columns.map((c) => c.name);
          const tree = spec.def.tree;
          const sql = `INSERT INTO ${spec.name} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
          for (const row of rows) {
            // Replies are linked after every comment exists, so the file's order never trips the foreign key.
            await tx.run(
              sql,
              columns.map((c) => (c === tree?.parent ? null : (row[c] ?? null))),
            );
          }
          if (tree) {
            for (const row of rows) {
              const parent = row[tree.parent];
              if (parent !== null && parent !== undefined)
                await tx.run(`UPDATE ${spec.name} SET ${tree.parent} = ? WHERE ${tree.key} = ?`, [parent, row[tree.key] ?? null]);
            }
          }
          if (spec.def.serial) await driver.continueSerial(tx, spec.name, spec.def.serial);
        }
      });
    },
  };
}
