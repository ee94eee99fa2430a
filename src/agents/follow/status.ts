/**
 * Tells the daemon what a follower follows (agents.followBeat), so `mesh agent list` on this
 * device shows which sessions are captured live, when, and up to where. Sent after a pass when
 * something changed, and at least every BEAT_MS so the daemon knows the follower still runs
 * (it forgets one silent for 15 s: api/follow-table.ts); a last beat says it stopped.
 */
import { randomUUID } from 'node:crypto'
import type { MeshApi } from '../../api/api.js'
import type { Follower } from './follower.js'

export const BEAT_MS = 5_000

export class FollowReporter {
  readonly id = `${process.pid}-${randomUUID().slice(0, 8)}`
  private last = ''
  private lastAt = 0

  /** `daemon`: whether a daemon answers (no report while the home is opened per call: no one would keep it). */
  constructor (private readonly api: MeshApi, private readonly agents: string[], private readonly daemon: () => boolean = () => true) {}

  /** After a pass: reports when what is followed changed, or BEAT_MS passed since the last report. */
  async afterPass (f: Follower): Promise<void> {
    if (!this.daemon()) { this.last = ''; return }
    const streams = f.streams()
    const sig = JSON.stringify(streams)
    if (sig === this.last && Date.now() - this.lastAt < BEAT_MS) return
    await this.api.call('agents.followBeat', { id: this.id, pid: process.pid, agents: this.agents, startedAt: f.startedAt, streams })
    this.last = sig
    this.lastAt = Date.now()
  }

  /** The follower stopped: it follows nothing from now on. */
  async stopped (f: Follower): Promise<void> {
    if (!this.daemon()) return
    await this.api.call('agents.followBeat', { id: this.id, pid: process.pid, agents: this.agents, startedAt: f.startedAt, stopped: true, streams: [] })
  }
}
