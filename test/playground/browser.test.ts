/**
 * The playground in a real browser (Debian's Chromium, driven by playwright-core): a partner flags an
 * account through the page (`/eql acme.com`, the modal, Submit), a rep claims it in the routing channel, and
 * the partner finds the DM saying who owns it. Everything runs on loopback: the page's server, the real bot
 * and the Slack stand-in.
 *
 * Chromium is required: `.ci/run` installs it when /usr/bin/chromium is missing. Without it this test fails
 * (it does not skip). `UPDATE_SCREENSHOTS=1` writes the screenshots the README shows to docs/.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadProgramConfig } from '../../src/config/program-config.ts';
import { EXAMPLE_CONFIG_PATH } from '../../src/dev/demo.ts';
import { createLogger } from '../../src/logger.ts';
import { type Playground, startPlayground } from '../../src/playground/start.ts';

const CHROMIUM = '/usr/bin/chromium';
/** How long the page may take to show what the bot did (it polls every 800 ms). */
const SOON = { timeout: 10_000, interval: 100 };
const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));

let dir: string;
let playground: Playground;
let browser: BrowserContext;
let page: Page;
let shots: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium; .ci/run does it) to run the playground browser test`,
    );
  }
  dir = mkdtempSync(join(tmpdir(), 'foothold-playground-'));
  shots = process.env.UPDATE_SCREENSHOTS === '1' ? DOCS : join(dir, 'shots');
  mkdirSync(shots, { recursive: true });
  playground = await startPlayground({
    config: loadProgramConfig(EXAMPLE_CONFIG_PATH),
    databasePath: join(dir, 'playground.db'),
    port: 0,
    logger: createLogger('silent'),
  });
  browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 860 },
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(10_000);
}, 60_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await playground?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function shot(name: string) {
  const path = join(shots, `playground-${name}.png`);
  return page.screenshot({ path }).then(() => {
    expect(statSync(path).size).toBeGreaterThan(10_000);
  });
}

async function become(name: string) {
  const value = await page.locator('#as option', { hasText: name }).first().getAttribute('value');
  await page.selectOption('#as', value ?? '');
  await expect.poll(() => page.locator('#rail').innerText(), SOON).toContain(name);
}

test('a partner flags an account, a rep claims it, the partner is told who owns it', async () => {
  const local = playground.url.replace('localhost', '127.0.0.1');
  await page.goto(`${local}?as=U0SNORTHWIN1&where=C0SHAREDN`);
  await expect.poll(() => page.locator('#title').innerText(), SOON).toBe('# shared-northwind');
  // The pinned card went up when Foothold joined the shared channel.
  await expect.poll(() => page.locator('#messages').innerText(), SOON).toContain('Flag an account');

  // Pat Northwind types the command; the bot opens its modal.
  await page.fill('#say', '/eql acme.com');
  await page.press('#say', 'Enter');
  const modal = page.locator('dialog[open] form.modal');
  await modal.waitFor();
  await expect.poll(() => modal.locator('header').innerText(), SOON).not.toBe('');
  const field = (block: string, el = 'input') => modal.locator(`[data-block-id="${block}"] ${el}`).first();
  await field('account_name').fill('Acme Corp');
  if ((await field('website').inputValue()) === '') await field('website').fill('acme.com');
  await field('relationship', 'select').selectOption('customer');
  await field('strength', 'select').selectOption('4');
  const lastWeek = new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10);
  await field('last_interaction_on').fill(lastWeek);
  await modal.locator('[data-block-id="willing_to_introduce"] input[value="yes"]').check();
  await field('contact_name').fill('Jane Doe');
  // User text that would run if it ever became markup.
  await field('need', 'textarea').fill(
    'A partner portal <img src=x onerror="window.__pwned=1"> this quarter',
  );
  await field('contact_title').fill('VP Engineering');
  await field('industry').fill('software');
  await field('employees').fill('1200');
  await field('country').fill('US');
  await modal.locator('.modal-body').evaluate((el) => {
    el.scrollTop = 0;
  });
  await shot('flag');
  await modal.locator('[data-modal-submit]').click();
  // The bot answers with its result screen in the same modal (a refused field would show its error inline
  // instead: the poll says which); Close dismisses it.
  await expect
    .poll(async () => {
      if ((await modal.locator('[data-block-id="account_name"]').count()) === 0) return 'answered';
      const errors = await page.locator('dialog .bk-error').allInnerTexts();
      return `${await page.locator('#notice').innerText()} ${errors.join(' ')}`.trim() || 'waiting';
    }, SOON)
    .toBe('answered');
  const answer = await modal.innerText();
  expect(answer).toMatch(/Acme/);
  await modal.locator('[data-modal-close]').click();
  await expect.poll(() => page.locator('dialog[open]').count(), SOON).toBe(0);

  // Riley Rep claims it in the routing channel.
  await become('Riley Rep');
  await page.locator('#rail a', { hasText: '# eql-routing' }).click();
  await expect.poll(() => page.locator('#title').innerText(), SOON).toBe('# eql-routing');
  const post = page.locator('.msg', { hasText: 'Acme Corp' }).first();
  await post.locator('button[data-action-id="claim"]').click();
  await expect.poll(() => post.innerText(), SOON).toMatch(/Riley Rep/);
  // What the partner typed is shown as text, never run.
  expect(await post.innerText()).toContain(
    'A partner portal <img src=x onerror="window.__pwned=1"> this quarter',
  );
  expect(await page.locator('#messages img[src="x"]').count()).toBe(0);
  expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
  await shot('claim');

  // Back as Pat: the DM says who owns the account.
  await become('Pat Northwind');
  await page.locator('#rail a', { hasText: 'Foothold (DMs)' }).click();
  await expect.poll(() => page.locator('#messages').innerText(), SOON).toContain('Riley Rep');
  const dm = await page.locator('#messages').innerText();
  expect(dm).toContain('Acme');
  expect(dm).toContain('Riley Rep');
  await shot('dm');
}, 90_000);

test('on an empty database the Run menu loads the sample program; jobs run from it; App Home and field errors show', async () => {
  const second = await startPlayground({
    config: loadProgramConfig(EXAMPLE_CONFIG_PATH),
    databasePath: join(dir, 'second.db'),
    port: 0,
    logger: createLogger('silent'),
  });
  try {
    const base = second.url.replace('localhost', '127.0.0.1');
    await page.goto(`${base}?as=U0LEAD&where=C0LEADERS`);
    await expect.poll(() => page.locator('#title').innerText(), SOON).toBe('# partner-leaders');
    await page.click('#runbutton');
    await page.click('[data-testid="run-load-the-sample-program"]');
    await expect
      .poll(() => page.locator('#notice').innerText(), { ...SOON, timeout: 30_000 })
      .toMatch(/^Sample program loaded: \d+ leads \(\d+ EQLs/);
    // Loaded once: the menu no longer offers it.
    await page.click('#runbutton');
    expect(await page.locator('[data-testid="run-load-the-sample-program"]').count()).toBe(0);
    await page.click('[data-testid="run-run-digest"]');
    await expect
      .poll(() => page.locator('#notice').innerText(), SOON)
      .toMatch(/^digest for \S+: \d+ message/);
    await expect.poll(() => page.locator('#messages').innerText(), SOON).toMatch(/EQL/);
    // The digest's chart is a file Foothold uploaded to the channel: shown inline, served from the stand-in.
    const chart = page.locator('#messages img.bk-img').first();
    await chart.waitFor();
    await expect
      .poll(() => chart.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth), SOON)
      .toBeGreaterThan(100);

    // Lee's App Home is published when it opens.
    await page.locator('#rail a', { hasText: 'App Home' }).click();
    await expect.poll(() => page.locator('#title').innerText(), SOON).toBe('App Home');
    await expect.poll(() => page.locator('#messages .surface').count(), SOON).toBe(1);
    expect((await page.locator('#messages .surface').innerText()).length).toBeGreaterThan(50);

    // A field the bot refuses shows its error under the field, and the modal stays open with what was typed.
    await become('Pat Northwind');
    await page.fill('#say', '/eql');
    await page.press('#say', 'Enter');
    const modal = page.locator('dialog[open] form.modal');
    await modal.waitFor();
    await modal.locator('[data-block-id="account_name"] input').fill('Nowhere');
    await modal.locator('[data-block-id="website"] input').fill('nowhere.example');
    await modal.locator('[data-block-id="relationship"] select').selectOption('prospect');
    await modal.locator('[data-block-id="strength"] select').selectOption('4');
    await modal.locator('[data-block-id="last_interaction_on"] input').fill('2026-01-01');
    await modal.locator('[data-block-id="willing_to_introduce"] input[value="yes"]').check();
    await modal.locator('[data-modal-submit]').click();
    // Willing to introduce, but no contact named: the bot refuses that field.
    const error = modal.locator('[data-error-for="contact_name"]');
    await expect.poll(() => error.innerText(), SOON).toBe('Name the contact you would introduce us to');
    expect(await modal.locator('[data-error-for="website"]').innerText()).toBe('');
    expect(await modal.locator('[data-block-id="account_name"] input').inputValue()).toBe('Nowhere');
    await modal.locator('[data-modal-close]').click();
    await expect.poll(() => page.locator('dialog[open]').count(), SOON).toBe(0);

    // Plain text is Pat's own message; the "Flag as EQL" message shortcut opens the form with it as notes.
    await page.fill('#say', 'Globex wants a partner portal (ask <Kim>)');
    await page.press('#say', 'Enter');
    const mine = page.locator('.msg', { hasText: 'Globex wants a partner portal (ask <Kim>)' });
    await mine.waitFor();
    expect(await mine.locator('.meta').innerText()).toContain('Pat Northwind');
    await mine.hover();
    await mine.locator('button[data-shortcut]').click();
    await modal.waitFor();
    await expect
      .poll(() => modal.locator('[data-block-id="notes"] textarea').inputValue(), SOON)
      .toMatch(/^Globex wants a partner portal/);
    await modal.locator('[data-modal-close]').click();
    await expect.poll(() => page.locator('dialog[open]').count(), SOON).toBe(0);
  } finally {
    await second.close();
  }
}, 120_000);
