/**
 * What every command gets: parsed global flags, output helpers, and the API. A command talks to
 * the running daemon of its home when one answers (a fast path that loads neither libp2p, Yjs
 * nor the store); otherwise it opens the home in this process for the length of the command.
 * The client does what only it can: it reads its own stdin and files and sends their content.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { setTimeout as pause } from 'node:timers/promises'
import { statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { homedir } from 'node:os'
import { AbortedError, HomeInUseError, HomeNotInitializedError, InvalidInputError, isMeshError, LeaseHeldError, UsageError, WalletMismatchError } from '../errors.js'
import { xdgDir } from '../xdg.js'
import { shellQuote } from '../shell-quote.js'
import type { MeshApi } from '../api/api.js'
import { connectRpc } from '../api/rpc-client.js'
import { printable, type Drawn } from './printable.js'
import { checkHomeForSocket } from './socket-home.js'

export interface Globals { home: string, wallet?: string, json: boolean }

/**
 * The CLI's writers: every byte a command sends to stdout or stderr goes through one of them.
 * Human text is made printable here, whatever it holds (a message, a peer's label, a path, an
 * error's message), so no command can forget to: an escape sequence or a bidi override in it is
 * shown (`^[`, `<U+202E>`), never obeyed. JSON is written exactly as JSON.stringify makes it.
 * Control characters are written on purpose only through `draw`, which takes nothing but what
 * `drawn` made (printable.ts: the program's own sequences and printable text).
 */
export interface Out {
  /** A line of human text on stdout, made printable; with --json, stdout is JSON only: the line (a JSON text) is written as given. */
  line: (s?: string) => void
  /** A JSON value on stdout, indented, exact. */
  json: (v: unknown) => void
  /** A line of human text on stderr, made printable (with --json too: stderr is not the JSON). */
  err: (s: string) => void
  /** A JSON value on one line of stderr, exact: the error --json asks for. */
  jsonErr: (v: unknown) => void
}

/** Set by main once it knows whether --json was given (setJsonOutput). */
let jsonOutput = false

/** With --json, stdout carries JSON only: Out.line writes its lines as given (see Out). */
export function setJsonOutput (json: boolean): void { jsonOutput = json }

/**
 * What a run of many passes by (`skipped`), warns of (`warning`) or is told (`stopping`: Ctrl-C),
 * on stderr: a prose line (`skipped: …`; `stopping` is its own first word, so its message alone),
 * or with --json, which puts no prose on stderr, a JSON line
 * (`{"event":"skipped","path":…,"code":…,"message":…}`), the run's error, if any, still last.
 */
export function sayOnStderr (event: 'skipped' | 'warning' | 'stopping', message: string, fields: Record<string, unknown> = {}): void {
  if (jsonOutput) stdout.jsonErr({ event, ...fields, message })
  else stdout.err(event === 'stopping' ? message : `${event}: ${message}`)
}

/** Whether --json was given: progress, which is prose, is not shown then. */
export const jsonOutputOn = (): boolean => jsonOutput

export const stdout: Out = {
  line: (s = '') => { process.stdout.write((jsonOutput ? s : printable(s)) + '\n') },
  json: (v) => { process.stdout.write(JSON.stringify(v, null, 2) + '\n') },
  err: (s) => { process.stderr.write(printable(s) + '\n') },
  jsonErr: (v) => { process.stderr.write(JSON.stringify(v) + '\n') }
}

/** Writes what `drawn` made (a live line's erase and its printable text) to stdout or stderr: the one writer that passes control characters. */
export function draw (to: 'stdout' | 'stderr', s: Drawn): void {
  (to === 'stdout' ? process.stdout : process.stderr).write(s)
}

const warnedWallets = new Set<string>()
/**
 * The wallet --wallet, $MESH_WALLET or a default path names (resolveWallet), said on stderr when
 * others on this machine can read it: whoever read it can certify devices as yours and open your
 * vault. Said once per file and command, with --json too (stderr is not the JSON).
 */
