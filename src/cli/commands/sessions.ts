/** mesh sessions, mesh session new|append|show, mesh resume, mesh task, mesh lease. */
import { InvalidInputError, UsageError } from '../../errors.js'
import { parseSessionKey } from '../../../crdt/session-key.js'
import { MAX_CONTENT_BYTES } from '../../../crdt/content-limit.js'
import { readStdinText } from '../stdin.js'
import type { Output } from '../../api/schema.js'
import { homeArg, leaseHintFor, localTime, stdout as out, withApi } from '../context.js'
import { subcommandOf, subUsage, type Command } from '../command.js'
import { wholeNumber } from '../numbers.js'
import { arrivalPortion, portion } from '../../node/progress.js'
import { aheadWords, onlineWords, pastEndWords, SKEW_MS } from '../../api/lease-words.js'
import { oneLine } from '../printable.js'
import { hanging, MESSAGE_INDENT } from '../../api/words.js'

type View = Output<'sessions.show'>
type Message = View['messages'][number]
type Lease = NonNullable<View['lease']>

/** crdt/session.ts's LEASE_SKEW_MS, as lease-words.ts holds it (that module loads Yjs, which a command talking to a daemon never does). */
export const LEASE_SKEW_MS = SKEW_MS

/**
 * This process's stdin as text, less the one line end that ends it (what `echo` and most tools
 * add), as a shell's `$(...)` would drop it; every other byte, blank lines included, is kept.
 * Read up to one message's most (and that line end): more is refused as the API refuses it. Bytes
 * that are not UTF-8 are refused too: decoded, they would be stored as U+FFFD, another text.
 */
async function readStdin (): Promise<string> {
  const text = await readStdinText(MAX_CONTENT_BYTES + 2,
    () => new InvalidInputError(`message content exceeds ${MAX_CONTENT_BYTES} bytes (stdin holds more): send a longer text as several messages`),
    at => new InvalidInputError(`--stdin takes UTF-8 text: byte ${at.byte} at offset ${at.offset} of the input is not UTF-8 (convert it first, e.g. iconv -f LATIN1 -t UTF-8); nothing was appended`, { offset: at.offset }))
  return text.replace(/\r?\n$/, '')
}

export function need (args: string[], i: number, what: string, usage: string): string {
  const v = args[i]
  if (v === undefined || v === '') throw new UsageError(`missing ${what}: ${usage}`)
  return v
}

/**
 * A message as `mesh watch`, `mesh session show` and `mesh resume` print it: its header, then its
 * text, each line after the first indented (hanging), so that no line of it, a pasted
 * `[time] user (desktop): …` included, reads as another message.
 */
export function formatMessage (m: Message): string {
  const who = m.author ?? m.device.slice(-6)
  return `[${localTime(m.ts)}] ${m.role} (${who}): ${hanging(m.content, MESSAGE_INDENT)}`
}

export function formatLease (l: Lease | undefined, now = Date.now()): string {
  if (l === undefined) return ''
  const who = l.mine ? 'this device' : (l.label ?? l.device)
  if (l.revoked === true) return ` (lease of ${who} ended: ${revokedHolder(l)})`
  if (l.expired) return ` (lease of ${who} expired at ${localTime(l.expiresAt)})`
  // Past its time but not yet expired: the API allows clocks that disagree by up to 2 minutes,
  // and past that keeps the lease of a holder that is online now. Said in the API's words
  // (lease-words.ts), with whether the holder is online where the view says it (another device's
  // lease past its end), as LEASE_HELD says it (`mesh resume`); where it does not (this device's
  // own), words true either way.
  if (l.expiresAt <= now) return ` (driven by ${who}${l.online !== undefined ? `, ${onlineWords(l.online)}` : ''}: its lease ran out at ${localTime(l.expiresAt)}, ${pastEndWords(who, now <= l.expiresAt + LEASE_SKEW_MS, l.online)})`
  // Taken "later" than now by this clock: the holder's clock runs ahead, and its lease holds that much longer here.
  return ` (driven by ${who} until ${localTime(l.expiresAt)}${aheadWords(l.takenAt, now)})`
}

