/** The sessions area of the in-process API: listing, creating, reading and writing sessions, and their driver lease. */
import { setTimeout as pause } from 'node:timers/promises'
import { captureGap, captureGapWords, DOC_NAMES, parseSessionKey, RecordsDoc } from '../../crdt/index.js'
import { AbortedError, InvalidInputError, isMeshError, NotFoundError, ReadOnlyError } from '../errors.js'
import { stillArriving } from '../node/progress.js'
import { meshOnlyNote } from './agents-import.js'
import { leaseSettled } from './lease-settle.js'
import { notSyncedWith, siblingsOf } from './not-here.js'
import type { Handlers, LocalContext, ParsedInput } from './local-context.js'
import type { Output } from './schema.js'
import type { Session } from './session.js'
import { timedSignal } from './timed-signal.js'

type SessionMethods = 'sessions.list' | 'sessions.create' | 'sessions.show' | 'sessions.wait' | 'sessions.append' | 'sessions.task' | 'sessions.takeLease' | 'sessions.renewLease' | 'sessions.releaseLease' | 'sessions.resume'

/** How often a wait looks again whether the session it found is still arriving (a look at the transfers in flight). */
const ARRIVING_POLL_MS = 100

export function sessionHandlers (ctx: LocalContext): Handlers<SessionMethods> {
  return {
    'sessions.list': async (input) => {
      const list = await ctx.vault.sessions.list()
      if (input.details !== true) return list
      const out = []
      const summaryOf = ctx.summaries()
      for (const s of list) {
        try {
          const info = await summaryOf(s.key)
          out.push({ ...s, status: info.status, lease: info.lease, lastWriter: info.lastWriter, messageCount: info.messageCount })
        } catch (err) {
          // A session listed in the index whose document has not arrived yet.
          if (!isMeshError(err)) throw err
          out.push(s)
        }
      }
      return out
    },
    'sessions.create': async (input) => {
      const key = parseSessionKey(input.key)
      // Siblings that may have made one of this key too, unseen here yet: said, since the two would
      // merge. Judged before this write, which puts every sibling behind for a moment.
      // Only a note: whatever fails while it looks (a node stopping) leaves it out.
      const unsure = await siblingsOf(ctx.vault.vault, ctx.node).then(({ siblings, peers }) => notSyncedWith(siblings, peers), () => [])
      const s = await ctx.vault.sessions.create(key, { title: input.title, goal: input.goal })
      const meta = s.meta()
      await s.close()
      ctx.created(key)
      ctx.push({ type: 'session.created', key, remote: false })
      return { key, title: meta.title, createdAt: meta.createdAt, ...(unsure.length > 0 ? { notSyncedWith: unsure } : {}) }
    },
    'sessions.show': async (input) => await ctx.withSession(input.key, async (s) => {
      // Part here and more on its way (a catch-up, a newer snapshot): shown as it stands, and said.
      const a = ctx.node?.arriving(input.key)
      const cut = a === undefined ? ctx.node?.cutOff(input.key) : undefined
      const arriving = a !== undefined && stillArriving(a) && a.bytesDone < a.bytesTotal
        ? { arriving: { from: a.from, bytesDone: a.bytesDone, bytesTotal: a.bytesTotal, ...(a.etaMs !== undefined ? { etaMs: a.etaMs } : {}) } }
        // Stopped part way (the peer went): shown as it came, and said.
        : cut !== undefined ? { incomplete: { from: cut.from, bytesDone: cut.bytesDone, bytesTotal: cut.bytesTotal, at: cut.at } } : {}
      // An agent's session whose capturing device holds more of it than mesh (an import there
      // stopped part-way, capture stuck at a bad line): said, as resume and `mesh agent list` say it.
      const agentMeta = await ctx.vault.withDoc(DOC_NAMES.session(s.key), r => RecordsDoc.of(r.doc).getMeta())
      const gap = captureGap(agentMeta)
      if (gap !== undefined && agentMeta !== undefined) Object.assign(arriving, { capture: { ...gap, says: captureGapWords(gap, agentMeta.agent, agentMeta.sessionId) } })
      if (input.after !== undefined) {
        const info = s.resumeInfo({ tail: 0 })
        const { messages, firstIndex } = s.messagesAfter(input.after)
        return { ...info, messages: labelled(s, messages), firstIndex, ...arriving }
      }
      const tail = input.all === true ? undefined : (input.tail ?? 50)
      const info = s.resumeInfo({ tail })
      return { ...info, messages: labelled(s, info.messages), firstIndex: info.messageCount - info.messages.length, ...arriving }
    }),
    'sessions.wait': async (input, signal) => {
      const key = parseSessionKey(input.key)
      const waitSignal = timedSignal(signal, input.timeoutMs)
      try {
        const found = await ctx.vault.sessions.find(key, { signal: waitSignal.signal })
        // Here, but the rest may still be on its way (a catch-up of many entries): the wait ends
        // once nothing of it arrives any more, so what follows (a resume) meets it whole.
        for (let a = ctx.node?.arriving(key); a !== undefined && stillArriving(a); a = ctx.node?.arriving(key)) {
          await pause(ARRIVING_POLL_MS, undefined, { signal: waitSignal.signal }).catch((err: unknown) => { throw new AbortedError(`stopped waiting for session ${key}`, { key }, { cause: err }) })
        }
        return found
      } catch (err) {
        // Its own timeout, not the caller's going away: said as such (HTTP 408).
        if (isMeshError(err) && err.code === 'ABORTED' && signal?.aborted !== true && input.timeoutMs !== undefined) throw new AbortedError(`session ${key} did not appear within ${input.timeoutMs} ms`, { key, timeoutMs: input.timeoutMs, reason: 'timeout' }, { cause: err })
        // Ended by the caller (a cancel, or its own AbortSignal.timeout: a timeout all the same):
        // said as a call through the daemon says it (rpc-client.ts), so a script reads one error.
        if (isMeshError(err) && err.code === 'ABORTED' && signal?.aborted === true) throw AbortedError.bySignal('sessions.wait', signal)
        throw err
      } finally {
        waitSignal.clear()
      }
    },
    'sessions.append': async (input) => {
      // The key first: a bad key is the error to tell, whatever the body holds.
      parseSessionKey(input.key)
      // One message or a list, not both: both were appended, the one first, and a message's own
      // fields beside a list (its id, a tool call) were dropped unsaid when no role came with them.
      const single = (['role', 'content', 'id', 'toolCall', 'toolResult'] as const).filter(f => input[f] !== undefined)
      if (input.messages !== undefined && single.length > 0) throw new InvalidInputError(`an append takes one message (role and content) or a list (messages), not both: ${single.join(', ')} given beside messages (give each message in the list)`, { fields: single })
      const list = input.messages ?? []
      if (input.role !== undefined || input.content !== undefined) {
        if (input.role === undefined || input.content === undefined || input.content === '') throw new InvalidInputError('an append needs a role and a non-empty content (or messages)')
        list.unshift({ role: input.role, content: input.content, id: input.id, toolCall: input.toolCall, toolResult: input.toolResult })
      }
      if (list.length === 0) throw new InvalidInputError('refusing to append an empty message')
      // An empty id is a script's unset variable (`--id "$STEP"`): every later step would read as
      // the first one retried.
      if (list.some(m => m.id === '')) throw new InvalidInputError('a message\'s id is not empty: give one (a retried append sends it again), or none for a new UUID')
      return await ctx.withSession(input.key, async (s) => {
        const appended = labelled(s, await s.append(list, { force: input.force }))
        // An agent's own session (its capture metadata is in the document): the message stays in
        // mesh, since a resume writes the agent's files from its records alone. Said, not hidden.
        const agent = await ctx.vault.withDoc(DOC_NAMES.session(s.key), r => RecordsDoc.of(r.doc).getMeta()?.agent)
        if (agent === undefined) return appended
        // The note once, on the first message: said of the whole append, it was repeated on each
        // message of a multi-message one (an MCP client read it as many times). `agent` stays on each.
        const note = meshOnlyNote(s.key, agent)
        return appended.map((m, i) => i === 0 ? { ...m, agent, note } : { ...m, agent })
      }, { whole: true })
    },
    'sessions.task': async (input) => await ctx.withSession(input.key, async (s) => {
      const existing = s.task().todos
      const now = Date.now()
      const todos: Array<{ id: string, text: string, done?: boolean }> = []
      for (const [i, text] of (input.todoAdd ?? []).entries()) todos.push({ id: `t${(now + i).toString(36).slice(-4)}`, text })
      for (const id of input.todoDone ?? []) {
        // By its id, else by its text when one open todo holds it (an id is known only once the todo is added).
        const byText = existing.filter(x => x.text === id && x.done !== true)
        const t = existing.find(x => x.id === id) ?? (byText.length === 1 ? byText[0] : undefined)
        if (t === undefined) throw new NotFoundError(byText.length > 1 ? `session ${s.key} has ${byText.length} open todos that read ${id}: give the id of one` : `session ${s.key} has no todo ${id}`, { id }, { hint: { sep: ' ', cli: `(see \`mesh session show ${s.key}\`)`, mcp: '(sessions_show lists its todos)' } })
        todos.push({ id: t.id, text: t.text, done: true })
      }
      await s.updateTask({ plan: input.plan, cwd: input.cwd, progress: input.progress, todos, filesTouched: input.files, fields: input.fields ?? undefined }, { force: input.force })
      return s.task()
    }, { whole: true }),
    'sessions.takeLease': async (input) => await ctx.withSession(input.key, async (s) => {
      const r = await s.takeLease({ take: input.take, settle: settler(ctx, s), auto: input.auto })
      return { lease: r.lease, tookOverFrom: r.tookOverFrom !== undefined ? (r.tookOverFrom.label ?? r.tookOverFrom.device) : undefined, renewed: r.renewed }
    }, { whole: true }),
    'sessions.renewLease': async (input) => await ctx.withSession(input.key, async (s) => ({ lease: await s.renewLease() }), { whole: true }),
    'sessions.releaseLease': async (input) => await ctx.withSession(input.key, async (s) => await s.letGoLease({ epoch: input.epoch, auto: input.auto })),
    'sessions.resume': async (input) => {
      if (input.take === true && ctx.vault.vault.certs.isRevoked(ctx.vault.vault.identity.device.publicKey)) ctx.vault.vault.assertWritable(`take the driver lease of ${input.key}`)
      if (input.take === true && !ctx.vault.vault.writable) throw new ReadOnlyError(`this device (${ctx.vault.info().label}) is read-only: it can follow ${input.key} but not take its driver lease`, {}, { hint: { sep: '. ', cli: 'Resume without --take to read it', mcp: 'Call sessions_resume without take to read it' } })
      return await resume(ctx, input)
    }
  }
}

