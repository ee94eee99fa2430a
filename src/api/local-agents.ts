/**
 * The agents area of the in-process API (issue 13): importing an agent's native records into its
 * session (agents-import.ts), reading them back a page at a time, and the followers' beats.
 */
import { captureGap, checkMessage, DOC_NAMES, MAX_APPEND_BYTES, messageCost, parseSessionKey, RecordsDoc, type NativeRecord, type NewMessage, type SessionKey } from '../../crdt/index.js'
import { recordCost } from '../../crdt/content-limit.js'
import { InvalidInputError, LeaseHeldError, NotFoundError, SessionNotFoundError } from '../errors.js'
import { agentOfKey, isAgentSessionId } from './agent-keys.js'
import { A_DEVICE_ID, appendRecords, fitsOneEntry, meshOnlyCount, viewOf, type CaptureMeta } from './agents-import.js'
import { readBeats } from './follow-beats.js'
import { FollowTable } from './follow-table.js'
import { notHere } from './not-here.js'
import type { Handlers, LocalContext } from './local-context.js'

/**
 * A session not here under a key that names no agent (`mesh agent export notes` is
 * agent:main:notes): the vault's hint, to create it, is no help to what reads an agent's records.
 * A near key held here (`agent:claude:ID` for a bare ID, found by withSession: `details.near`)
 * is still said first, in not-here.ts's words, as `mesh session show` says it. A session on its
 * way keeps its own (arriving from …).
 */
function noAgentNamed (err: unknown, key: string, writable: boolean): unknown {
  if (!(err instanceof SessionNotFoundError) || agentOfKey(key) !== undefined || err.details.arriving !== undefined || err.details.pending !== undefined) return err
  const named = new SessionNotFoundError(err.fact, err.details, {
    cause: err,
    hint: { sep: ' ', cli: '(an agent\'s session key names its agent, agent:claude|codex|openclaw|hermes:ID; `mesh agent list` shows those here)', mcp: '(an agent\'s session key names its agent, agent:<claude|codex|openclaw|hermes>:<id>; agents_status lists those here)' }
  })
  // The near key alone as what is held: notHere finds it again (each of its tests reads the two
  // keys only), and no sibling, so its words are the near key's and then this hint.
  const near = err.details.near
  return typeof near === 'string' ? notHere(named, parseSessionKey(key), [near], [], undefined, writable) : named
}

