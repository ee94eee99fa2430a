/**
 * The blind mirror end to end, through the CLI, in real processes on loopback: a mirror home
 * made with `mesh init --mirror` (no vault key), `mesh join --mirror` run without the wallet;
 * A writes while B is down, and is killed; B, never online with A, starts and gets everything
 * from the mirror alone. Then the mirror's whole home and its process memory (read through
 * /proc/<pid>/mem while it runs) are scanned for a plaintext marker A wrote and for every vault
 * key and the wallet's secret key: none is found. The same scan finds the marker in B's memory
 * (B read the session), so the scan can see plaintext where there is some.
 */
import { randomBytes } from 'node:crypto'
import { closeSync, openSync, readFileSync, readSync } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { decodeKeyFile } from '../../src/node/keyfile.js'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { spawnIn, type Proc } from '../helpers/netns.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

interface Needle { what: string, bytes: Buffer }

/** Every encoding a secret could sit in: raw bytes, hex, base64 (keys); UTF-8 and UTF-16 (text). */
function keyNeedles (what: string, key: Uint8Array): Needle[] {
  const b = Buffer.from(key)
  return [{ what: `${what} (raw)`, bytes: b }, { what: `${what} (hex)`, bytes: Buffer.from(b.toString('hex')) }, { what: `${what} (base64)`, bytes: Buffer.from(b.toString('base64').replace(/=+$/, '')) }]
}
function textNeedles (what: string, text: string): Needle[] {
  return [{ what: `${what} (utf-8)`, bytes: Buffer.from(text, 'utf8') }, { what: `${what} (utf-16)`, bytes: Buffer.from(text, 'utf16le') }]
}

async function filesUnder (dir: string): Promise<string[]> {
  const out: string[] = []
  for (const name of await readdir(dir)) {
    const p = join(dir, name)
    const s = await stat(p)
    if (s.isDirectory()) out.push(...await filesUnder(p))
    else if (s.isFile()) out.push(p)
  }
  return out
}

/** What of `needles` a running process's readable memory holds (every mapping in /proc/<pid>/maps). */
function scanProcess (pid: number, needles: Needle[]): string[] {
  const found = new Set<string>()
  const maps = readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').filter(l => l.length > 0)
  const fd = openSync(`/proc/${pid}/mem`, 'r')
  const longest = Math.max(...needles.map(n => n.bytes.length))
  try {
    for (const line of maps) {
      const [range, perms, , , , path] = line.split(/\s+/)
      if (perms?.[0] !== 'r' || path === '[vvar]' || path === '[vsyscall]') continue
      const [lo, hi] = (range as string).split('-').map(h => BigInt(`0x${h}`)) as [bigint, bigint]
      const CHUNK = 8 * 1024 * 1024
      let carry = Buffer.alloc(0)
      for (let at = lo; at < hi; at += BigInt(CHUNK)) {
        const len = Number(hi - at < BigInt(CHUNK) ? hi - at : BigInt(CHUNK))
        const buf = Buffer.alloc(len)
        let n = 0
        try { n = readSync(fd, buf, 0, len, at as unknown as number) } catch { break } // an unreadable region (guard pages)
        const hay = Buffer.concat([carry, buf.subarray(0, n)])
        for (const nd of needles) if (!found.has(nd.what) && hay.includes(nd.bytes)) found.add(nd.what)
        carry = hay.subarray(Math.max(0, hay.length - longest))
      }
    }
  } finally { closeSync(fd) }
  return [...found]
}

