/**
 * The device's write lane. Sequence numbers count per (document, author, lane), and a replica
 * sends each local entry to its peers as soon as it is sealed, in parallel with its own fsync.
 * A process that died (or a write that failed) may therefore have sent entries its disk never
 * got; reusing their sequence numbers would make peers take new content for a duplicate. So a
 * lane is used again only after a clean close; otherwise the next open starts a fresh one, and
 * peers hand the old lane's lost tail back through ordinary sync.
 *
 * `lane.json` in the home: { "lane": N, "clean": bool, "incarnation": id, "home": "dev:ino" },
 * written durably (temp + fsync + rename) before the first entry of an open and at close.
 *
 * A home restored from a backup, or copied, holds a lane file that says "clean" while the
 * original went on writing that lane: continuing it would reuse sequence numbers peers already
 * hold. `home` records the home directory's device and inode: a copy or a restore made as a new
 * directory has other ones, and then the lane is never continued; the fresh lane is picked at
 * random above the highest known (the original may have opened lanes after the backup, which
 * this store has not seen). A restore into the same directory (a VM or filesystem rollback)
 * keeps the inode: that case is caught when a peer shows this device's lane beyond what its
 * store holds (`behind()`), and the lane is abandoned then. `incarnation` is a random id of
 * each lane opening, for the logs and fork reports.
 */
import { randomBytes, randomInt } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { logger } from '@libp2p/logger'
import { atomicWrite, cannotRead, writeError } from '../store/index.js'

const log = logger('mesh:node:lane')
const LANE_FILE = 'lane.json'

interface LaneState { lane: number, clean: boolean, incarnation?: string, home?: string, ended?: string[] }

/** How many marks of damage (`endFor`) a lane file keeps: one not kept costs a lane at most. */
const MAX_MARKS = 64

/** The last state, or undefined when there is none or it is unreadable (a fresh lane follows). */
async function readLane (path: string): Promise<LaneState | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err: any) {
    if (err?.code === 'ENOENT') return undefined
    if (err?.code === 'EISDIR') throw cannotRead(path, err)
    throw err
  }
  let v: any
  try {
    v = JSON.parse(text)
  } catch (err) {
    log.error('%s is not JSON (%e): a fresh lane is started', path, err)
    return undefined
  }
  if (Number.isSafeInteger(v?.lane) && v.lane >= 0 && typeof v.clean === 'boolean') {
    const ended = Array.isArray(v.ended) ? v.ended.filter((m: unknown): m is string => typeof m === 'string') : undefined
    return { lane: v.lane, clean: v.clean, incarnation: typeof v.incarnation === 'string' ? v.incarnation : undefined, home: typeof v.home === 'string' ? v.home : undefined, ...(ended !== undefined && ended.length > 0 ? { ended } : {}) }
  }
  log.error('%s does not hold {lane, clean}: a fresh lane is started', path)
  return undefined
}

const saveLane = async (path: string, state: LaneState): Promise<void> => { await atomicWrite(path, JSON.stringify(state)) }

/** The home directory's identity on this machine: a copy or a restore as a new directory differs. */
const homeIdentity = async (home: string): Promise<string> => { const s = await stat(home, { bigint: true }); return `${s.dev}:${s.ino}` }
/** How far above the highest known lane a copied home's fresh lane may land. */
const COPY_SPREAD = 1 << 16

export class Lane {
  private current: number | undefined
  private stale = true
  private pending: Promise<number> | undefined
  private readonly path: string
  /** Raised each time the lane is abandoned: a replica holding an older lane takes the new one. */
  generation = 0
  /** The random id of this lane opening (see the module comment). */
  incarnation: string | undefined

  /** @param floor the highest lane of this device the store holds (a lost lane file is never fatal) */
  constructor (private readonly home: string, private readonly floor: () => number) {
    this.path = join(home, LANE_FILE)
  }

  /** Records that a new home starts on lane 0, cleanly. */
  static async create (home: string): Promise<void> {
    await saveLane(join(home, LANE_FILE), { lane: 0, clean: true, home: await homeIdentity(home) })
  }

  /** The lane file as this open found it (see active). */
  private found: LaneState | undefined

  /** Reads the lane file once at open, so `active` knows the lane the next write would continue. */
  async peek (): Promise<void> {
    this.found = await readLane(this.path)
    this.opened = new Set(this.found?.ended)
  }