export function agentHandlers (ctx: LocalContext): Handlers<'agents.followBeat' | 'agents.status' | 'agents.import' | 'agents.records'> {
  const follows = new FollowTable()
  return {
    'agents.import': async (input) => {
      // Checked apart from the key, which may be given: resume names a file and a command after it.
      if (!isAgentSessionId(input.sessionId)) throw new InvalidInputError(`sessionId ${JSON.stringify(input.sessionId)} is not an agent's session id (A-Z a-z 0-9 . _ -, at most 200, starting with a letter or digit)`, { sessionId: input.sessionId })
      const key = parseSessionKey(input.key ?? `agent:${input.agent}:${input.sessionId}`)
      // A key names its agent (mesh agent list, and resume --out, read it from there): another agent's is refused.
      const named = agentOfKey(key)
      if (named !== undefined && named !== input.agent) throw new InvalidInputError(`key ${key} names ${named} sessions, and these records are ${input.agent}'s: import them under agent:${input.agent}:… (or a key of no agent's name)`, { key, agent: input.agent })
      const records: NativeRecord[] = input.records
      let bytes = 0
      for (const r of records) bytes += recordCost(r)
      if (bytes > MAX_APPEND_BYTES) throw new InvalidInputError(`these ${records.length} records take ${bytes} bytes in the entry that would store them (their text and about 100 bytes for each record), more than ${MAX_APPEND_BYTES}: send them in several calls (one call is one entry, at most 1 MiB), a record over that size in parts`)
      // Every message as its append would take it, before anything is made: a refused import
      // left an empty session behind (made before the checks).
      for (const m of input.messages ?? []) checkMessage(m)
      const meta = { agent: input.agent, sessionId: input.sessionId, cwd: input.cwd, gitRemote: input.gitRemote, name: input.name, dir: input.dir, stuck: input.stuck, capture: input.capture }
      const exists = await ctx.vault.sessions.exists(key)
      // Refused before anything is stored while another device drives the session (unless
      // forced), when there is anything new to store: records stored without their view would
      // stay so, since a re-import adds only records it does not hold. A re-import of what is
      // held stores nothing and is answered as before. A session not made yet has no lease.
      if (exists && input.force !== true) {
        const held = await ctx.withSession(key, async (s) => {
          const { anyNew, total } = await ctx.vault.withDoc(DOC_NAMES.session(key), r => {
            const d = RecordsDoc.of(r.doc)
            return { anyNew: d.fresh(records).length > 0, total: d.length }
          })
          try {
            s.checkWrite('import into', {})
          } catch (err) {
            if (anyNew || !(err instanceof LeaseHeldError)) throw err
            return total
          }
          return undefined
        })
        if (held !== undefined) return { key, added: 0, total: held, messages: 0 }
      }
      // Made only now, once the call is going to store something.
      if (!exists) {
        const s = await ctx.vault.sessions.create(key, { title: input.title ?? `${input.agent} ${input.sessionId}` })
        await s.close()
        ctx.created(key)
        ctx.push({ type: 'session.created', key, remote: false })
      }
      // The records and their view in one change (one entry, one durable write) when they fit
      // in one: a live capture's line reaches peers after one fsync, not two in a row, and a
      // crash keeps both or neither (records stored without their view would stay so, since
      // a re-import adds only records it does not hold).
      const grouped = await importGrouped(ctx, key, meta, records, input.messages ?? [], bytes, input.force)
      if (grouped !== undefined) return { key, ...grouped, ...await drivenElsewhere(ctx, key, input.force, grouped.added) }
      // Inside the cached session: its replica stays open between calls (withDoc alone would
      // load the whole document from the store for every chunk of a long import).
      const { added, total } = await ctx.withSession(key, async () => await ctx.vault.withDoc(DOC_NAMES.session(key), async r => {
        const d = RecordsDoc.of(r.doc)
        const added = await r.change(() => appendRecords(d, meta, records))
        return { added, total: d.length }
      }))
      // The view of these records the transcript lacks: the records just added, and any held
      // whose messages a killed import never stored (their messages carry the record id, maybe with #n).
      const view = await ctx.withSession(key, async (s) => s.lacking(viewOf(records, input.messages ?? [])))
      let appended = 0
      for (const batch of byBytes(view, MAX_APPEND_BYTES / 2)) {
        appended += (await ctx.withSession(key, async (s) => await s.append(batch, { force: input.force }))).filter(m => m.already !== true).length
      }
      return { key, added: recordsIn(added), total, messages: appended, ...await drivenElsewhere(ctx, key, input.force, recordsIn(added)) }
    },
    'agents.records': async (input) => {
      const key = parseSessionKey(input.key)
      return await ctx.withSession(key, async (s) => await ctx.vault.withDoc(DOC_NAMES.session(key), (r) => {
        const d = RecordsDoc.of(r.doc)
        const meta = d.getMeta()
        if (meta === undefined) throw new NotFoundError(`session ${key} holds no agent records`, { key }, { hint: { sep: ' ', cli: '(import one with `mesh agent import`)' } })
        const start = input.start ?? 0
        const limit = input.limit ?? 100_000
        const out: NativeRecord[] = []
        let bytes = 0
        let i = start
        // Made one at a time: a page stops at its byte budget, so a long session's pages cost
        // what they hold (each page made every record after its start: 150 MB took 17 s).
        // The next page starts after the last record's index: an item skipped (no record) is not taken again.
        let full = false
        for (const [at, rec] of d.at(start)) {
          const n = Buffer.byteLength(rec.text)
          if (out.length >= limit || (out.length > 0 && bytes + n > RECORDS_PAGE_BYTES)) { full = true; break }
          out.push(rec)
          bytes += n
          i = at + 1
        }
        if (!full) i = d.length
        if (i < d.length) return { meta, records: out, total: d.length, next: i }
        // The last page says what of the transcript no record holds (once a read, not per page).
        return { meta, records: out, total: d.length, meshOnly: meshOnlyCount(s.messageIds(), d.from()) }
      })).catch((err: unknown) => { throw noAgentNamed(err, key, ctx.vault.vault.writable) })
    },
    'agents.followBeat': async (input) => { follows.beat(input); return { ok: true } },
    'agents.status': async (input) => {
      // Followers that run with no daemon write their beats to the home instead (follow-beats.ts).
      for (const b of await readBeats(ctx.vault.vault.home)) follows.written(b)
      const live = follows.byKey()
      const wanted = input.keys !== undefined ? new Set(input.keys) : undefined
      const sessions = []
      const summaryOf = ctx.summaries()
      for (const s of await ctx.vault.sessions.list()) {
        if (!s.key.startsWith('agent:') || (wanted !== undefined && !wanted.has(s.key))) continue
        const f = live.get(s.key)
        const info = await summaryOf(s.key).catch(notHereYet)
        // What the capturing device holds beyond the records (an import stopped part-way, capture stuck): said on every device.
        const gap = 'arriving' in info ? undefined : await ctx.vault.withDoc(DOC_NAMES.session(parseSessionKey(s.key)), r => captureGap(RecordsDoc.of(r.doc).getMeta())).catch(() => undefined)
        const here = 'arriving' in info ? { arriving: info.arriving } : { lease: info.lease, lastWriter: info.lastWriter, messageCount: info.messageCount, ...(gap !== undefined ? { capture: gap } : {}) }
        sessions.push({ key: s.key, following: f !== undefined, sync: f !== undefined ? 'live' as const : 'stored' as const, follower: f !== undefined ? { id: f.follower.id, pid: f.follower.pid } : undefined, stream: f?.stream, capturedAt: f?.capturedAt, offset: f?.offset, files: f?.files, heldBack: f !== undefined && f.heldBack.length > 0 ? f.heldBack : undefined, stuck: f !== undefined && f.stuck.length > 0 ? f.stuck : undefined, ...here })
      }
      return { followers: follows.followers(), sessions }
    }
  }
}