describe('blind mirror', () => {
  it('hands off between two devices never online together, and holds no plaintext or key', async () => {
    if (process.getuid?.() !== 0) throw new Error('reading another process\'s memory needs root; CI runs this as root')
    const t = await tempDir(); cleanups.push(t.cleanup)
    const env = cliEnv(t.dir)
    const wallet = join(t.dir, 'wallet.json')
    expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
    const homes = { a: join(t.dir, 'a'), b: join(t.dir, 'b'), m: join(t.dir, 'm') }
    const daemons: Proc[] = []
    cleanups.push(async () => { for (const d of daemons) await d.stop('SIGKILL') })
    const local = ['--no-mdns', '--dht', 'off', '--http', 'off', '--listen', '/ip4/127.0.0.1/tcp/0']

    // The mirror is certified once with the wallet; its daemon runs without it.
    const init = await runCli(['init', '--mirror', '--home', homes.m, '--wallet', wallet, '--label', 'mirror', '--json'], { env })
    expect(init.code).toBe(0)
    expect(JSON.parse(init.stdout).mirror).toBe(true)
    expect(JSON.parse(init.stdout).capabilities).toEqual(['mirror'])
    // Run again there, it says what the home is, not that vault.keys are missing.
    const again = await runCli(['init', '--mirror', '--home', homes.m], { env })
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout).toMatch(/^already set up; nothing to change\nhome: .*\(a blind mirror: no vault key\)/)
    const member = await runCli(['init', '--home', homes.m, '--json'], { env })
    expect(member.code).toBe(2)
    expect(JSON.parse(member.stderr).error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/is a blind mirror's .*run `mesh join --mirror` on it/) })
    const relabel = await runCli(['init', '--mirror', '--home', homes.m, '--label', 'vps'], { env })
    expect(relabel.code).toBe(2)
    expect(relabel.stderr).toContain('this mirror is called mirror in its certificate')
    expect((await runCli(['init', '--home', homes.b, '--wallet', wallet, '--label', 'beta'], { env })).code).toBe(0)
    const m = spawnIn(undefined, process.execPath, [BIN, 'join', '--mirror', '--home', homes.m, ...local], env); daemons.push(m)
    await m.waitFor(/^role:\s+blind mirror/)
    const mAddr = (await m.waitFor(/^listening:\s+\/ip4\/127\.0\.0\.1\//)).split(/\s+/)[1] as string
    await m.waitFor(/^running/)

    const marker = `plaintext-marker-${randomBytes(8).toString('hex')}`
    const a = spawnIn(undefined, process.execPath, [BIN, 'join', '--home', homes.a, '--wallet', wallet, '--label', 'alpha', ...local, '--bootstrap', mAddr], env); daemons.push(a)
    await a.waitFor(/peer proven\s+mirror .*\[mirror\]/)
    expect((await runCli(['session', 'new', 'agent:main:handoff', '--home', homes.a, '--title', 'left on the mirror'], { env })).code).toBe(0)
    const texts = ['first', `the secret is ${marker}`, 'last']
    for (const text of texts) expect((await runCli(['session', 'append', 'handoff', '--home', homes.a, '--role', 'user', '--text', text], { env })).code).toBe(0)
    const status = async (home: string): Promise<any> => JSON.parse((await runCli(['status', '--home', home, '--json'], { env })).stdout)
    const aEntries = (await status(homes.a)).store.entries
    let mStatus = await status(homes.m)
    const end = Date.now() + 30_000
    while (mStatus.store.entries < aEntries && Date.now() < end) { await new Promise(resolve => setTimeout(resolve, 100)); mStatus = await status(homes.m) }
    expect(mStatus.store.entries).toBe(aEntries)
    expect(mStatus.daemon.mirror).toBe(true)
    expect(mStatus.certificate.writable).toBe(false)
    // A goes offline for good before B ever starts.
    await a.stop('SIGKILL')

    // The mirror refuses what needs the key.
    const refused = await runCli(['session', 'show', 'handoff', '--home', homes.m, '--json'], { env })
    expect(refused.code).not.toBe(0)
    expect(JSON.parse(refused.stderr).error.code).toBe('MISSING_CAPABILITY')

    const b = spawnIn(undefined, process.execPath, [BIN, 'join', '--home', homes.b, ...local, '--bootstrap', mAddr], env); daemons.push(b)
    await b.waitFor(/peer proven\s+mirror /)
    await b.waitFor(/synced\s+agent:main:handoff from mirror/)
    const shown = async (): Promise<string[]> => {
      const r = await runCli(['session', 'show', 'handoff', '--home', homes.b, '--json'], { env })
      return r.code === 0 ? JSON.parse(r.stdout).messages.map((x: any) => x.content) : []
    }
    const until = Date.now() + 30_000
    while ((await shown()).length < texts.length && Date.now() < until) await new Promise(resolve => setTimeout(resolve, 200))
    expect(await shown()).toEqual(texts)
    expect(b.lines.some(l => /alpha/.test(l) && !/^device added /.test(l))).toBe(false) // (the registry tells it who enrolled whom) B never met A

    // What a thief of the mirror would find: its home, and its memory while it runs.
    const files = await filesUnder(homes.m)
    expect(files.some(f => f.endsWith('vault.keys'))).toBe(false)
    const { keys } = decodeKeyFile(await readFile(join(homes.a, 'vault.keys'), 'utf8'), 'vault.keys')
    const walletSecret = Uint8Array.from(JSON.parse(await readFile(wallet, 'utf8')) as number[]).subarray(0, 32)
    const needles: Needle[] = [
      ...textNeedles('plaintext marker', marker),
      ...[...keys.epochs].flatMap(([e, k]) => keyNeedles(`epoch ${e} key`, k)),
      ...(keys.keyWrap !== undefined ? keyNeedles('key-wrap key', keys.keyWrap) : []),
      ...keyNeedles('doc-id key', keys.docIdKey),
      ...keyNeedles('rendezvous key', keys.rendezvous),
      ...keyNeedles('wallet secret key', walletSecret)
    ]
    const inFiles: string[] = []
    for (const f of files) {
      const bytes = await readFile(f)
      for (const nd of needles) if (bytes.includes(nd.bytes)) inFiles.push(`${nd.what} in ${f}`)
    }
    expect(inFiles).toEqual([])
    expect(scanProcess(m.child.pid as number, needles)).toEqual([])
    // The scan sees plaintext where there is some: B opened the session, its memory holds the marker.
    expect(scanProcess(b.child.pid as number, textNeedles('plaintext marker', marker)).length).toBeGreaterThan(0)

    expect(await b.stop('SIGINT')).toBe(0)
    expect(await m.stop('SIGINT')).toBe(0)
  })
})
