/**
 * What the followers of this device capture, as they report it (agents.followBeat after every
 * pass, in memory only): a follower that has not reported for STALE_MS, or said it stopped, no
 * longer follows anything. `mesh join --follow` and `mesh agent follow` report the same way, so
 * `mesh agent list` (agents.status) shows live capture whichever process does it.
 */
export const STALE_MS = 15_000

export interface FollowBeat {
  id: string
  pid: number
  agents: string[]
  startedAt: number
  stopped?: boolean
  streams: BeatStream[]
}

interface BeatStream { key: string, stream: string, agent: string, path?: string, capturedAt?: number, offset?: number, heldBack?: { bytes: number, since: number }, stuck?: { line: number, from: number, to: number } }

/**
 * A session as its follower captures it: the stream captured last (and its offset), each file read
 * for it with its own offset (a Claude Code session's side files beside its transcript), and the
 * files whose last line is held back or whose capture is stuck at a line that is not UTF-8.
 */
export interface Following {
  follower: { id: string, pid: number, agents: string[], lastBeatAt: number }
  stream: string
  capturedAt?: number
  offset?: number
  files: Array<{ path: string, offset?: number }>
  heldBack: Array<{ path: string, bytes: number, since: number }>
  /** The files whose capture stopped at a line that is not UTF-8. */
  stuck: Array<{ path: string, line: number, from: number, to: number }>
}

export class FollowTable {
  private readonly beats = new Map<string, FollowBeat & { at: number }>()

  beat (b: FollowBeat, now = Date.now()): void {
    if (b.stopped === true) this.beats.delete(b.id)
    else this.beats.set(b.id, { ...b, at: now })
  }

  /**
   * A beat a follower wrote to the home while no daemon ran (follow-beats.ts), at `at`: taken
   * unless this table heard from that follower since.
   */
  written (b: FollowBeat & { at: number }): void {
    const had = this.beats.get(b.id)
    if (had === undefined || had.at < b.at) this.beats.set(b.id, b)
  }

  /** The live followers' streams by session key (the most recent capture when several follow one). */
  byKey (now = Date.now()): Map<string, Following> {
    const out = new Map<string, Following>()
    for (const [id, b] of this.beats) {
      if (now - b.at > STALE_MS) { this.beats.delete(id); continue }
      const byKey = new Map<string, BeatStream[]>()
      for (const s of b.streams) byKey.set(s.key, [...(byKey.get(s.key) ?? []), s])
      for (const [key, streams] of byKey) {
        const last = streams.reduce((a, s) => (s.capturedAt ?? 0) > (a.capturedAt ?? 0) ? s : a)
        const prev = out.get(key)
        if (prev !== undefined && (prev.capturedAt ?? 0) >= (last.capturedAt ?? 0)) continue
        out.set(key, {
          follower: { id, pid: b.pid, agents: b.agents, lastBeatAt: b.at },
          stream: last.stream,
          capturedAt: last.capturedAt,
          offset: last.offset,
          files: streams.flatMap(s => s.path !== undefined ? [{ path: s.path, offset: s.offset }] : []),
          heldBack: streams.flatMap(s => s.heldBack !== undefined ? [{ path: s.path ?? s.stream, ...s.heldBack }] : []),
          stuck: streams.flatMap(s => s.stuck !== undefined ? [{ path: s.path ?? s.stream, ...s.stuck }] : [])
        })
      }
    }
    return out
  }

  followers (now = Date.now()): Array<{ id: string, pid: number, agents: string[], startedAt: number, lastBeatAt: number, streams: number }> {
    this.byKey(now)
    return [...this.beats.values()].map(b => ({ id: b.id, pid: b.pid, agents: b.agents, startedAt: b.startedAt, lastBeatAt: b.at, streams: b.streams.length }))
  }
}