/** A revoked holder, said as what ended its lease (its expiresAt may still be ahead). */
const revokedHolder = (l: Lease): string => l.mine ? 'this device was revoked' : `${l.label ?? l.device} was revoked`

/**
 * What `mesh lease release` did, and when nothing: why, with who holds the lease (in the words
 * of `mesh session show`'s lease) and how to take it over, as the other lease messages say it.
 */
export function releaseWords (key: string, r: { released: boolean, reason?: string, epoch?: number, lease?: Lease }, asked?: number): string {
  if (r.released) return `released the driver lease of ${key}`
  if (r.reason === 'none') return `nothing changed: no device holds the driver lease of ${key}`
  if (r.reason === 'not-mine' && r.lease !== undefined) {
    const take = r.lease.expired ? `; \`mesh lease take ${key}\` takes it` : `; \`mesh lease take ${key} --take\` takes it over`
    return `nothing changed: this device does not hold the driver lease of ${key}${formatLease(r.lease)}${take}`
  }
  // This device holds it, but not as the caller took it: taken again (another epoch), or renewed since.
  if (r.reason === 'other-epoch') {
    // An epoch the lease has not reached was never taken: a typo or another session's number, not a take since.
    const why = asked !== undefined && r.epoch !== undefined && asked > r.epoch ? `no lease of ${key} was ever taken at epoch ${asked}` : 'it was taken again since'
    return `nothing changed: this device holds the driver lease of ${key} at epoch ${r.epoch ?? '?'}, not at the epoch asked for (${why})`
  }
  if (r.reason === 'renewed') return `nothing changed: the driver lease of ${key} was renewed since it was taken (epoch ${r.epoch ?? '?'}), so it is left as it is`
  return `nothing changed: this device does not hold the driver lease of ${key}${r.epoch !== undefined ? ` of epoch ${r.epoch}` : ''}`
}

/**
 * The status row: the status as last written, with the lease. Next to an expired lease, said as
 * what it is: the status its driver last wrote, with no device driving it now ("running" alone
 * read as if something still ran it).
 */
export function statusWords (status: string, l: Lease | undefined, now = Date.now()): string {
  if (l?.expired !== true) return `${status}${formatLease(l, now)}`
  const who = l.mine ? 'this device' : (l.label ?? l.device)
  if (l.revoked === true) return `${status} (as last written; no device drives it now: ${revokedHolder(l)}, which ended its lease)`
  return `${status} (as last written; no device drives it now: the lease of ${who} expired at ${localTime(l.expiresAt)})`
}

/** The most messages --tail asks for: far more than a session's transcript shows at once. */
export const MAX_TAIL = 1_000_000

export function parseCount (v: unknown, flag: string): number | undefined {
  if (v === undefined) return undefined
  return wholeNumber(v, flag, 'a count of messages (0 or more)', MAX_TAIL)
}

export const sessionsCmd: Command = {
  name: 'sessions',
  arity: 0,
  usage: 'mesh sessions [--details] [--json]',
  summary: 'list sessions (--details: status, lease holder, last writer, message count)',
  examples: [
    'mesh sessions',
    'mesh sessions --details'
  ],
  options: { details: { type: 'boolean' } },
  async run (g, _args, values) {
    return await withApi(g, async api => {
      const list = await api.call('sessions.list', { details: values.details === true })
      if (g.json) { out.json(list); return 0 }
      if (list.length === 0) {
        // A device that cannot write (read-only, revoked, expired) is not told to create one.
        const st = await api.call('node.status', {})
        const writable = st.certificate.writable && st.revoked === undefined
        out.line(st.readOnlyHome !== undefined
          ? 'no sessions in this home (it is read-only: none can be added here)'
          : writable
          ? 'no sessions yet: one appears here once created on this device (`mesh session new KEY`) or on a sibling'
          : 'no sessions yet: this device cannot write, so sessions come from the devices that do, once `mesh join` runs here and a sibling that holds them is online')
      }
      for (const s of list) out.line(sessionLine(s, values.details === true))
      return 0
    })
  }
}

/**
 * A session's line of `mesh sessions` (`details`: its status, lease, messages and last writer).
 * Its title and the devices' labels are other devices' text: a line break or a tab in them is
 * shown (oneLine), so each session stays on its line.
 */