async function resume (ctx: LocalContext, input: ParsedInput<'sessions.resume'>): Promise<Output<'sessions.resume'>> {
  return await ctx.withSession(input.key, async (s) => {
    let leaseTaken = false
    let tookOverFrom: string | undefined
    const notWritable = ctx.vault.vault.notWritable
    const readOnly = notWritable !== undefined
    if (!readOnly) {
      // A take another device made at the same moment may come first: LEASE_HELD then (session.ts).
      const r = await s.takeLease({ take: input.take, settle: settler(ctx, s) })
      leaseTaken = r.lease.mine
      if (r.tookOverFrom !== undefined && leaseTaken) tookOverFrom = r.tookOverFrom.label ?? r.tookOverFrom.device
    }
    const info = s.resumeInfo({ tail: input.tail ?? 50 })
    // An agent's own session: said, since what continues it is the agent reading its own files.
    const agent = await ctx.vault.withDoc(DOC_NAMES.session(s.key), r => RecordsDoc.of(r.doc).getMeta()?.agent)
    return { ...info, messages: labelled(s, info.messages), firstIndex: info.messageCount - info.messages.length, leaseTaken, tookOverFrom, readOnly, ...(notWritable !== undefined ? { notWritable } : {}), ...(agent !== undefined ? { agent } : {}) }
  }, { whole: true })
}

/**
 * With a running node, a take waits for the peers' word before it says it holds the lease
 * (lease-settle.ts): two devices taking it at once are not both told they did.
 */
function settler (ctx: LocalContext, s: Session): (() => Promise<void>) | undefined {
  const node = ctx.node
  if (node === undefined || node.provenCount() === 0) return undefined
  const doc = ctx.vault.vault.docId(DOC_NAMES.session(s.key))
  return async () => { await leaseSettled(node, doc) }
}

/** Messages with their author device's label. */
function labelled<T extends { device: string }>(s: Session, messages: T[]): Array<T & { author?: string }> {
  const labels = new Map<string, string | undefined>()
  return messages.map(m => {
    if (!labels.has(m.device)) labels.set(m.device, s.labelOf(m.device))
    const author = labels.get(m.device)
    return author !== undefined ? { ...m, author } : m
  })
}