export async function userWallet (path: string | undefined): Promise<import('../identity/wallet.js').Wallet | undefined> {
  const w = await (await import('../api/wallet.js')).resolveWallet({ path })
  if (w?.readableBy !== undefined && w.path !== undefined && !warnedWallets.has(w.path)) {
    warnedWallets.add(w.path)
    stdout.err(`warning: wallet ${w.path} can be read by ${w.readableBy === 'others' ? 'every user of this machine' : 'its group'}: whoever reads it can certify devices as yours and open your vault. Run \`chmod 600 ${w.path}\``)
  }
  return w
}

/** The default home, computed here too so the daemon path never loads the store. */
function defaultHome (): string {
  if (process.env.MESH_HOME !== undefined && process.env.MESH_HOME !== '') return resolve(process.env.MESH_HOME)
  return join(xdgDir(process.env.XDG_DATA_HOME, join(homedir(), '.local', 'share')), 'mesh')
}

/** ` --home DIR` for a command to print, or nothing when DIR is the default home. */
export function homeArg (g: Globals): string {
  return g.home === resolve(defaultHome()) ? '' : ` --home ${shellQuote(g.home)}`
}

/** A path flag given '' (a script's unset "$VAR") is refused, not taken as the working directory. */
export function refuseEmpty (flag: string, value: string | undefined, what: string): void {
  if (value === '') throw new UsageError(`--${flag} was given an empty value: give ${what} (an unset variable in a script gives '')`)
}

export function globalsFrom (values: { home?: string, wallet?: string, json?: boolean }): Globals {
  // An empty value (a script's unset "$VAR") is not the working directory: mesh init there made it a home.
  refuseEmpty('home', values.home, 'the directory')
  refuseEmpty('wallet', values.wallet, 'the wallet file')
  const home = resolve(values.home ?? defaultHome())
  checkHomePath(home, values.home !== undefined ? '--home' : process.env.MESH_HOME !== undefined && process.env.MESH_HOME !== '' ? '$MESH_HOME' : 'the home')
  return { home, wallet: values.wallet, json: values.json === true }
}

/**
 * A home is a directory, made when missing: one that is a file, or under a file, is bad input
 * (exit 2) said as such, before a command fails on it with a bare ENOTDIR. Other errors (a
 * folder that may not be read) are left to the command that meets them.
 */
function checkHomePath (home: string, named: string): void {
  for (let p = home; ; p = dirname(p)) {
    try {
      if (statSync(p).isDirectory()) return
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if ((code === 'ENOENT' || code === 'ENOTDIR') && dirname(p) !== p) continue
      return
    }
    throw new InvalidInputError(p === home
      ? `${named} ${home} is a file, not a directory: give the folder mesh keeps this machine's state in (mesh join, init and pair make it when missing)`
      : `${named} ${home} cannot be made: ${p} is a file, not a directory`, { home })
  }
}

export interface ApiSession {
  api: MeshApi
  mode: 'daemon' | 'in-process'
  /** The in-process host, when this command opened the home itself. */
  host?: import('../api/host.js').Host
  close: () => Promise<void>
}

/** How long a command waits for another short command holding the home to finish. */
const LOCK_WAIT_MS = 10_000

/**
 * Runs `open` (which takes the home's lock) again while a short command holds the home, for up to
 * LOCK_WAIT_MS: what every command does before it holds the home itself. A daemon's lock is not
 * waited for: `isDaemon` tells one (it answers on the home's socket).
 */
export async function whenHomeFree<T> (open: () => Promise<T>, isDaemon: () => Promise<boolean> = async () => false, signal?: AbortSignal, busy?: (err: HomeInUseError) => void): Promise<T> {
  const started = Date.now()
  let said = false
  for (;;) {
    try {
      return await open()
    } catch (err) {
      if (!(err instanceof HomeInUseError) || Date.now() - started > LOCK_WAIT_MS || await isDaemon()) throw err
      // Told once that this wait begins (a front-end that would otherwise say nothing for seconds).
      if (!said) { said = true; busy?.(err) }
      await pause(100, undefined, { signal }).catch(() => { throw AbortedError.ofWait('the home', signal, { home: err.details.home }) })
    }
  }
}

/** `signal` ends a wait for the home (AbortedError); `busy` is told when one begins (another process holds the home). */
export interface HomeWait { signal?: AbortSignal, busy?: (err: HomeInUseError) => void }

