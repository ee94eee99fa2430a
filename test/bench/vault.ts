/** The vault issue's benchmarks: cold open, durable appends, memory, on-disk size, and the crypto that decided the hot path. */
import { execFileSync } from 'node:child_process'
import { openSync, writeSync, fdatasyncSync, closeSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import nacl from 'tweetnacl'
import { generateWallet, signerFromSeed, verify } from '../../src/identity/index.js'
import { openVault } from '../../src/sdk/index.js'
import { fmt, median, now, percentile, report, text, windowed } from './util.js'

const CHILD = fileURLToPath(new URL('./vault-child.js', import.meta.url))

function child (args: string[], gc = false): any {
  const out = execFileSync(process.execPath, [...(gc ? ['--expose-gc'] : []), '--max-old-space-size=8192', CHILD, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 })
  return JSON.parse(out.trim().split('\n').at(-1) as string)
}

function du (dir: string): number {
  let n = 0
  for (const e of readdirSync(dir)) {
    const p = join(dir, e)
    const s = statSync(p)
    n += s.isDirectory() ? du(p) : s.size
  }
  return n
}

export async function benchVault (dir: string, opts: { quick: boolean }): Promise<void> {
  console.log('\n== vault (issue 2) ==')
  // Crypto: what decided node:crypto for the hot path.
  {
    const msg = new Uint8Array(1024)
    const pair = nacl.sign.keyPair()
    const signer = signerFromSeed(pair.secretKey.subarray(0, 32), pair.publicKey)
    const N = 300
    let t = now()
    for (let i = 0; i < N; i++) nacl.sign.detached.verify(msg, nacl.sign.detached(msg, pair.secretKey), pair.publicKey)
    const naclMs = (now() - t) / N
    t = now()
    for (let i = 0; i < N; i++) verify(pair.publicKey, msg, signer.sign(msg))
    const nodeMs = (now() - t) / N
    report({ name: 'ed25519 sign+verify 1 KiB (node:crypto)', value: `${fmt(nodeMs, 3)} ms`, baseline: `tweetnacl ${fmt(naclMs, 2)} ms`, ratio: `${fmt(naclMs / nodeMs, 0)}× faster`, target: 'hot path uses the faster', ok: nodeMs < naclMs })
  }

  const n = opts.quick ? 2000 : 10_000
  const home = join(dir, 'cold')
  const built = child(['build', home, String(n)])
  const colds: number[] = []
  const plains: number[] = []
  for (let i = 0; i < 5; i++) {
    const c = child(['cold', home])
    if (c.messages !== n) throw new Error(`cold open read ${c.messages} of ${n} messages`)
    colds.push(c.ms)
    plains.push(child(['plain-cold', `${home}.plain`]).ms)
  }
  const cold = median(colds)
  const plain = median(plains)
  report({ name: `cold open, ${n} × 1 KB messages, transcript readable`, value: `${fmt(cold)} ms`, baseline: `plain Yjs apply from memory ${fmt(plain)} ms`, ratio: `${fmt(cold / plain, 2)}×`, target: '≤ 2×', ok: cold / plain <= 2 })

  const disk = du(join(home, 'data'))
  report({ name: 'on-disk bytes after compaction', value: `${fmt(disk / 1e6, 2)} MB`, baseline: `plain encoded Yjs state ${fmt(built.stateBytes / 1e6, 2)} MB`, ratio: `${fmt(disk / built.stateBytes, 3)}×`, target: '≤ 1.3×', ok: disk / built.stateBytes <= 1.3 })

  // Durable appends, one writer, up to 64 in flight (group commit).
  {
    const h = join(dir, 'append')
    const v = await openVault({ home: h, wallet: generateWallet(), snapshotEvery: 5000 })
    const s = await v.sessions.create('append')
    const total = opts.quick ? 3000 : 20_000
    const payloads = Array.from({ length: 64 }, () => text(1000))
    // Warm-up (JIT, file cache), not measured.
    for (let i = 0; i < 1000; i += 50) await Promise.all(Array.from({ length: 50 }, () => s.append({ role: 'user', content: payloads[0] as string })))
    const lat: number[] = []
    const t0 = now()
    await windowed(total, 64, async (i) => {
      const start = now()
      await s.append({ role: 'user', content: payloads[i % 64] as string })
      lat.push(now() - start)
    })
    const secs = (now() - t0) / 1000
    await s.close()
    await v.close()
    // Baseline: a plain file, one fdatasync per 1 KB record, sequential.
    const fd = openSync(join(dir, 'plain.log'), 'a')
    const rec = Buffer.from(text(1000))
    const M = 500
    const b0 = now()
    for (let i = 0; i < M; i++) { writeSync(fd, rec); fdatasyncSync(fd) }
    const plainRate = M / ((now() - b0) / 1000)
    closeSync(fd)
    const rate = total / secs
    report({ name: 'durable appends, 1 writer, group commit', value: `${fmt(rate, 0)} msg/s (p50 ${fmt(percentile(lat, 50), 2)} ms, p99 ${fmt(percentile(lat, 99), 2)} ms)`, baseline: `plain file, fsync per record ${fmt(plainRate, 0)} rec/s`, ratio: `${fmt(rate / plainRate, 2)}×`, target: '≥ 5,000 msg/s', ok: rate >= 5000 })
  }

  // Memory of an open 100k-message session against the plain Y.Doc.
  {
    const m = opts.quick ? 10_000 : 100_000
    const h = join(dir, 'memory')
    child(['build', h, String(m)])
    const ours = child(['memory', h], true)
    const base = child(['plain-memory', `${h}.plain`], true)
    if (ours.messages !== m || base.messages !== m) throw new Error('memory benchmark read the wrong number of messages')
    report({ name: `heap of an open ${m}-message session`, value: `${fmt(ours.bytes / 1e6)} MB`, baseline: `plain Y.Doc ${fmt(base.bytes / 1e6)} MB`, ratio: `${fmt(ours.bytes / base.bytes, 2)}×`, target: '≤ 1.5×', ok: ours.bytes / base.bytes <= 1.5 })
  }
}
