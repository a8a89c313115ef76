// The activity page in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core): `axhook serve --activity` receives deliveries from `axhook send`, and the
// page shows them — type, clientId, messageId, verdict, status — and a payload on click.
//
// Run by `make cli-test` (AXHOOK_BIN: the built binary). Loopback only.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, execFileSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const here = dirname(fileURLToPath(import.meta.url))
const bin = process.env.AXHOOK_BIN ?? resolve(here, '../../../target/debug/axhook')
const KEY = 'activity-page-key'

/** Starts `axhook serve --activity` on a free loopback port; resolves with its base URL. */
function serve() {
  const child = spawn(bin, ['serve', '--listen', '127.0.0.1:0', '--json', '--store', 'memory',
    '--key-env', 'current=AX_KEY', '--exec', 'cat > /dev/null', '--activity'], {
    env: { ...process.env, AX_KEY: KEY },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('serve did not start')), 20000)
    child.on('exit', (code) => fail(new Error(`serve exited with ${code}`)))
    createInterface({ input: child.stderr }).on('line', (line) => {
      const entry = JSON.parse(line)
      if (entry.event === 'listening') {
        clearTimeout(timer)
        ok({ child, url: entry.url, activity: entry.activity })
      }
    })
  })
}

/** `axhook send` as aXcelerate would; returns its JSON summary. */
function send(url, args) {
  try {
    return JSON.parse(execFileSync(bin, ['send', url, '--json', '--retries', '0', ...args]))
  } catch (err) {
    return JSON.parse(err.stdout) // exit code 1: not accepted, which some cases expect
  }
}

test('the activity page shows the deliveries just sent', async () => {
  const { child, url, activity } = await serve()
  const profile = mkdtempSync(join(tmpdir(), 'axhook-chromium-'))
  let context
  try {
    const sent = [
      send(url, ['--key', KEY, '--event', 'contact.contact_created', '--client-id', '111']),
      send(url, ['--key', KEY, '--event', 'student.workshop_enrolment_created', '--client-id', '222']),
      send(url, ['--unsigned', '--event', 'contact.contact_deleted', '--client-id', '333']),
    ]
    assert.deepEqual(sent.map((s) => s.runs[0].attempts[0].status), [200, 200, 401])

    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--no-first-run'],
    })
    const page = context.pages()[0] ?? await context.newPage()
    const external = []
    page.on('request', (r) => { if (!r.url().startsWith('http://127.0.0.1')) external.push(r.url()) })
    await page.goto(activity)
    await page.waitForFunction(() => document.querySelectorAll('tr.delivery').length === 3)

    const rows = await page.$$eval('tr.delivery', (trs) =>
      trs.map((tr) => [...tr.cells].map((td) => td.textContent)))
    // Newest first: Time, Type, Client ID, Message ID, Verdict, Status.
    assert.deepEqual(rows.map((r) => [r[1], r[2], r[3], r[4], r[5]]), [
      ['contact.contact_deleted', '333', sent[2].messageId, 'unsigned_rejected', '401'],
      ['student.workshop_enrolment_created', '222', sent[1].messageId, 'processed', '200'],
      ['contact.contact_created', '111', sent[0].messageId, 'processed', '200'],
    ])
    // The payload on click.
    await page.click(`tr.delivery[data-message-id="${sent[1].messageId}"]`)
    const payload = await page.textContent('tr.detail pre.payload')
    const body = JSON.parse(payload)
    assert.equal(body.messageId, sent[1].messageId)
    assert.equal(body.message.enrolment.student.contactId > 0, true)
    assert.match(await page.textContent('#summary'), /3 recent requests · 2 answered 2xx/)

    const shots = join(here, 'screenshots')
    mkdirSync(shots, { recursive: true })
    await page.screenshot({ path: join(shots, 'activity.png'), fullPage: true })
    assert.deepEqual(external, [], 'the page loads nothing from outside')
  } finally {
    await context?.close()
    child.kill('SIGTERM')
    rmSync(profile, { recursive: true, force: true })
  }
})
