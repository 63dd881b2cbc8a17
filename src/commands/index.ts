import type { Config } from '../config.ts';
import { copyCommand } from './copy.ts';
import { backupCommand } from './backup.ts';
import { restoreCommand } from './restore.ts';
import { exportCommand } from './export.ts';
import { importCommand } from './import.ts';
import { moderateCommand } from './moderate.ts';

/** An operator command beyond serving: each lives in its own module and is listed here. */
export interface Command {
  args: string;
  summary: string;
  run(args: string[], config: Config): Promise<void>;
}

export const extraCommands: Record<string, Command> = {};
extraCommands.copy = copyCommand;
extraCommands.backup = backupCommand;
extraCommands.restore = restoreCommand;
extraCommands.export = exportCommand;
extraCommands.import = importCommand;
extraCommands.moderate = moderateCommand;
