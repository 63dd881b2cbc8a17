#!/usr/bin/env node
// The `byline` command. Byline runs its TypeScript sources directly through tsx's loader,
// so there is no build step between editing a file and running it.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