/**
 * The API for this home: the daemon's when one answers, else the home opened in this process for
 * the length of one command (long-running front-ends use DaemonFollower and never hold it).
 *
 * Opened here, the home is this process's one at a time, in the order asked (HomeTurns): calls
 * of one process that overlap (a burst from `mesh mcp`) run one after another on one opening of
 * the home, closed once none waits, instead of each polling for the lock this process holds.
 */
export async function apiFor (g: Globals, options: HomeWait = {}): Promise<ApiSession> {
  const { signal, busy } = options
  // In line first, before anything that takes a while: the turns go in the order asked.
  const turns = HomeTurns.of(g.home)
  // Asked again from inside its own turn (a call within withApi's fn): that turn's session, which
  // its owner closes (waiting for a turn there would wait for ever).
  const mine = heldTurns.getStore()?.get(g.home)
  if (mine !== undefined && !mine.ended) return { ...mine.session, close: async () => {} }
  await turns.take(signal)
  try {
    // A wallet named on the command line is read either way, and must be the home's: a bad or a
    // foreign one is said the same with a daemon running as without (the daemon does not use it).
    const named = g.wallet !== undefined ? await userWallet(g.wallet) : undefined
    // Kept open by the one before in line: no daemon runs meanwhile (this process holds the home).
    const kept = await turns.kept(g.wallet)
    if (kept !== undefined) return turns.lend(kept)
    // Another process's short command holds the home for a moment: wait for it (or for a daemon
    // to answer, asked again before each try).
    const s = await whenHomeFree(async () => {
      const rpc = await connectRpc(g.home, { signal })
      if (rpc === undefined) return await openHere(g, named)
      if (named !== undefined) {
        const home = (await rpc.call('node.status', {})).wallet
        if (home !== named.address) {
          await rpc.close()
          throw WalletMismatchError.forHome(g.home, home, named)
        }
      }
      const daemon: ApiSession = { api: rpc, mode: 'daemon', close: async () => { await rpc.close() } }
      return daemon
    }, undefined, signal, busy)
    if (s.mode === 'daemon') { turns.release(); return s }
    return turns.lend(turns.keep(s, g.wallet))
  } catch (err) {
    await turns.fail()
    throw err
  }
}

/** The home as this process opened it, with the wallet flag it was opened with. */
interface Opened { session: ApiSession, wallet: string | undefined }

/**
 * One process's use of a home it opens itself: one user at a time, in the order asked (the
 * home's lock is the process's, so users in one process must take turns rather than poll it);
 * the opening is handed from one to the next in line and closed when no one waits, so another
 * process (`mesh join`) can take the home between bursts.
 */
class HomeTurns {
  private static readonly all = new Map<string, HomeTurns>()
  static of (home: string): HomeTurns {
    let t = HomeTurns.all.get(home)
    if (t === undefined) { t = new HomeTurns(home); HomeTurns.all.set(home, t) }
    return t
  }

  private constructor (private readonly home: string) {}

  private busy = false
  private readonly line: Array<() => void> = []
  private opened: Opened | undefined

  /** Resolves once it is the caller's turn; AbortedError (out of the line) once `signal` aborts before. */
  async take (signal?: AbortSignal): Promise<void> {
    const stopped = (): AbortedError => AbortedError.ofWait('the home', signal, { home: this.home })
    if (signal?.aborted === true) throw stopped()
    if (!this.busy && this.line.length === 0) { this.busy = true; return }
    await new Promise<void>((resolve, reject) => {
      const turn = (): void => { signal?.removeEventListener('abort', leave); resolve() }
      const leave = (): void => {
        const at = this.line.indexOf(turn)
        if (at >= 0) this.line.splice(at, 1)
        reject(stopped())
      }
      this.line.push(turn)
      signal?.addEventListener('abort', leave, { once: true })
    })
  }

  release (): void {
    const next = this.line.shift()
    if (next !== undefined) next() // busy stays set: the turn passes on
    else this.busy = false
  }

  /**
   * A turn that ended in an error before its holder got the home (its --wallet gone meanwhile,
   * say): the opening handed to it is closed when no one else waits, or nobody would ever close
   * it and the home stayed locked for as long as this process runs (`mesh mcp`).
   */
  async fail (): Promise<void> {
    const o = this.opened
    if (o === undefined) { this.release(); return }
    // As its holder's close would: passed on to the next in line, else closed. The turn's own
    // error is the one to tell; a close that fails too leaves nothing to undo here (the turn is released).
    await this.lend(o).close().catch(() => {})
  }

