import type { Driver } from '../driver.ts';
import type { HealthStore } from '../ports.ts';
import { schemaProbeSql } from '../schema-shape.ts';

/** Health checks over SQL; the engine's name comes from the store itself (sql-store.ts). */
export function sqlHealthStore(driver: Driver): Omit<HealthStore, 'engine'> {
  let probe: string | undefined;
  return {
    ping: () => driver.ping(),

    async schemaProblem(): Promise<string | undefined> {
      probe ??= schemaProbeSql();
      try {
        await driver.get(probe);
        return undefined;
      } catch (err) {
        return err instanceof Error ? err.message : String(err);
      }
    },
  };
}
