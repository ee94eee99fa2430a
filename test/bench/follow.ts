/**
 * Live capture latency: a line appended to a Claude Code transcript on A (which runs `mesh join
 * --follow claude`) until B, another daemon process, reports it (a message.appended event on its
 * socket), beside the floor of any file follower, measured on the same lines in the same run:
 * a plain fs.watch on the transcript's directory, then a read of the file's new bytes, in this
 * process. Each line waits for the previous one to arrive (latency, not throughput).
 */
import { appendFile, mkdir, open } from 'node:fs/promises'
import { watch } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { connectRpc } from '../../src/api/rpc-client.js'
import { sanitizePath } from '../../src/agents/claude/slug.js'
import { BIN, cliEnv } from '../helpers/cli.js'
import { startDaemon } from '../helpers/daemons.js'
import { fmt, now, percentile, report, text } from './util.js'

// Compiled (the bench runs dist/test/bench), the bin is three levels up.
const MESH = existsSync(BIN) ? BIN : fileURLToPath(new URL('../../../bin/mesh.js', import.meta.url))
const SID = '3c4d5e6f-7081-4a92-8b3c-4d5e6f708192'
const CWD = '/home/bench/src/live'

export async function benchFollow (dir: string, opts: { quick: boolean }): Promise<void> {
  await mkdir(dir, { recursive: true })
  const cc = join(dir, 'claude')
  const env = { ...cliEnv(dir), CLAUDE_CONFIG_DIR: cc }
  const wallet = join(dir, 'wallet.json')
  const made = spawnSync(process.execPath, [MESH, 'wallet', 'new', '--out', wallet], { env, encoding: 'utf8' })
  if (made.status !== 0) throw new Error(`mesh wallet new failed: ${made.stderr}`)
  const project = join(cc, 'projects', sanitizePath(CWD))
  await mkdir(project, { recursive: true })
  const path = join(project, `${SID}.jsonl`)
  const a = await startDaemon(env, { home: join(dir, 'a'), wallet, label: 'alpha', http: 'off', args: ['--follow', 'claude'] })
  const b = await startDaemon(env, { home: join(dir, 'b'), wallet, label: 'beta', http: 'off', bootstrap: a.addr }).catch(async (err) => { await a.proc.stop('SIGKILL'); throw err })
  const rpcB = await connectRpc(b.home)
  try {
    await a.proc.waitFor(/^following/, 30_000)
    await b.proc.waitFor(/peer proven\s+alpha/, 30_000)
    if (rpcB === undefined) throw new Error('no daemon answers on B')
    let parent: string | null = null
    let n = 0
    const line = (): { uuid: string, bytes: string } => {
      const uuid = `3c4d5e6f-0000-4000-8000-${(n++).toString(16).padStart(12, '0')}`
      const o = { parentUuid: parent, isSidechain: false, userType: 'external', cwd: CWD, sessionId: SID, version: '2.1.97', gitBranch: 'main', type: 'user', message: { role: 'user', content: text(300) }, uuid, timestamp: new Date().toISOString() }
      parent = uuid
      return { uuid, bytes: JSON.stringify(o) + '\n' }
    }
    // Arrivals on B by message id (the view message of a user line carries the line's uuid).
    const arrived = new Map<string, number>()
    let waiting: { id: string, resolve: () => void } | undefined
    const onB = (ids: string[]): void => {
      const t = now()
      for (const id of ids) { if (!arrived.has(id)) arrived.set(id, t); if (waiting?.id === id) { const w = waiting; waiting = undefined; w.resolve() } }
    }
    const untilOnB = async (id: string): Promise<void> => {
      if (arrived.has(id)) return
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => { reject(new Error(`line ${id} never reached B`)) }, 30_000)
        waiting = { id, resolve: () => { clearTimeout(t); resolve() } }
      })
    }
    // Warm-up: the session is created on A and reaches B before anything is timed.
    const first = line()
    await appendFile(path, first.bytes)
    const key = `agent:claude:${SID}`
    for (;;) {
      const list = await rpcB.call('sessions.list', {})
      if (list.some(s => s.key === key)) break
      await new Promise(resolve => setTimeout(resolve, 50))
    }
    const off = rpcB.subscribe((r) => { if (r.event.type === 'message.appended' && r.event.key === key) onB(r.event.messages.map(m => m.id)) }, { sessions: [key] })

    // The baseline follower: fs.watch on the directory, read what is new, find the line's end.
    let offset = 0
    const fh = await open(path, 'r')
    offset = (await fh.stat()).size
    const seen = new Map<string, number>()
    let reading = false
    const readNew = async (): Promise<void> => {
      if (reading) return
      reading = true
      try {
        for (;;) {
          const size = (await fh.stat()).size
          if (size <= offset) break
          const buf = Buffer.alloc(size - offset)
          const { bytesRead } = await fh.read(buf, 0, buf.length, offset)
          const chunk = buf.subarray(0, bytesRead)
          const end = chunk.lastIndexOf(0x0a) + 1
          const t = now()
          for (const l of chunk.subarray(0, end).toString('utf8').split('\n')) { const m = /"uuid":"([^"]+)"/.exec(l); if (m !== null) seen.set(m[1] as string, t) }
          offset += end
          if (end === 0) break
        }
      } finally { reading = false }
    }
    const w = watch(project, () => { void readNew() })
    const count = opts.quick ? 30 : 200
    const mesh: number[] = []
    const base: number[] = []
    try {
      for (let i = 0; i < count; i++) {
        const l = line()
        const t0 = now()
        await appendFile(path, l.bytes)
        await untilOnB(l.uuid)
        while (!seen.has(l.uuid)) { await readNew(); await new Promise(resolve => setImmediate(resolve)) }
        mesh.push((arrived.get(l.uuid) as number) - t0)
        base.push((seen.get(l.uuid) as number) - t0)
      }
    } finally {
      w.close()
      off()
      await fh.close()
    }
    const p50 = percentile(mesh, 50)
    const p99 = percentile(mesh, 99)
    const b50 = percentile(base, 50)
    report({ name: `live capture: Claude line appended on A → on B (mesh join --follow), p50 ms (${count} lines)`, value: `${fmt(p50)} (p99 ${fmt(p99)})`, baseline: `fs.watch→read of the same file ${fmt(b50, 2)} ms (p99 ${fmt(percentile(base, 99), 2)})`, ratio: `${fmt(p50 / Math.max(b50, 0.001), 0)}×`, target: 'p99 < 1000 ms (issue 13: within a second)', ok: p99 < 1000 })
  } finally {
    await rpcB?.close()
    await b.proc.stop('SIGKILL')
    await a.proc.stop('SIGKILL')
  }
}