  /** The opening left by the one before in line, if it was made with `wallet` (else it is closed now). */
  async kept (wallet: string | undefined): Promise<Opened | undefined> {
    const o = this.opened
    if (o === undefined || o.wallet === wallet) return o
    this.opened = undefined
    await o.session.close()
    return undefined
  }

  keep (session: ApiSession, wallet: string | undefined): Opened {
    this.opened = { session, wallet }
    return this.opened
  }

  /** The opening for the turn's holder: its close passes the turn on, and closes the home when no one waits. */
  lend (o: Opened): ApiSession {
    let closed = false
    return {
      ...o.session,
      close: async () => {
        if (closed) return
        closed = true
        if (this.line.length > 0 && this.opened === o) { this.release(); return }
        if (this.opened === o) this.opened = undefined
        try { await o.session.close() } finally { this.release() }
      }
    }
  }
}

/** The in-process turns the current call holds, by home (see apiFor). */
const heldTurns = new AsyncLocalStorage<Map<string, { session: ApiSession, ended: boolean }>>()

/** `given`: the wallet --wallet named, already read. */
async function openHere (g: Globals, given?: Awaited<ReturnType<typeof userWallet>>): Promise<ApiSession> {
  const { hostHome } = await import('../api/host.js')
  const { isInitialized } = await import('../store/index.js')
  let wallet = given
  const initialized = await isInitialized(g.home)
  // A wallet given sets it up again (or is refused for another's: enrol()).
  if (!initialized && given === undefined) await (await import('../node/enrol.js')).refuseIfCertificateLost(g.home)
  // Only a wallet the user named sets a home up here. One merely found at a default path would
  // make a mistyped --home (or $MESH_HOME) a new admin device of the vault, from `mesh status`.
  const named = (await import('../api/wallet.js')).namedWalletPath({ path: g.wallet }) !== undefined
  if (!initialized && !named) {
    throw new HomeNotInitializedError(`home ${g.home} is not set up: check --home and $MESH_HOME, or set this machine up with \`mesh init${homeArg(g)}\` or \`mesh join${homeArg(g)}\` (they use your wallet, or generate one if you have none); --wallet PATH sets it up with that wallet`, { home: g.home })
  }
  // Set up by this command: refused first where its daemon could not bind its socket, as `mesh init` refuses it.
  if (!initialized) checkHomeForSocket(g.home)
  if (wallet === undefined && !initialized) wallet = await userWallet(g.wallet)
  if (wallet === undefined && !initialized) {
    throw new HomeNotInitializedError(`home ${g.home} is not set up yet and no wallet was found: run \`mesh init\` (it generates a wallet if you have none) or pass --wallet PATH`, { home: g.home })
  }
  if (wallet?.path !== undefined && !g.json) stdout.err(`(wallet: ${wallet.path})`)
  // A home that cannot be written (a backup mounted read-only) is opened to read: the commands
  // that only read work, and every one that would write is refused with HOME_READ_ONLY.
  const host = await hostHome({ home: g.home, wallet, serve: false, node: false, readIfNotWritable: true })
  // Said, as `mesh init` says it: a command given --wallet on a home that was not set up made it
  // a new device of the vault, which it did with only "(wallet: …)" to show for it.
  if (!initialized && !g.json) stdout.err(`(home ${g.home} was not set up: it is now a device of wallet ${host.vault.info().wallet}, as \`mesh init${homeArg(g)}\` would have made it)`)
  return { api: host.api, mode: 'in-process', host, close: host.close }
}

/** Runs fn with the API, closing it after; `signal` ends a wait for the home (AbortedError) before fn runs. */
export async function withApi<T> (g: Globals, fn: (api: MeshApi, s: ApiSession) => Promise<T>, options: HomeWait = {}): Promise<T> {
  const s = await apiFor(g, options)
  const held = { session: s, ended: false }
  try {
    if (s.mode === 'daemon') return await fn(s.api, s)
    const turns = new Map(heldTurns.getStore())
    turns.set(g.home, held)
    return await heldTurns.run(turns, async () => await fn(s.api, s))
  } finally {
    held.ended = true
    await s.close()
  }
}

