/**
 * The home lock under a race: 20 processes try at once to take over the stale lock of a dead
 * process, round after round. Exactly one wins each round (winners hold until every racer has
 * answered, so two winners would be two simultaneous holders), and every append a winner
 * acknowledged under the lock is in the log at the end.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterEach, describe, expect, it } from 'vitest'
import { acquireLock, RecordLog } from '../../src/store/index.js'
import { ROOT } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

const RACER = join(ROOT, 'dist', 'test', 'helpers', 'lock-racer.js')
const RACERS = 20
const ROUNDS = 25

interface Racer { child: ChildProcess, next: () => Promise<string> }

function racer (): Racer {
  const child = spawn(process.execPath, [RACER], { stdio: ['pipe', 'pipe', 'inherit'] })
  const lines: string[] = []
  const waiting: Array<(l: string) => void> = []
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (l) => {
    const w = waiting.shift()
    if (w !== undefined) w(l)
    else lines.push(l)
  })
  const exited = new Promise<string>((resolve) => { child.once('exit', (c) => { resolve(`exited ${String(c)}`) }) })
  return {
    child,
    next: async () => {
      const l = lines.shift()
      if (l !== undefined) return l
      return await Promise.race([new Promise<string>(resolve => waiting.push(resolve)), exited])
    }
  }
}

/** The pid of a process that has exited: what a lock left by SIGKILL holds. */
function deadPid (): number {
  const r = spawnSync('true')
  if (r.pid === undefined) throw new Error('cannot spawn true')
  return r.pid
}

describe('home lock race', () => {
  it(`${RACERS} processes taking over a stale lock: one wins, and no acknowledged append is lost`, async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const home = t.dir
    const racers = Array.from({ length: RACERS }, racer)
    cleanups.push(async () => {
      for (const r of racers) {
        if (r.child.exitCode !== null) continue
        const gone = new Promise(resolve => r.child.once('exit', resolve))
        r.child.kill('SIGKILL')
        await gone
      }
    })
    const acked: string[] = []
    const winnersPerRound: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      // Old format (a bare pid) on even rounds, the current one on odd rounds.
      await writeFile(join(home, 'lock'), round % 2 === 0 ? `${deadPid()}` : `${deadPid()} stale${round}\n`)
      racers.forEach((r, i) => r.child.stdin?.write(`go ${home} r${round}-${i}\n`))
      const answers = await Promise.all(racers.map(async r => await r.next()))
      const won = answers.filter(a => a.startsWith('won '))
      winnersPerRound.push(won.length)
      for (const a of answers) expect(a, a).toMatch(/^(won \S+ (acked|failed .*)|lost HOME_IN_USE)$/)
      for (const w of won.filter(a => a.endsWith(' acked'))) acked.push(w.split(' ')[1] as string)
      racers.forEach(r => r.child.stdin?.write('release\n'))
      for (const r of racers) expect(await r.next()).toBe('released')
    }
    expect(winnersPerRound).toEqual(Array.from({ length: ROUNDS }, () => 1))
    const found = new Set<string>()
    const { log } = await RecordLog.open(join(home, 'race.log'), (p) => { found.add(new TextDecoder().decode(p)) }, () => {})
    await log.close()
    expect(acked.filter(id => !found.has(id))).toEqual([])
  })

  it('what racers that died mid-takeover left (a marker, a marker of a marker, a temp file) does not block, and is cleaned up', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const dead = deadPid()
    await writeFile(join(t.dir, 'lock'), `${dead} old\n`)
    await writeFile(join(t.dir, 'lock.stale-0123456789abcdef'), `${deadPid()} racer\n`)
    await writeFile(join(t.dir, 'lock.stale-0123456789abcdef.stale-fedcba9876543210'), `${deadPid()} racer2\n`)
    await writeFile(join(t.dir, `lock.${dead}.00ff00ff00ff00ff.tmp`), `${dead} tmp\n`)
    const held = await acquireLock(t.dir)
    expect((await readdir(t.dir)).sort()).toEqual(['lock'])
    await held.release()
    expect(await readdir(t.dir)).toEqual([])
  })

  it.runIf(process.platform === 'linux')('a lock whose pid now belongs to another process (a reboot, pid reuse) is stale; the same process holds it', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const other = spawn('sleep', ['60'], { stdio: 'ignore' })
    cleanups.push(async () => { const gone = new Promise(resolve => other.once('exit', resolve)); other.kill('SIGKILL'); await gone })
    const pid = other.pid as number
    const boot = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim()
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] as string
    await writeFile(join(t.dir, 'lock'), `${pid} n ${boot}/${start}\n`)
    await expect(acquireLock(t.dir)).rejects.toMatchObject({ code: 'HOME_IN_USE', message: expect.stringContaining(`in use by pid ${pid}`) })
    await writeFile(join(t.dir, 'lock'), `${pid} n 00000000-0000-0000-0000-000000000000/${start}\n`)
    const held = await acquireLock(t.dir)
    expect((await readFile(join(t.dir, 'lock'), 'utf8')).startsWith(`${process.pid} `)).toBe(true)
    await held.release()
  })
})