export function sessionLine (s: Output<'sessions.list'>[number], details: boolean): string {
  const wrote = s.lastWriter !== undefined ? `, last write ${localTime(s.lastWriter.ts)} by ${s.lastWriter.label ?? s.lastWriter.device}` : ''
  // With --details, a listed session with no status is one whose content has not come yet.
  const extra = s.status !== undefined ? `  [${statusWords(s.status, s.lease)}]  ${s.messageCount ?? 0} message${s.messageCount === 1 ? '' : 's'}${wrote}` : details ? '  [not here yet: `mesh session show` says how much of it is]' : ''
  return oneLine(`${s.key}${s.title !== '' ? `  ${s.title}` : ''}${extra}`)
}

const ROLES = ['user', 'assistant', 'system', 'tool']

const SESSION_USAGE = [
  'mesh session new KEY [--title T] [--goal G]',
  'mesh session append KEY --role ROLE (--text T | --stdin) [--id ID] [--force]',
  'mesh session show KEY [--tail N | --all] [--json]'
].join('\n       ')

export const sessionCmd: Command = {
  name: 'session',
  arity: { new: 2, append: 2, show: 2 },
  usage: SESSION_USAGE,
  summary: 'create a session, append to its transcript, or show it (the last 50 messages unless --all)',
  subSummaries: {
    new: 'create a session, with a title (at most 200 characters) and a goal if given',
    append: 'add a message to a session\'s transcript (its text from --text or stdin)',
    show: 'a session\'s goal, task state and its last 50 messages (--tail N, --all), and how much more is still arriving from a peer'
  },
  flags: {
    '--title T': 'new: a one-line title (at most 200 characters)',
    '--goal G': 'new: what the session is for',
    '--role ROLE': 'append: who wrote the message: user, assistant, system or tool',
    '--stdin': 'append: the message\'s text from stdin, instead of --text',
    '--id ID': 'append: the message\'s own id: appended again with it, it is added once',
    '--force': 'append: write while another device drives the session (both machines\' messages are kept)'
  },
  examples: [
    'mesh session new fix-login --goal "users stay logged in after a refresh"   # fix-login is short for agent:main:fix-login',
    'mesh session append fix-login --role assistant --text "cookie has no Max-Age"',
    'git diff | mesh session append fix-login --role tool --stdin',
    'mesh session append fix-login --role user --text "ship it" --id step-7   # run again: added once',
    'mesh session show fix-login --tail 20'
  ],
  options: { title: { type: 'string' }, goal: { type: 'string' }, role: { type: 'string' }, text: { type: 'string' }, stdin: { type: 'boolean' }, id: { type: 'string' }, tail: { type: 'string' }, all: { type: 'boolean' }, force: { type: 'boolean' } },
  inputNames: values => ({
    'sessions.create': { key: 'KEY', title: '--title', goal: '--goal' },
    'sessions.append': { key: 'KEY', role: '--role', content: values.stdin === true ? 'the message text (stdin)' : '--text', id: '--id' },
    'sessions.show': { key: 'KEY', tail: '--tail' }
  }),
  async run (g, args, values) {
    const listed = 'sessions are listed by `mesh sessions` (--details for each one\'s status)'
    const sub = subcommandOf('session', args[0], ['new', 'append', 'show'], SESSION_USAGE, { list: listed, ls: listed })
    // A subcommand's own usage, not the group's three lines.
    const usage = subUsage(sessionCmd, sub) ?? SESSION_USAGE
    const key = parseSessionKey(need(args, 1, 'session KEY', usage))
    if (sub === 'new') {
      return await withApi(g, async api => {
        const s = await api.call('sessions.create', { key, title: values.title as string | undefined, goal: values.goal as string | undefined })
        if (g.json) out.json(s)
        else {
          out.line(`created session ${key}`)
          const others = s.notSyncedWith ?? []
          if (others.length > 0) out.err(`note: not in sync with ${others.join(', ')} now: if ${others.length === 1 ? 'it' : 'one of them'} made a session ${key} too, the two merge into one once they sync (both transcripts kept, one title and goal)`)
        }
        return 0
      })
    }
    if (sub === 'append') {
      if (values.role === undefined) throw new UsageError(`missing --role (one of ${ROLES.join(', ')}): ${usage}`)
      // Said here in the flag's words: the API's own check names the field, not the flag.
      if (!ROLES.includes(values.role as string)) throw new UsageError(`--role is one of ${ROLES.join(', ')}; got ${JSON.stringify(values.role)}`)
      if ((values.text === undefined) === (values.stdin !== true)) throw new UsageError('give exactly one of --text T or --stdin')
      if (values.id === '') throw new UsageError('--id takes a non-empty id (an unset variable?): the same id on each run of one step, or no --id')
      // This process's stdin, read here: the daemon never reads a terminal.
      const content = values.stdin === true ? await readStdin() : values.text as string
      if (content.length === 0) throw new InvalidInputError('refusing to append an empty message')
      return await withApi(g, async api => {
        const [m] = await api.call('sessions.append', { key, role: values.role as any, content, id: values.id as string | undefined, force: values.force === true })
        if (g.json) out.json(m)
        else {
          // Retried with the same --id: the message is there once, as the first call left it.
          out.line(m?.already === true ? `${key} holds ${m.id} already (an earlier append of it): not added again` : `appended ${m?.id} to ${key}`)
          // An agent's own session: the message stays in mesh (the API says so with the message).
          if (m?.note !== undefined) out.err(`note: ${m.note}`)
        }
        return 0
      })
    }
    const tail = parseCount(values.tail, '--tail')
    if (tail !== undefined && values.all === true) throw new UsageError('give --tail N or --all, not both')
    return await withApi(g, async api => {
      const info = await api.call('sessions.show', { key, tail, all: values.all === true })
      if (g.json) { out.json(info); return 0 }
      printSession(info)
      return 0
    })
  }
}

