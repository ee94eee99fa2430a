/** mesh watch KEY, mesh peers. */
import { parseSessionKey } from '../../../crdt/session-key.js'
import type { EventRecord } from '../../api/api.js'
import type { Output } from '../../api/schema.js'
import { arrivalPortion } from '../../node/progress.js'
import { apiFor, homeArg, revokedWords, stdout as out, untilStopped } from '../context.js'
import { DaemonFollower } from '../follow.js'
import type { Command } from '../command.js'
import { formatMessage, need, parseCount } from './sessions.js'
import { peerLines } from './peer-lines.js'
import { NotFoundError, SessionNotFoundError } from '../../errors.js'
import { exitCodeFor } from '../exit-codes.js'
import type { MayCome } from '../../api/not-here.js'
import { labelList } from '../../api/words.js'

/**
 * Why a session not here may still come, in the watch's waiting line. No node running is said by
 * the watch's own note a moment later ("no mesh join runs for this home"), so not here.
 */
function comingFrom (m: MayCome | undefined): string {
  if (m === undefined || m.from.length === 0) return ''
  const who = labelList(m.from)
  if (m.reason === 'catching-up') return `; this device is still catching up with ${who}`
  if (m.reason === 'offline') return `; ${who} ${m.from.length === 1 ? 'is' : 'are'} not online now, and ${m.from.length === 1 ? 'it' : 'one of them'} may have it`
  return ''
}

/** Ctrl-C came while the watch waited for what it asked. */
const STOPPED = Symbol('stopped')

