import { backupCommand } from './backup.ts';
import type { Command } from './command.ts';
import { copyCommand } from './copy.ts';
import { exportCommand } from './export.ts';
import { importCommand } from './import.ts';
import { moderateCommand } from './moderate.ts';
import { restoreCommand } from './restore.ts';

export type { Command };

/** Every operator command beyond serving, by name; the registry imports the commands, never the reverse. */
export const extraCommands: Record<string, Command> = {
  copy: copyCommand,
  backup: backupCommand,
  restore: restoreCommand,
  export: exportCommand,
  import: importCommand,
  moderate: moderateCommand,
};