/** The widest value column session show lines its rows up in (a label and its colon, then a space). */
const MAX_COLUMN = 24

export function printSession (info: View): void {
  const t = info.task
  // One column for every value, the task's own fields' names included, up to MAX_COLUMN: one
  // field named with 2,000 characters pushed every row of the session that far right. A longer
  // name is followed by its value after one space.
  const width = Math.max('last write: '.length, ...Object.keys(t.fields).map(k => k.length + 2).filter(w => w <= MAX_COLUMN))
  // A value of many lines (a goal, a plan) keeps them, each after the first under the column.
  const row = (label: string, value: string): void => {
    const head = `${label}:`
    out.line(`${head.length < width ? head.padEnd(width) : `${head} `}${hanging(value, width)}`)
  }
  row('session', `${info.key}${info.title !== '' ? ` — ${oneLine(info.title)}` : ''}`)
  if (info.goal !== '') row('goal', info.goal)
  row('status', statusWords(info.status, info.lease))
  // More on its way: what follows is what has come so far (its lease, too, may since be released).
  const a = info.arriving
  if (a !== undefined) row('arriving', `from ${a.from}: ${arrivalPortion(a)}; shown as it has come so far (\`mesh peers\` shows the transfer)`)
  const cut = info.incomplete
  if (cut !== undefined) row('incomplete', `${portion(cut.bytesDone, cut.bytesTotal)} came from ${cut.from} before the transfer stopped (${localTime(cut.at)}); shown as it came, the rest follows once the two sync again`)
  // An agent's session whose capturing device holds more of it than mesh: what is shown ends early.
  if (info.capture !== undefined) row('not whole', info.capture.says)
  if (info.lastWriter !== undefined) row('last write', `${localTime(info.lastWriter.ts)} by ${info.lastWriter.label ?? info.lastWriter.device}`)
  if (t.plan !== '') row('plan', t.plan)
  if (t.cwd !== '') row('cwd', t.cwd)
  for (const p of t.progress) row('progress', `${p.text}  (${localTime(p.ts)})`)
  for (const td of t.todos) row('todo', `[${td.done ? 'x' : ' '}] ${td.text}  (${td.id})`)
  if (t.files.length > 0) row('files', t.files.join(', '))
  for (const [k, v] of Object.entries(t.fields)) row(k, String(v))
  row('messages', `${info.messageCount}${info.messages.length < info.messageCount ? ` (last ${info.messages.length} shown; --all for every one)` : ''}`)
  for (const m of info.messages) out.line(formatMessage(m))
}

