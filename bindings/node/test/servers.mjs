// Servers the store tests run against, on free 127.0.0.1 ports: a real redis-server started by
// the test file and killed after it, and a "silent" server that accepts and never answers.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/** A port nothing listens on (just released by the kernel). */
export async function freePort() {
  const server = net.createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address()
  server.close()
  await once(server, 'close')
  return port
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.end()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/**
 * Starts `redis-server` (no persistence) on a free loopback port and waits until it accepts
 * connections. Resolves to `{ url, stop }`; `stop()` kills it.
 */
export async function startRedis() {
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  })
  let failed = null
  child.once('error', (err) => (failed = err))
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null || failed) return
    child.kill('SIGKILL')
    await once(child, 'exit')
  }
  const deadline = Date.now() + 10_000
  while (!(await canConnect(port))) {
    if (failed) throw new Error(`redis-server could not start (make redis-setup installs it): ${failed.message}`)
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop()
      throw new Error('redis-server did not start')
    }
    await sleep(20)
  }
  return { url: `redis://127.0.0.1:${port}/`, stop }
}

/** A TCP server that accepts connections and never answers: a Redis that hangs. */
export async function startSilentServer() {
  const sockets = new Set()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `redis://127.0.0.1:${server.address().port}/`,
    stop: async () => {
      for (const socket of sockets) socket.destroy()
      server.close()
      await once(server, 'close')
    },
  }
}

/** A fresh temporary directory; `remove()` deletes it. */
export function tempDir() {
  const path = mkdtempSync(join(tmpdir(), 'axhook-node-'))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}
