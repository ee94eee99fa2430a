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
  streams: Array<{ key: string, stream: string, agent: string, capturedAt?: number, offset?: number }>
}

export interface Following { follower: { id: string, pid: number, agents: string[], lastBeatAt: number }, stream: string, capturedAt?: number, offset?: number }

export class FollowTable {
  private readonly beats = new Map<string, FollowBeat & { at: number }>()

  beat (b: FollowBeat, now = Date.now()): void {
    if (b.stopped === true) this.beats.delete(b.id)
    else this.beats.set(b.id, { ...b, at: now })
  }

  /** The live followers' streams by session key (the most recent capture when several follow one). */
  byKey (now = Date.now()): Map<string, Following> {
    const out = new Map<string, Following>()
    for (const [id, b] of this.beats) {
      if (now - b.at > STALE_MS) { this.beats.delete(id); continue }
      for (const s of b.streams) {
        const prev = out.get(s.key)
        if (prev !== undefined && (prev.capturedAt ?? 0) >= (s.capturedAt ?? 0)) continue
        out.set(s.key, { follower: { id, pid: b.pid, agents: b.agents, lastBeatAt: b.at }, stream: s.stream, capturedAt: s.capturedAt, offset: s.offset })
      }
    }
    return out
  }

  followers (now = Date.now()): Array<{ id: string, pid: number, agents: string[], startedAt: number, lastBeatAt: number, streams: number }> {
    this.byKey(now)
    return [...this.beats.values()].map(b => ({ id: b.id, pid: b.pid, agents: b.agents, startedAt: b.startedAt, lastBeatAt: b.at, streams: b.streams.length }))
  }
}