  /**
   * Damage found on this disk (`endFor`) that the lane in use, or the one the next write would
   * continue, was opened after: none of its entries can be what was damaged.
   */
  private opened = new Set<string>()
  /** Damage found by this open that ended a lane: the next lane is opened after it. */
  private readonly marks = new Set<string>()

  /**
   * A stored entry of this device may be lost or damaged (`mark` names the damage, the same each
   * time it is found): its slot may be free while a peer holds it, so the lane in use is never
   * written again, unless it was opened after this very damage was found (recorded in the lane
   * file, so a record that stays in the log until a rewrite ends one lane, not one per open).
   */
  endFor (mark: string): void {
    if (this.opened.has(mark)) return
    this.marks.add(mark)
    this.abandon()
  }

  /**
   * The lane in use, or the one the next write would continue (a clean one): entries of it that
   * peers hold beyond this store mean this home was restored or copied.
   */
  get active (): number | undefined {
    if (!this.stale) return this.current
    if (this.current === undefined && this.found?.clean === true) return this.found.lane
    return undefined
  }

  /** The lane new entries go into, opening one (durably) when needed. */
  async get (): Promise<number> {
    for (;;) {
      if (!this.stale && this.current !== undefined) return this.current
      this.pending ??= this.open().finally(() => { this.pending = undefined })
      await this.pending
    }
  }

  private async open (): Promise<number> {
    const gen = this.generation
    const prev: LaneState | undefined = this.current === undefined ? await readLane(this.path) : { lane: this.current, clean: false, ended: [...this.opened] }
    const floor = this.floor()
    const home = await homeIdentity(this.home)
    // An old file without `home` is trusted once (it is rewritten with it below).
    const copied = prev?.home !== undefined && prev.home !== home
    let lane: number
    if (copied) {
      lane = Math.max(prev?.lane ?? 0, floor) + 1 + randomInt(COPY_SPREAD)
      log.error('this home was copied or restored (its directory is not the one its lane file was written in): continuing on fresh lane %d, not %d', lane, prev?.lane)
    } else {
      lane = prev?.clean === true && prev.lane >= floor ? prev.lane : Math.max(prev?.lane ?? 0, floor) + 1
    }
    const incarnation = randomBytes(8).toString('hex')
    // A fresh lane is opened after every damage found so far; a continued one keeps its own list.
    const ended = lane === prev?.lane ? [...(prev.ended ?? [])] : [...new Set([...this.marks, ...(prev?.ended ?? [])])].slice(0, MAX_MARKS)
    try {
      await saveLane(this.path, { lane, clean: false, incarnation, home, ...(ended.length > 0 ? { ended } : {}) })
    } catch (err: any) {
      // Said of the home, whose write it stops: lane.json means nothing to whoever wrote an entry.
      throw writeError(this.home, err?.cause ?? err)
    }
    this.current = lane
    this.incarnation = incarnation
    this.opened = new Set(ended)
    // Abandoned while it was being opened (damage found meanwhile): get() opens the next one.
    this.stale = this.generation !== gen
    return lane
  }

  /** A local entry may have left without reaching the disk, or peers hold more of this lane than this home: never write into it again. */
  abandon (): void {
    // Not opened yet: the clean lane the file names is the one refused (open() then starts past it).
    if (this.current === undefined && this.found?.clean === true) this.current = this.found.lane
    this.generation++
    this.stale = true
  }

  /** At close, once every write settled: the lane may be continued by the next open. */
  async close (): Promise<void> {
    if (this.current === undefined) return
    if (this.stale) {
      // Ended before this run opened any lane (damage found by a run that only read): the file
      // still calls that lane clean, and what ended it may not be found again (a region the
      // repair cut out), so it is said on disk that it is not to be continued.
      if (this.incarnation === undefined && this.found?.clean === true && this.current === this.found.lane) {
        const found = this.found
        await saveLane(this.path, { ...found, clean: false }).catch((err: unknown) => { log.error('lane %d could not be marked ended: %e', found.lane, err) })
      }
      return
    }
    // The home's identity is read inside the same guard as the write: a home that is gone or
    // unreadable at close leaves the lane unclean, as a failed write does, rather than failing
    // the close (the vault still has its store and lock to release).
    const lane = this.current
    const ended = [...this.opened]
    await (async () => { await saveLane(this.path, { lane, clean: true, incarnation: this.incarnation, home: await homeIdentity(this.home), ...(ended.length > 0 ? { ended } : {}) }) })().catch((err: unknown) => {
      log('lane not marked clean (the next open starts a fresh one): %e', err)
    })
  }
}
