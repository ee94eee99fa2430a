/**
 * Crash safety, for real: a child appends continuously and is killed with SIGKILL at random
 * moments, 16 times on the same home (MESH_CRASH_KILLS for more). After each kill the home opens cleanly and every append
 * acknowledged before the kill is there.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { generateWallet } from '../../src/identity/index.js'
import { openVault } from '../../src/sdk/index.js'
import { ROOT } from '../helpers/cli.js'
import { prng } from '../helpers/prng.js'
import { tempDir } from '../helpers/tmp.js'

const WRITER = join(ROOT, 'dist', 'test', 'helpers', 'crash-writer.js')
const KILLS = Number(process.env.MESH_CRASH_KILLS ?? 16)

function runAndKill (home: string, tag: string, afterMs: number): Promise<{ acked: string[], readyMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, home, tag], { stdio: ['ignore', 'pipe', 'pipe'] })
    const acked: string[] = []
    let buf = ''
    let err = ''
    const started = Date.now()
    let readyMs = -1
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString()
      let i
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i)
        buf = buf.slice(i + 1)
        if (line === 'ready') {
          readyMs = Date.now() - started
          setTimeout(() => child.kill('SIGKILL'), afterMs)
        } else if (line.startsWith('ack ')) acked.push(line.slice(4))
      }
    })
    child.stderr.on('data', (d: Buffer) => { err += d.toString() })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer exited with ${code}: ${err}`))
      else resolve({ acked, readyMs })
    })
  })
}

describe('crash safety', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterAll(async () => { for (const c of cleanups) await c() })

  it(`keeps every acknowledged append across ${KILLS} SIGKILLs`, async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const home = join(t.dir, 'home')
    const v0 = await openVault({ home, wallet: generateWallet() })
    await v0.close()
    const rnd = prng(7)
    const allAcked: string[] = []
    let recoveries = 0
    for (let k = 0; k < KILLS; k++) {
      const { acked } = await runAndKill(home, `k${k}`, 20 + rnd.int(400))
      allAcked.push(...acked)
      const v = await openVault({ home })
      recoveries += v.vault.store.recovered.length
      const s = await v.sessions.open('agent:main:crash')
      const have = new Set(s.messages().map(m => m.content.slice(0, m.content.indexOf('-x'))))
      await s.close()
      await v.close()
      const missing = allAcked.filter(a => !have.has(a))
      expect(missing, `after kill ${k}`).toEqual([])
    }
    expect(allAcked.length).toBeGreaterThan(KILLS * 5)
    // How many kills tore a record depends on timing: reported, not asserted (test/unit/log.test.ts
    // proves the cut deterministically).
    console.log(`crash test: ${allAcked.length} acknowledged appends, ${recoveries} torn tails cut over ${KILLS} kills`)
  // 16 child processes started and killed, the home reopened after each: ~45-60 s alone on the
  // 2-core machine, past the suite's 120 s under load; the limit is for a hang, not a speed.
  }, 300_000)
})
