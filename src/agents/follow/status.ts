/**
 * Tells the daemon what a follower follows (agents.followBeat), so `mesh agent list` on this
 * device shows which sessions are captured live, when, and up to where. Sent after a pass when
 * something changed, and at least every BEAT_MS so the daemon knows the follower still runs
 * (it forgets one silent for 15 s: api/follow-table.ts); a last beat says it stopped. While no
 * daemon runs, the same beat is written to the home (api/follow-beats.ts), where agents.status
 * reads it, and removed when the follower stops or a daemon takes its beats.
 */
import { randomUUID } from 'node:crypto'
import type { MeshApi } from '../../api/api.js'
import { removeBeat, writeBeat } from '../../api/follow-beats.js'
import type { Follower } from './follower.js'

export const BEAT_MS = 5_000

export class FollowReporter {
  readonly id = `${process.pid}-${randomUUID().slice(0, 8)}`
  private last = ''
  private lastAt = 0

  /** Whether the last report went to the home's file (no daemon), which is removed once one does not. */
  private inFile = false

  /**
   * `daemon`: whether a daemon answers. `home`: where to write the report while none does (the
   * home is opened per call then, and no process would keep a beat sent to it); without, none is.
   */
  constructor (private readonly api: MeshApi, private readonly agents: string[], private readonly daemon: () => boolean = () => true, private readonly home?: string) {}

  /** After a pass: reports when what is followed changed, or BEAT_MS passed since the last report. */
  async afterPass (f: Follower): Promise<void> {
    const toDaemon = this.daemon()
    if (!toDaemon && this.home === undefined) { this.last = ''; return }
    const streams = f.streams()
    const sig = JSON.stringify(streams)
    // Where the report goes changed: sent at once to the new place.
    if (sig === this.last && Date.now() - this.lastAt < BEAT_MS && this.inFile === !toDaemon) return
    const beat = { id: this.id, pid: process.pid, agents: this.agents, startedAt: f.startedAt, streams }
    if (toDaemon) {
      await this.api.call('agents.followBeat', beat)
      if (this.inFile && this.home !== undefined) await removeBeat(this.home, this.id)
      this.inFile = false
    } else {
      await writeBeat(this.home as string, beat)
      this.inFile = true
    }
    this.last = sig
    this.lastAt = Date.now()
  }

  /** The follower stopped: it follows nothing from now on. */
  async stopped (f: Follower): Promise<void> {
    if (this.inFile && this.home !== undefined) await removeBeat(this.home, this.id)
    this.inFile = false
    if (!this.daemon()) return
    await this.api.call('agents.followBeat', { id: this.id, pid: process.pid, agents: this.agents, startedAt: f.startedAt, stopped: true, streams: [] })
  }
}
