#!/usr/bin/env node
// The `byline` command. It runs the built JavaScript in dist/ (made by `npm run build`, which
// `npm install` runs). A checkout without a build, or BYLINE_FROM_SOURCE=1, runs the TypeScript
// sources through the development loader instead.
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli.js', import.meta.url);
if (existsSync(built) && process.env.BYLINE_FROM_SOURCE !== '1') {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