export const watchCmd: Command = {
  name: 'watch',
  arity: 1,
  usage: 'mesh watch KEY [--tail N] [--json]',
  summary: 'print a session\'s last messages, then each new one as it arrives from any device',
  details: 'It runs until interrupted, read-only: it never holds the home, so other commands and mesh join keep working. On a revoked device it says so and ends (exit 2).',
  flags: {
    '--tail N': 'how many of its last messages to print first (default 50)',
    '--json': 'a JSON line per message; {"event":"earlier","count":N} for what the first tail leaves out, {"event":"waiting"} then {"event":"arrived"} for a session not on this device yet (or still arriving: its tail is shown once it has come), and {"event":"revoked"}'
  },
  examples: ['mesh watch fix-login', 'mesh watch fix-login --tail 5 --json'],
  options: { tail: { type: 'string' } },
  inputNames: { 'sessions.show': { key: 'KEY', tail: '--tail' } },
  async run (g, args, values) {
    const key = parseSessionKey(need(args, 0, 'session KEY', this.usage))
    const tail = parseCount(values.tail, '--tail') ?? 50
    const note = (s: string): void => { if (!g.json) out.err(s) }
    // What a script must know to read the stream, as a line of it: `{"event": ...}` beside the
    // messages (which have no `event` field), the way mesh join --json says what happens.
    const event = (e: Record<string, unknown>, s: string): void => { if (g.json) out.line(JSON.stringify(e)); else out.err(s) }
    // Never holds the home: through the daemon while one runs (its events carry every device's
    // appends), else a look at the transcript once a second, each opening the home briefly.
    // Another command holding the home (a long import) keeps a look waiting up to 10 s: said once,
    // instead of seconds of silence before the first line.
    let busySaid = false
    // A revoked device is sent nothing by its siblings and can write nothing: nothing new can
    // appear, so the watch says why and ends (as every other command on it is refused), instead
    // of waiting for ever, or saying that appends from every device appear.
    let code = 0
    let revokedSaid = false
    type Revocation = { by: string[], at: number, reason: string }
    /** A revocation heard while the first read was under way: said once its tail is printed. */
    let revokedLater: Revocation | undefined
    const revoked = (r: Revocation): void => {
      if (revokedSaid) return
      // What the device holds is shown first, as on a device revoked before the watch began.
      if (!ready) { revokedLater = r; return }
      revokedSaid = true
      code = exitCodeFor('DEVICE_REVOKED')
      event({ event: 'revoked', key, by: r.by, at: r.at, reason: r.reason }, `(${revokedWords(r)}: its siblings send it nothing and it can write nothing, so nothing new will appear; what it holds stays readable: mesh session show ${key}${homeArg(g)})`)
      ended()
    }
    /**
     * Whether this device is revoked, said and the watch ended if so (node.status: the daemon's,
     * or the home's). A status that cannot be read now is no reason to end a watch: the
     * revocation's event still ends it.
     */
    const endIfRevoked = async (): Promise<boolean> => {
      const r = await api.call('node.status', {}).then(s => s.revoked, () => undefined)
      if (r !== undefined) revoked(r)
      return r !== undefined
    }
    const api = new DaemonFollower(g, (daemon, again) => {
      if (!daemon) { note('(mesh join stopped: only changes made on this machine will appear)'); void poll(); return }
      // Cut off while suspended (it read nothing of what mesh join sent): what came meanwhile is read back.
      const words = again === true ? '(mesh join had closed this watch\'s connection, as it does when a watch reads nothing for a while (suspended with Ctrl-Z?): followed again, nothing missed)' : '(mesh join runs now: appends from every device appear)'
      void endIfRevoked().then(gone => { if (!gone && !stopping) note(words) })
    }, (err) => {
      if (busySaid) return
      busySaid = true
      const pid = typeof err.details.pid === 'number' ? ` by pid ${err.details.pid}` : ''
      note(`(the home is in use${pid}: waiting for it; Ctrl-C to stop)`)
    })
    const seen = new Set<string>()
    let last: string | undefined
    let ready = false
    // A session not on this device yet, or still arriving from a peer, is waited for (not an
    // error); its tail is read and shown once it has come, not each old message as it arrives.
    let found = true
    let waitingSaid = false
    const held: EventRecord[] = []
    // The tail shown first leaves out what came before it: said, with how to see it.
    const earlier = (n: number): void => {
      if (n > 0) event({ event: 'earlier', key, count: n }, `(${n} earlier ${n === 1 ? 'message is' : 'messages are'} not shown: --tail N shows more; the whole transcript: mesh session show ${key} --all${homeArg(g)})`)
    }
    const arrived = (): void => { found = true; event({ event: 'arrived', key }, `(${key} arrived)`) }
    const print = (m: Parameters<typeof formatMessage>[0]): void => {
      if (seen.has(m.id)) return
      seen.add(m.id)
      last = m.id
      out.line(g.json ? JSON.stringify(m) : formatMessage(m))
    }
    // The last tail read's copy and version: a message event they cover is in that read (printed,
    // or before the tail and left out on purpose), however late it comes (SessionVersionSchema).
    let tailRead: { copy: string, version: number } | undefined
    const covered = (e: EventRecord['event']): boolean =>
      e.type === 'message.appended' && tailRead !== undefined && e.copy === tailRead.copy && e.version <= tailRead.version
    type Shown = Output<'sessions.show'>
    type Arrival = NonNullable<Shown['arriving']>
    /** Waits for a session still arriving, said once: from whom and how far. */
    const waitFor = (a: Arrival): void => {
      found = false
      if (waitingSaid) return
      waitingSaid = true
      const arriving = { from: a.from, bytesDone: a.bytesDone, bytesTotal: a.bytesTotal, ...(a.etaMs !== undefined ? { etaMs: a.etaMs } : {}) }
      event({ event: 'waiting', key, arriving }, `(${key} is arriving from ${a.from}: ${arrivalPortion(a)}; its last ${tail} messages are shown once it has come; Ctrl-C to stop)`)
    }
    /**
     * A tail read, the first or once the session has come: false while more of the session is on
     * its way (said once), else the tail is what to print after saying what it leaves out.
     */
    const fromTail = (v: Shown, first: boolean): boolean => {
      if (v.arriving !== undefined) { waitFor(v.arriving); return false }
      // Found only now (it was not here, or still arriving, at the first read).
      if (!first) arrived()
      tailRead = { copy: v.copy, version: v.version }
      known = v.messageCount
      earlier(v.firstIndex)
      if (v.messageCount === 0) note(`(${key} has no messages yet: they appear here as they come; Ctrl-C to stop)`)
      return true
    }
    const onEvent = (r: EventRecord): void => {
      if (r.event.type === 'device.revoked') { revoked(r.event); return }
      // Held while the transcript is read (first, or again): what they bring is printed after
      // what came before it, and once (print() skips what the read printed).
      if (!ready || polling) { held.push(r); return }
      const e = r.event
      // Not all here yet: the poll that finds it whole reads its tail.
      if (e.type === 'message.appended' && e.key === key && (!found || covered(e))) return
      if (e.type === 'message.appended' && e.key === key) for (const m of e.messages) print(m)
      // Changed, with no messages told: a daemon that started (or was found) since what came
      // before it was printed, or a peer's change to a session it does not hold open. Read back.
      else if (e.type === 'session.changed' && e.key === key) void poll(true)
    }
    // The transcript's length when it was last read, while no message was printed to continue
    // after (--tail 0, an empty session): what is new is counted from it, not taken as the last
    // `tail` (with --tail 0, nothing new was ever shown without a daemon).
    let known = 0
    const unseen = async (): Promise<Array<Parameters<typeof formatMessage>[0]>> => {
      if (last !== undefined) {
        try {
          return (await api.call('sessions.show', { key, after: last })).messages
        } catch (err) {
          // The message last printed is no longer in the transcript (a change shown before its
          // signature that never got one, dropped when the document was reloaded): the whole
          // transcript, of which only what was not printed yet is printed.
          if (!(err instanceof NotFoundError && err.details.after === last)) throw err
          return (await api.call('sessions.show', { key, all: true })).messages
        }
      }
      if (!found) {
        const v = await api.call('sessions.show', { key, tail })
        return fromTail(v, false) ? v.messages : []
      }
      let v = await api.call('sessions.show', { key, tail: 0 })
      // Asked again for as many as it grew by, until the answer reaches back to what was known.
      while (v.firstIndex > known) v = await api.call('sessions.show', { key, tail: v.messageCount - known })
      const fresh = v.messages.slice(Math.max(0, known - v.firstIndex))
      known = v.messageCount
      return fresh
    }
    let polling = false
    /** Set once the watch ends: a read under way then ends with the follower's AbortedError. */
    let stopping = false
    /** A read asked for while one ran, which may have read before what it is asked for. */
    let again = false
    /** `told`: asked by an event (read even while a daemon is followed). */
    const poll = async (told = false): Promise<void> => {
      if (!ready) return
      if (polling) { if (told) again = true; return }
      if (!told && api.following && found) return
      polling = true
      try {
        for (const m of await unseen()) print(m)
      } catch (err) {
        if (!found && err instanceof SessionNotFoundError) return
        // Ended by the watch's own stop (its follower closed): nothing went wrong to say.
        if (stopping) return
        note(`(could not read ${key}: ${err instanceof Error ? err.message : String(err)})`)
      } finally {
        polling = false
        for (const r of held.splice(0)) onEvent(r)
        if (again) { again = false; void poll(true) }
      }
    }
    // Ctrl-C is taken from the start: one pressed while the transcript is still being read and
    // printed ends the watch as cleanly as one pressed later (before, it killed the process).
    let ended!: () => void
    const stopped = untilStopped(new Promise<void>(resolve => { ended = resolve }))
    // What comes before the first print can wait long: for the home, which another process holds
    // (tried again for up to 10 s), or for a daemon that does not answer (5 s). Ctrl-C does not
    // wait for it: the watch ends, and closing the follower (below) ends that wait.
    const unlessStopped = async <T>(p: Promise<T>): Promise<T | typeof STOPPED> => {
      p.catch(() => {}) // its end (AbortedError, once the follower is closed) is nobody's to hear
      return await Promise.race<T | typeof STOPPED>([p, stopped.then(() => STOPPED)])
    }
    try {
      if (await unlessStopped(api.start()) === STOPPED) return code
      // Subscribed before the transcript is read, so nothing written in between is missed.
      const off = api.subscribe(onEvent, { sessions: [key] })
      const timer = setInterval(() => { void poll() }, 1000)
      try {
        try {
          const info = await unlessStopped(api.call('sessions.show', { key, tail }))
          if (info === STOPPED) return code
          // Events held while it was read that it covers are dropped as they are gone through
          // (covered()): what of them is older than the tail is not printed after the tail.
          if (fromTail(info, true)) for (const m of info.messages) print(m)
        } catch (err) {
          if (!(err instanceof SessionNotFoundError)) throw err
          const a = err.details.arriving as Arrival | undefined
          // A near name held here (a typo) is said: the watch would otherwise wait for ever.
          const near = typeof err.details.near === 'string' ? err.details.near : undefined
          // What could still bring it (not-here.ts): said, as `mesh session show` says it.
          const mayCome = err.details.mayCome as MayCome | undefined
          if (a !== undefined) waitFor(a)
          else {
            found = false
            waitingSaid = true
            event({ event: 'waiting', key, ...(near !== undefined ? { near } : {}), ...(mayCome !== undefined ? { mayCome } : {}) }, `(no session ${key} on this device yet: waiting for it to arrive from a peer or be created here${comingFrom(mayCome)}${near !== undefined ? `; did you mean \`${near}\`? Ctrl-C to stop)` : '; Ctrl-C to stop)'}`)
          }
        }
        ready = true
        for (const r of held.splice(0)) onEvent(r)
        if (revokedLater !== undefined) { revoked(revokedLater); return code }
        if (await unlessStopped(endIfRevoked()) === true) return code
        // Said by what the follower knows now: a daemon found during a long first read was said so.
        if (!api.following) note('(no mesh join runs for this home: only changes made on this machine will appear)')
        await stopped
      } finally {
        clearInterval(timer)
        off()
      }
    } finally {
      ended() // an error before Ctrl-C: the stopper's handlers and timer go with it
      // Ends what still waits for the home or the daemon (AbortedError), so the process ends now.
      stopping = true
      await api.close()
    }
    return code
  }
}

export const peersCmd: Command = {
  name: 'peers',
  arity: 0,
  usage: 'mesh peers [--json]',
  summary: 'sibling devices: label, capabilities, addresses, how found, connection state, round-trip time, how far behind',
  examples: [
    'mesh peers',
    'mesh peers --json'
  ],
  options: {},
  async run (g) {
    const s = await apiFor(g)
    try {
      const peers = await s.api.call('peers.list', {})
      if (g.json) { out.json(peers); return 0 }
      // Without a daemon nothing looks for peers: "no peers yet" alone read as if one had looked.
      if (peers.length === 0) out.line(s.mode === 'in-process' ? 'no peers known (mesh join is not running here: it finds and connects them)' : 'no peers yet')
      if (s.mode === 'in-process' && peers.length > 0) out.line('(mesh join is not running here: remembered peers, all offline)')
      for (const p of peers) {
        for (const l of peerLines(p)) out.line(l)
        for (const a of p.addrs) out.line(`\t${a}`)
      }
      return 0
    } finally {
      await s.close()
    }
  }
}
