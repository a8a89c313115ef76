// The README's quick start is examples/quickstart.mjs: it must run as written.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'

const root = new URL('..', import.meta.url)

describe('README', () => {
  it('runs the quick start', () => {
    const out = execFileSync(process.execPath, ['examples/quickstart.mjs'], { cwd: root }).toString()
    assert.match(out, /quick start: ok/)
  })

  it('shows the example files verbatim', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8')
    for (const file of ['examples/quickstart.mjs', 'examples/express.mjs', 'examples/fastify.mjs', 'examples/next-route.ts']) {
      const code = readFileSync(new URL(file, root), 'utf8')
      const body = code.split('\n').filter((line) => !line.startsWith('// The README')).join('\n').trim()
      assert.ok(readme.includes(body), `README.md shows ${file}`)
    }
  })
})
