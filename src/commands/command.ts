import type { Config } from '../config.ts';

/** An operator command beyond serving: each lives in its own module and is listed in index.ts. */
export interface Command {
  args: string;
  summary: string;
  run(args: string[], config: Config): Promise<void>;
}