/** Why a device shows a session without taking its lease (sessions.resume's notWritable). */
const NOT_WRITABLE = { home: 'this home is read-only (opened only to read)', 'read-only': 'read-only device', revoked: 'this device was revoked', expired: 'this device\'s certificate expired' } as const

export const resumeCmd: Command = {
  name: 'resume',
  arity: 1,
  usage: 'mesh resume KEY [--take] [--tail N] [--json]',
  summary: 'everything an agent needs to continue a session (goal, task state, progress, transcript); takes the driver lease (--take: from another device)',
  flags: { '--tail N': 'the transcript\'s last N messages (default 50)' },
  examples: ['mesh resume fix-login', 'mesh resume fix-login --take --json'],
  options: { take: { type: 'boolean' }, tail: { type: 'string' } },
  inputNames: { 'sessions.resume': { key: 'KEY', tail: '--tail' } },
  async run (g, args, values) {
    const key = parseSessionKey(need(args, 0, 'session KEY', this.usage))
    const tail = parseCount(values.tail, '--tail')
    return await withApi(g, async api => {
      const info = await api.call('sessions.resume', { key, take: values.take === true, tail })
      if (g.json) { out.json(info); return 0 }
      if (info.readOnly) out.line(`(${NOT_WRITABLE[info.notWritable ?? 'read-only']}: showing the session without taking the driver lease)`)
      else if (info.tookOverFrom !== undefined) out.line(`took the driver lease over from ${info.tookOverFrom}`)
      printSession(info)
      // An agent's own session: what this prints is for reading; the agent reads its own files.
      const agent = info.agent
      if (agent !== undefined) out.line(`(a ${agent} session: \`mesh agent resume ${info.key}${homeArg(g)}\` writes its files where ${agent} reads them and prints the command that continues it there)`)
      return 0
    })
  }
}

const TASK_USAGE = 'mesh task KEY [--progress T] [--plan T] [--todo-add T]... [--todo-done ID|TEXT]... [--cwd P] [--file P]... [--set k=v]... [--force]'

export const taskCmd: Command = {
  name: 'task',
  arity: 1,
  usage: TASK_USAGE,
  summary: 'update a session\'s task state: plan, progress notes, todos, working directory, files, free fields',
  flags: {
    '--progress T': 'a progress note to add',
    '--plan T': 'the plan',
    '--todo-add T': 'a todo to add (repeat it for several)',
    '--todo-done ID|TEXT': 'a todo now done, by its id (mesh task and mesh session show print it after the todo) or its exact text (one open todo with it); repeat it for several',
    '--set k=v': 'a free field to set (repeat it for several)',
    '--cwd P': 'the working directory',
    '--file P': 'a file touched (repeat it for several)',
    '--force': 'update while another device drives the session'
  },
  examples: [
    'mesh task fix-login --plan "find where the cookie is set" --todo-add "write a test" --todo-add "fix Max-Age"',
    'mesh task fix-login --progress "test reproduces it" --todo-done "write a test"   # a todo by its text, or by its id: mesh task and mesh session show print it after the todo',
    'mesh task fix-login --set branch=fix/cookie --set ticket='
  ],
  options: {
    progress: { type: 'string' },
    plan: { type: 'string' },
    'todo-add': { type: 'string', multiple: true },
    'todo-done': { type: 'string', multiple: true },
    cwd: { type: 'string' },
    file: { type: 'string', multiple: true },
    set: { type: 'string', multiple: true },
    force: { type: 'boolean' }
  },
  inputNames: {
    'sessions.task': { key: 'KEY', plan: '--plan', cwd: '--cwd', progress: '--progress', todoAdd: '--todo-add', todoDone: '--todo-done', files: '--file', fields: '--set' }
  },
  async run (g, args, values) {
    const key = parseSessionKey(need(args, 0, 'session KEY', TASK_USAGE))
    const fields: Record<string, string | null> = {}
    for (const kv of (values.set as string[] | undefined) ?? []) {
      const i = kv.indexOf('=')
      if (i <= 0) throw new UsageError(`--set takes k=v (an empty v removes k), got ${kv}`)
      // Assigned below it set the object's prototype, and the API's schema drops it from a JSON
      // body the same way: the field vanished, and alone it read as "nothing to update".
      if (kv.slice(0, i) === '__proto__') throw new UsageError('--set: a field cannot be named __proto__ (no JavaScript object can hold that name as a field): give it another name')
      const v = kv.slice(i + 1)
      fields[kv.slice(0, i)] = v === '' ? null : v
    }
    const input = {
      key,
      plan: values.plan as string | undefined,
      cwd: values.cwd as string | undefined,
      progress: values.progress as string | undefined,
      todoAdd: values['todo-add'] as string[] | undefined,
      todoDone: values['todo-done'] as string[] | undefined,
      files: values.file as string[] | undefined,
      fields: Object.keys(fields).length > 0 ? fields : undefined,
      force: values.force === true
    }
    if (Object.entries(input).every(([k, v]) => k === 'key' || k === 'force' || v === undefined)) throw new UsageError(`nothing to update: ${TASK_USAGE}`)
    return await withApi(g, async api => {
      const task = await api.call('sessions.task', input)
      if (g.json) { out.json(task); return 0 }
      out.line(`updated the task of ${key}`)
      // A todo of many lines keeps them, each after the first under its text, as session show's rows.
      for (const td of task.todos) out.line(`todo: ${hanging(`[${td.done ? 'x' : ' '}] ${td.text}  (${td.id})`, 'todo: '.length)}`)
      return 0
    })
  }
}