/**
 * A session listed before its content is here (arriving from a peer, or named by the index an
 * instant before its creator's first write) is one row of the list, not the list's failure: what
 * has come of it, as far as this device knows.
 */
function notHereYet (err: unknown): { arriving: { from?: string, bytesDone: number, bytesTotal?: number } } {
  if (!(err instanceof SessionNotFoundError)) throw err
  const d = err.details as { arriving?: { from: string, bytesDone: number, bytesTotal: number }, pending?: { bytesHeld: number, bytesTotal?: number, from?: string } }
  if (d.arriving !== undefined) return { arriving: { from: d.arriving.from, bytesDone: d.arriving.bytesDone, bytesTotal: d.arriving.bytesTotal } }
  if (d.pending !== undefined) return { arriving: { from: d.pending.from, bytesDone: d.pending.bytesHeld, bytesTotal: d.pending.bytesTotal } }
  throw err
}

/**
 * Records stored with force while another device drives the session (a follower captures what
 * the agent writes here whoever drives): that device, so the caller can say the transcript now
 * holds what both wrote.
 */
async function drivenElsewhere (ctx: LocalContext, key: SessionKey, force: boolean | undefined, added: number): Promise<{ drivenBy?: string }> {
  if (force !== true || added === 0) return {}
  const l = await ctx.withSession(key, async (s) => s.blocking())
  return l !== undefined ? { drivenBy: l.label ?? l.device } : {}
}

/** agents.import as one change, when records and view fit in one entry. */
async function importGrouped (ctx: LocalContext, key: SessionKey, meta: CaptureMeta, records: NativeRecord[], messages: NewMessage[], bytes: number, force: boolean | undefined): Promise<{ added: number, total: number, messages: number } | undefined> {
  if (!fitsOneEntry(bytes, messages)) return undefined
  return await ctx.withSession(key, async (s) => {
    const r = await s.appendAlong({ force }, (doc) => {
      const d = RecordsDoc.of(doc)
      const added = appendRecords(d, meta, records)
      // Every record given is held now: the view of them the transcript lacks (agents.import).
      return { value: { added: recordsIn(added), total: d.length }, messages: s.lacking(viewOf(records, messages)) }
    })
    return { ...r.value, messages: r.messages.length }
  })
}

/**
 * About how many bytes of record text one agents.records page carries: the socket takes request
 * lines up to 8 MiB, and JSON escaping of a line's quotes can double its size on the wire.
 */
const RECORDS_PAGE_BYTES = 2 * 1024 * 1024

/** Splits messages into batches of at most about `max` bytes in their entry (what the append counts). */
function byBytes<T extends NewMessage>(list: readonly T[], max: number): T[][] {
  const out: T[][] = []
  let cur: T[] = []
  let n = 0
  for (const m of list) {
    const b = messageCost(m, A_DEVICE_ID)
    if (cur.length > 0 && n + b > max) { out.push(cur); cur = []; n = 0 }
    cur.push(m)
    n += b
  }
  if (cur.length > 0) out.push(cur)
  return out
}

/**
 * How many records the stored pieces complete: a record too big for one entry travels in parts,
 * perhaps over several calls, and counts once, with its last part.
 */
function recordsIn (added: readonly NativeRecord[]): number {
  return added.filter(r => r.parts === undefined || (r.part ?? 0) === r.parts - 1).length
}
