/**
 * Where each followed stream was read up to, one small file per stream in a folder of the mesh
 * home (`<home>/agent-follow/`), written whole (temp file, rename), never through a symlink.
 * Several processes may follow at once (`mesh join --follow`, a hook's flush): each writes only
 * cursors whose records the daemon has acknowledged, so the worst a race does is send a few
 * records again, which are stored once. Beside each cursor, when records of the stream were last
 * stored (`capturedAt`), so a restarted follower still says when it last captured.
 */
import { createHash } from 'node:crypto'
import { constants } from 'node:fs'
import { open, readdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fsyncDir, mkdirDurable } from '../../store/files.js'
import { readFileNoFollow } from '../bundle.js'

let seq = 0

export class CursorStore {
  private made = false
  private readonly at = new Map<string, number>()
  /**
   * `durable`: each write and removal reaches the disk before it returns (fsync of the file and of
   * the folder): for records whose loss is not just time, as the follower's leases (release.ts),
   * which, lost with the power, would never be let go.
   */
  constructor (readonly dir: string, private readonly opts: { durable?: boolean } = {}) {}

  /** When records of the stream were last stored, as its cursor file says (known once get() read it, or set() wrote it). */
  capturedAt (id: string): number | undefined { return this.at.get(id) }

  private file (id: string): string { return join(this.dir, `${createHash('sha256').update(id).digest('hex').slice(0, 32)}.json`) }

  async get (id: string): Promise<unknown> {
    try {
      const v = JSON.parse((await readFileNoFollow(this.file(id))).toString('utf8')) as { id?: string, cursor?: unknown, capturedAt?: unknown }
      // A hash collision or a hand-edited file: not this stream's cursor, read it from the start.
      if (v.id !== id) return undefined
      if (typeof v.capturedAt === 'number' && Number.isFinite(v.capturedAt)) this.at.set(id, v.capturedAt)
      return v.cursor
    } catch (err: any) {
      if (err?.code === 'ENOENT') return undefined
      // A cursor cut short (the machine lost power between write and rename): start over, which only costs time.
      if (err instanceof SyntaxError) return undefined
      throw err
    }
  }

  /**
   * Written whole (temp file, rename) but not fsynced unless `durable`: the capture waits for this
   * write, and a cursor lost with the machine's power only makes the next run read again what it
   * had stored. The folder is made durably, once: lost with the power, it would take every cursor
   * with it.
   */
  async set (id: string, cursor: unknown, capturedAt?: number): Promise<void> {
    const path = this.file(id)
    const tmp = `${path}.${process.pid}-${++seq}.tmp`
    if (!this.made) { await mkdirDurable(this.dir, 0o700); this.made = true }
    const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600)
    try {
      await fh.writeFile(JSON.stringify({ id, cursor, ...(capturedAt !== undefined ? { capturedAt } : {}) }) + '\n')
      if (this.opts.durable === true) await fh.sync()
    } finally { await fh.close() }
    await rename(tmp, path)
    if (this.opts.durable === true) await fsyncDir(this.dir)
    if (capturedAt !== undefined) this.at.set(id, capturedAt)
  }

  async delete (id: string): Promise<void> {
    await rm(this.file(id), { force: true })
    if (this.opts.durable === true) await fsyncDir(this.dir).catch((err: any) => { if (err?.code !== 'ENOENT') throw err })
  }

  /** The ids of every cursor held. */
  async ids (): Promise<string[]> {
    let names: string[]
    try { names = await readdir(this.dir) } catch (err: any) { if (err?.code === 'ENOENT') return []; throw err }
    const out: string[] = []
    for (const n of names) {
      if (!n.endsWith('.json')) continue
      try {
        const v = JSON.parse((await readFileNoFollow(join(this.dir, n))).toString('utf8')) as { id?: unknown }
        if (typeof v.id === 'string') out.push(v.id)
      } catch (err: any) {
        if (err?.code === 'ENOENT' || err instanceof SyntaxError) continue
        throw err
      }
    }
    return out
  }
}
