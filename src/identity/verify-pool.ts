/**
 * Ed25519 checks of many signatures on another thread. A catch-up of 10,000 entries verifies
 * 10,000 signatures (node:crypto, ~0.1 ms each): a second of the event loop's time, half of the
 * whole catch-up's, while the machine's other core idles. A batch goes to a worker thread, which
 * answers per signature; the caller admits entries meanwhile (pipelined by frames in flight).
 *
 * The worker runs node:crypto's one-shot verify exactly as ed25519.ts does (same key import, an
 * invalid key or signature is false), on a copy of the bytes the caller holds. A worker that fails
 * rejects what it was asked, and the caller checks on its own thread instead: nothing is assumed
 * verified that was not.
 *
 * @example
 * const ok = await verifyMany(signingInput(DOMAIN.entry, new Uint8Array(0)), [{ publicKey, message, signature }])
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'

/**
 * A signature over `prefix || message` (the prefix, a domain's, is the same for a whole batch).
 * `vouch`: another item of the same batch whose signed message commits to this one's message
 * (after the prefix) and signature, by their SHA-256 (`hash`). When that hash matches and `by`
 * verifies, this item counts as verified without its own check (its signature is then the one
 * `by`'s signer named); otherwise it is checked as any other. Which items may vouch for which is the
 * caller's rule (an entry for its author's entry before it: crdt/SPEC.md, Entry).
 */
export interface SignedItem { publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, vouch?: { by: number, hash: Uint8Array } }

/**
 * How much lower than the event loop's the worker's priority is (nice, where a thread has its own:
 * Linux). The loop answers timers, pings and callers between its slices; a verification can
 * wait for a core instead. On the 2-core machine, with the sending node's process out of the way
 * (as on two machines), a 10,000-entry catch-up's receiver blocked 32-44 ms with it against
 * 33-66 ms without, four of six runs over 50 (the loop waiting for a core behind its own worker),
 * in about the same time; with both nodes at the same priority on the two cores it changed
 * neither figure. The cost: on a machine whose cores are all busy at normal priority, a
 * catch-up's verifications get a smaller share of a core and the catch-up takes longer (a
 * snapshot, one signature, does not).
 */
export const WORKER_NICE = 10

/**
 * The worker's code (CommonJS, evaluated: it needs no file of this package, so it runs from the
 * sources under a test runner as from dist/). A request: an id, one buffer holding every item's
 * key (32 bytes), signature (64) and message, and per item the message's offset and length;
 * beside them each item's voucher (`by`, -1 for none), the hashes vouched, and the prefix's length.
 * It lowers its own thread's priority first, where the platform lets it name its thread
 * (/proc/thread-self), never past 19 and never raising it; elsewhere it runs as it is.
 */
const WORKER = `
const { parentPort } = require('node:worker_threads')
try {
  const { getPriority, setPriority } = require('node:os')
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop())
  if (Number.isInteger(tid) && tid > 0) setPriority(tid, Math.min(19, getPriority(tid) + ${WORKER_NICE}))
} catch {
  // No /proc/thread-self (not Linux) or no right to change it: the worker checks signatures at
  // its starter's priority, as every worker did before; nothing it answers depends on this.
}
const { createHash, createPublicKey, verify } = require('node:crypto')
const keys = new Map()
const keyOf = (buf, at) => {
  const x = Buffer.from(buf.buffer, buf.byteOffset + at, 32).toString('base64url')
  let k = keys.get(x)
  if (k === undefined) {
    if (keys.size >= 4096) keys.clear()
    k = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' })
    keys.set(x, k)
  }
  return k
}
// by[i] >= 0: item by[i] commits to item i's message and signature by the SHA-256 at hashes[32 i]. An item
// whose voucher verified and whose hash matches is taken as verified; a chain of them (an
// author's run of entries) costs one signature check, at its end.
parentPort.on('message', ({ id, buf, index, by, hashes, p }) => {
  const n = index.length / 2
  const state = new Uint8Array(n) // 0 not yet known, 1 verified, 2 not
  const check = (i) => {
    const msgAt = index[2 * i]
    try {
      return verify(null, buf.subarray(msgAt, msgAt + index[2 * i + 1]), keyOf(buf, msgAt - 96), buf.subarray(msgAt - 64, msgAt)) ? 1 : 2
    } catch {
      return 2
    }
  }
  // The hash names the item's message after the prefix (an entry's body), then its signature.
  const matches = (i) => {
    const msgAt = index[2 * i]
    const h = createHash('sha256').update(buf.subarray(msgAt + p, msgAt + index[2 * i + 1])).update(buf.subarray(msgAt - 64, msgAt)).digest()
    return h.equals(hashes.subarray(32 * i, 32 * i + 32))
  }
  const path = []
  for (let i = 0; i < n; i++) {
    if (state[i] !== 0) continue
    path.length = 0
    let j = i
    while (state[j] === 0 && by[j] >= 0 && by[j] < n && path.length < n && matches(j)) { path.push(j); j = by[j] }
    if (state[j] === 0) state[j] = check(j)
    // A voucher that did not verify vouches for nothing: each item of its run is checked alone.
    for (const k of path) state[k] = state[j] === 1 ? 1 : check(k)
  }
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = state[i] === 1 ? 1 : 0
  parentPort.postMessage({ id, out }, [out.buffer])
})
`

