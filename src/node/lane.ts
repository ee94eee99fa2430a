/**
 * The device's write lane. Sequence numbers count per (document, author, lane), and a replica
 * sends each local entry to its peers as soon as it is sealed, in parallel with its own fsync.
 * A process that died (or a write that failed) may therefore have sent entries its disk never
 * got; reusing their sequence numbers would make peers take new content for a duplicate. So a
 * lane is used again only after a clean close; otherwise the next open starts a fresh one, and
 * peers hand the old lane's lost tail back through ordinary sync.
 *
 * `lane.json` in the home: { "lane": N, "clean": bool }, written durably (temp + fsync + rename)
 * before the first entry of an open and at close.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { logger } from '@libp2p/logger'
import { atomicWrite } from '../store/index.js'

const log = logger('mesh:node:lane')
const LANE_FILE = 'lane.json'

interface LaneState { lane: number, clean: boolean }

/** The last state, or undefined when there is none or it is unreadable (a fresh lane follows). */
async function readLane (path: string): Promise<LaneState | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err: any) {
    if (err?.code === 'ENOENT') return undefined
    throw err
  }
  let v: any
  try {
    v = JSON.parse(text)
  } catch (err) {
    log.error('%s is not JSON (%e): a fresh lane is started', path, err)
    return undefined
  }
  if (Number.isSafeInteger(v?.lane) && v.lane >= 0 && typeof v.clean === 'boolean') return { lane: v.lane, clean: v.clean }
  log.error('%s does not hold {lane, clean}: a fresh lane is started', path)
  return undefined
}

const saveLane = async (path: string, state: LaneState): Promise<void> => { await atomicWrite(path, JSON.stringify(state)) }

export class Lane {
  private current: number | undefined
  private stale = true
  private pending: Promise<number> | undefined
  private readonly path: string

  /** @param floor the highest lane of this device the store holds (a lost lane file is never fatal) */
  constructor (home: string, private readonly floor: () => number) {
    this.path = join(home, LANE_FILE)
  }

  /** Records that a new home starts on lane 0, cleanly. */
  static async create (home: string): Promise<void> {
    await saveLane(join(home, LANE_FILE), { lane: 0, clean: true })
  }

  /** The lane new entries go into, opening one (durably) when needed. */
  async get (): Promise<number> {
    if (!this.stale && this.current !== undefined) return this.current
    this.pending ??= this.open().finally(() => { this.pending = undefined })
    return await this.pending
  }

  private async open (): Promise<number> {
    const prev = this.current === undefined ? await readLane(this.path) : { lane: this.current, clean: false }
    const floor = this.floor()
    const lane = prev?.clean === true && prev.lane >= floor ? prev.lane : Math.max(prev?.lane ?? 0, floor) + 1
    await saveLane(this.path, { lane, clean: false })
    this.current = lane
    this.stale = false
    return lane
  }

  /** A local entry may have left without reaching the disk: never write into this lane again. */
  abandon (): void { this.stale = true }

  /** At close, once every write settled: the lane may be continued by the next open. */
  async close (): Promise<void> {
    if (this.current === undefined || this.stale) return
    await saveLane(this.path, { lane: this.current, clean: true }).catch((err: unknown) => {
      log('lane not marked clean (the next open starts a fresh one): %e', err)
    })
  }
}
