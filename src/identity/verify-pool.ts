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

/** A signature over `prefix || message` (the prefix, a domain's, is the same for a whole batch). */
export interface SignedItem { publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array }

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
 * key (32 bytes), signature (64) and message, and per item the message's offset and length.
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
const { createPublicKey, verify } = require('node:crypto')
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
parentPort.on('message', ({ id, buf, index }) => {
  const n = index.length / 2
  const out = new Uint8Array(n)
  let at = 0
  for (let i = 0; i < n; i++) {
    const msgAt = index[2 * i]
    const msgLen = index[2 * i + 1]
    try {
      out[i] = verify(null, buf.subarray(msgAt, msgAt + msgLen), keyOf(buf, at), buf.subarray(at + 32, at + 96)) ? 1 : 0
    } catch {
      out[i] = 0
    }
    at = msgAt + msgLen
  }
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
    let at = 0
    for (let i = 0; i < items.length; i++) {
      const it = items[i] as SignedItem
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
      this.worker.postMessage({ id, buf, index }, [buf.buffer, index.buffer])
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
  const sound = items.filter((_, i) => ok[i])
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