const LEASE_USAGE = 'mesh lease take KEY [--take] | renew KEY | release KEY [--epoch N]'

export const leaseCmd: Command = {
  name: 'lease',
  arity: { take: 2, renew: 2, release: 2 },
  usage: LEASE_USAGE,
  summary: `the driver lease of a session: one device drives it at a time; the holder's appends renew it; it runs out 10 minutes after the last renewal`,
  subSummaries: {
    take: 'make this device the session\'s driver (--take: from another device that holds it)',
    renew: 'keep this device\'s lease for another 10 minutes',
    release: 'give the lease up, so another device may drive the session at once (--epoch N: only the lease of that epoch, as a take printed it with --json; one taken again since stays)'
  },
  examples: ['mesh lease release fix-login', 'mesh lease take fix-login --take', 'epoch=$(mesh lease take fix-login --json | jq .lease.epoch)   # then, done driving:', 'mesh lease release fix-login --epoch "$epoch"                 # that take\'s lease only, not one taken since'],
  options: { take: { type: 'boolean' }, epoch: { type: 'string' } },
  inputNames: {
    'sessions.takeLease': { key: 'KEY' },
    'sessions.renewLease': { key: 'KEY' },
    'sessions.releaseLease': { key: 'KEY', epoch: '--epoch' }
  },
  async run (g, args, values) {
    // Before the key: `mesh lease fix-login` lacks the command, not the key.
    const sub = subcommandOf('lease', args[0], ['take', 'renew', 'release'], LEASE_USAGE)
    const key = parseSessionKey(need(args, 1, 'session KEY', LEASE_USAGE))
    return await withApi(g, async api => {
      if (sub === 'release') {
        const epoch = values.epoch !== undefined ? wholeNumber(values.epoch, '--epoch', 'a lease\'s epoch (a whole number, as `mesh lease take --json` prints it)', Number.MAX_SAFE_INTEGER) : undefined
        const r = await api.call('sessions.releaseLease', { key, ...(epoch !== undefined ? { epoch } : {}) })
        if (g.json) out.json(r)
        else out.line(releaseWords(key, r, epoch))
        return 0
      }
      // Refused: the hint names this command (`mesh lease take KEY --take`), not `mesh resume`.
      const r = sub === 'take' ? await api.call('sessions.takeLease', { key, take: values.take === true }).catch((err: unknown) => { throw leaseHintFor(err, 'mesh lease take') }) : await api.call('sessions.renewLease', { key })
      if (g.json) { out.json(r); return 0 }
      out.line(`this device drives ${key} until ${localTime(r.lease.expiresAt)}${'tookOverFrom' in r && r.tookOverFrom !== undefined ? ` (taken over from ${r.tookOverFrom})` : ''}`)
      return 0
    })
  }
}
