import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

const require = createRequire(import.meta.url);

export const artifactsDir = join('test-artifacts', 'screenshots');

/** Debian's Chromium with the flags this machine needs: no sandbox as root, no background traffic. */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROME_PATH ?? '/usr/bin/chromium';
  return chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface ContextOptions {
  width?: number;
  height?: number;
  colorScheme?: 'light' | 'dark';
  javaScriptEnabled?: boolean;
}

export async function newContext(browser: Browser, opts: ContextOptions = {}): Promise<BrowserContext> {
  return browser.newContext({
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 },
    colorScheme: opts.colorScheme ?? 'light',
    javaScriptEnabled: opts.javaScriptEnabled ?? true,
  });
}

/** Records every request a page makes to another origin; the site must make none. */
export function watchThirdPartyRequests(page: Page, origin: string): string[] {
  const seen: string[] = [];
  page.on('request', (req) => {
    const url = req.url();
    if (!url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:')) seen.push(url);
  });
  return seen;
}

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; html: string }[];
}

/** Runs axe-core in the page (injected through the DevTools protocol, so our CSP doesn't stand in its way). */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, html: n.html })),
    }));
  });
}

export function formatViolations(violations: AxeViolation[]): string {
  return violations
    .map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')}: ${n.html.slice(0, 160)}`).join('\n')}`)
    .join('\n');
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Puts a session made over HTTP (a `name=value` cookie from the test helpers) into a browser
 * context, with the hints the page's script reads: signed in, and the author.
 */
export async function addSession(context: BrowserContext, siteUrl: string, sessionCookie: string, opts: { isAuthor?: boolean } = {}) {
  const eq = sessionCookie.indexOf('=');
  const domain = new URL(siteUrl).hostname;
  const cookie = (name: string, value: string, httpOnly: boolean) => ({
    name,
    value,
    domain,
    path: '/',
    secure: true,
    httpOnly,
    sameSite: 'Lax' as const,
  });
  await context.addCookies([
    cookie(sessionCookie.slice(0, eq), sessionCookie.slice(eq + 1), true),
    cookie('byline_signed_in', '1', false),
    ...(opts.isAuthor ? [cookie('byline_author', '1', false)] : []),
  ]);
}

/**
 * The width at which pages photographed at several widths are also checked with axe-core: once
 * per colour scheme. Its rules (contrast, names, roles, structure) read the same markup and the
 * same colours at every width, and each run costs seconds on two cores; the phone width is checked
 * for sideways scrolling and photographed.
 */
export const AXE_WIDTH = 1280;
