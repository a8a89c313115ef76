// Headless Debian Chromium driven by playwright-core (never a downloaded browser), with a
// fresh profile each time.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Runs `f(page)` in a fresh headless Chromium and closes everything afterwards. */
export async function withPage(f) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'axhook-wasm-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run'],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    return await f(page, errors);
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}