class VerifyWorker {
  private readonly worker: Worker
  private readonly pending = new Map<number, { resolve: (r: boolean[]) => void, reject: (e: Error) => void, n: number }>()
  private next = 0
  private idle: NodeJS.Timeout | undefined
  failed: Error | undefined

  constructor () {
    this.worker = new Worker(WORKER, { eval: true })
    this.worker.unref()
    this.worker.on('message', ({ id, out }: { id: number, out: Uint8Array }) => {
      const p = this.pending.get(id)
      if (p === undefined) return
      this.pending.delete(id)
      if (this.pending.size === 0) this.rest()
      p.resolve(Array.from(out, b => b === 1))
    })
    const fail = (err: Error): void => {
      this.failed ??= err
      for (const p of this.pending.values()) p.reject(err)
      this.pending.clear()
    }
    this.worker.on('error', fail)
    this.worker.on('exit', (code) => { fail(new Error(`signature worker exited (${code})`)) })
  }

  get load (): number { return this.pending.size }

  /**
   * Owes nothing: kept alive only by the process, and ended after IDLE_MS without work. A
   * worker's own V8 heap is several MB of resident memory an idle daemon has no use for.
   */
  private rest (): void {
    this.worker.unref()
    this.idle = setTimeout(() => {
      const i = workers.indexOf(this)
      if (i >= 0) workers.splice(i, 1)
      this.failed ??= new Error('signature worker ended when idle')
      void this.worker.terminate()
    }, IDLE_MS).unref()
  }

  async verify (prefix: Uint8Array, items: readonly SignedItem[]): Promise<boolean[]> {
    if (this.failed !== undefined) throw this.failed
    // Copied once into one buffer handed over whole: key, signature, then the signed message
    // (prefix and message side by side, so neither thread concatenates them per item).
    const p = prefix.byteLength
    let size = 0
    for (const it of items) size += 96 + p + it.message.byteLength
    const buf = new Uint8Array(size)
    const index = new Uint32Array(items.length * 2)
    const by = new Int32Array(items.length).fill(-1)
    const hashes = new Uint8Array(items.length * 32)
    let at = 0
    for (let i = 0; i < items.length; i++) {
      const it = items[i] as SignedItem
      if (it.vouch !== undefined && it.vouch.hash.byteLength === 32) {
        by[i] = it.vouch.by
        hashes.set(it.vouch.hash, 32 * i)
      }
      buf.set(it.publicKey, at)
      buf.set(it.signature, at + 32)
      buf.set(prefix, at + 96)
      buf.set(it.message, at + 96 + p)
      index[2 * i] = at + 96
      index[2 * i + 1] = p + it.message.byteLength
      at += 96 + p + it.message.byteLength
    }
    const id = this.next++
    clearTimeout(this.idle)
    return await new Promise<boolean[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, n: items.length })
      // Kept alive only while it owes an answer: an idle node holds no thread awake.
      this.worker.ref()
      this.worker.postMessage({ id, buf, index, by, hashes, p }, [buf.buffer, index.buffer, by.buffer, hashes.buffer])
    })
  }
}

/** Workers: the cores but the one the event loop runs on (at least one, at most 4). */
const SIZE = Math.max(1, Math.min(4, availableParallelism() - 1))
/** A worker owing no answer this long is ended (a catch-up's frames come far closer together). */
const IDLE_MS = 10_000
const workers: VerifyWorker[] = []

/**
 * Verifies each item's signature over `prefix || message` under its public key, on a worker
 * thread. Rejects when the worker failed (the caller verifies on its own thread then). A key or
 * signature of the wrong length is false, as in ed25519.ts.
 */
export async function verifyMany (prefix: Uint8Array, items: readonly SignedItem[]): Promise<boolean[]> {
  const ok = items.map(it => it.publicKey.byteLength === 32 && it.signature.byteLength === 64)
  // The sound items, renumbered: a vouch names its voucher by its place among them.
  const place = new Int32Array(items.length).fill(-1)
  let n = 0
  ok.forEach((o, i) => { if (o) place[i] = n++ })
  const sound = n === items.length ? items : items.flatMap((it, i) => {
    if (!(ok[i] as boolean)) return []
    const by = it.vouch === undefined ? -1 : place[it.vouch.by] ?? -1
    return [by < 0 || it.vouch === undefined ? { ...it, vouch: undefined } : { ...it, vouch: { by, hash: it.vouch.hash } }]
  })
  if (sound.length === 0) return ok.map(() => false)
  for (let i = workers.length - 1; i >= 0; i--) if (workers[i]?.failed !== undefined) workers.splice(i, 1)
  let w = workers.reduce<VerifyWorker | undefined>((best, x) => best === undefined || x.load < best.load ? x : best, undefined)
  if (w === undefined || (w.load > 0 && workers.length < SIZE)) {
    w = new VerifyWorker()
    workers.push(w)
  }
  const got = await w.verify(prefix, sound)
  let k = 0
  return ok.map(o => o && got[k++] === true)
}

/** Workers alive now (each ends after IDLE_MS without work). */
export function verifyWorkers (): number { return workers.length }