/** Resolves on SIGINT/SIGTERM, or when `also` resolves. */
export function untilStopped (also?: Promise<unknown>): Promise<void> {
  return new Promise<void>(resolve => {
    // Signal listeners alone do not keep Node's event loop alive: this timer does, until stop.
    const keepAlive = setInterval(() => {}, 1 << 30)
    const stop = (): void => { clearInterval(keepAlive); process.off('SIGINT', stop); process.off('SIGTERM', stop); resolve() }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
    also?.then(stop, stop)
  })
}

/**
 * A LEASE_HELD from the API names `mesh resume KEY --take`; a command that takes the lease its
 * own way (`mesh lease take`, `mesh agent resume`) names itself instead, with `rest` (its own
 * arguments). Any other error is returned as it is.
 */
export function leaseHintFor (err: unknown, command: string, rest = ''): unknown {
  if (!isMeshError(err) || err.code !== 'LEASE_HELD') return err
  const named = (text: string): string => text.replace(/`mesh resume (\S+) --take`/, `\`${command} $1${rest} --take\``)
  // The hint phrased for the CLI is the one that names a command; what happened stays as it was.
  if (err.hint?.cli === undefined) return new LeaseHeldError(named(err.message), err.details, { cause: err })
  return new LeaseHeldError(err.fact, err.details, { cause: err, hint: { ...err.hint, cli: named(err.hint.cli) } })
}

/** Made once per process: the first costs 15-30 ms here (ICU's zone data), each one after ~0.1 ms. */
let timeFormat: Intl.DateTimeFormat | undefined

/** `2026-12-01 14:03:07 CET`: a time in this machine's zone, with the zone. */
export function localTime (ts: number): string {
  const d = new Date(ts)
  // Past a Date's range (±8.64e15 ms) formatting throws: said as the number it is.
  if (Number.isNaN(d.getTime())) return `${String(ts)} ms`
  timeFormat ??= new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'short' })
  const parts = timeFormat.formatToParts(d)
  const p = (t: string): string => parts.find(x => x.type === t)?.value ?? ''
  return `${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')}:${p('second')} ${p('timeZoneName')}`
}

/** `this device was revoked by alpha at 2026-12-01 14:03:07 CET (stolen)`: said one way by every command. */
export function revokedWords (r: { by: readonly string[], at: number, reason: string }): string {
  return `this device was revoked by ${r.by.join(', ')} at ${localTime(r.at)}${r.reason !== '' ? ` (${r.reason})` : ''}`
}

/**
 * What a revoked device wrote that no other device takes (beyond its revocation's cutoff: written
 * after it, before the device knew, or never sent before it), said one way by `mesh status` and
 * `mesh join`: how many entries, in which documents, and how to copy them out (they stay readable
 * on this device only).
 */
export function notTakenWords (w: { entries: number, documents: readonly string[] }): string {
  const shown = w.documents.slice(0, 5).join(', ') + (w.documents.length > 5 ? ` and ${w.documents.length - 5} more` : '')
  return `${w.entries} ${w.entries === 1 ? 'entry' : 'entries'} this device wrote no other device will take (in ${shown}: written after it was revoked, or never sent before); they stay readable only here: copy them out (\`mesh session show KEY --all\`, \`mesh memory get KEY\`, \`mesh skills show NAME\`)`
}

/**
 * Asks a yes/no question on stderr and reads one line of this process's stdin: yes only for
 * "y" or "yes"; closed or empty input is no, so a script without a terminal never hangs here.
 */
export async function askYesNo (question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline')
  // The question names a device's label (mesh devices approve): printable, as every line is.
  process.stderr.write(printable(`${question} [y/N] `))
  const rl = createInterface({ input: process.stdin, terminal: false })
  try {
    for await (const line of rl) return /^y(es)?$/i.test(line.trim())
    return false
  } finally {
    rl.close()
    // A terminal echoed the answer and its newline; piped input did not: what follows starts a line.
    if (process.stdin.isTTY !== true) process.stderr.write('\n')
  }
}
