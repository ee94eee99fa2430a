/**
 * Hermes's curated memory files (NousResearch/hermes-agent tools/memory_tool.py):
 * `$HERMES_HOME/memories/MEMORY.md` and `USER.md`, entries joined by "\n§\n" (no trailing
 * newline), each entry trimmed, empty ones dropped, duplicates kept once; the joined text is
 * capped at 2,200 (MEMORY.md) and 1,375 (USER.md) characters by default, or what the user set in
 * `config.yaml` (`memory: {memory_char_limit, user_char_limit}`). Hermes writes them
 * holding an exclusive flock on `<file>.lock` and replaces them atomically, and refuses its own
 * writes when a file does not round-trip through that parser ("drift", hermesDrift): mesh writes
 * the same way, under the same lock, and leaves a drifted file alone, saying what drifted.
 */
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { mkdirDurable } from '../store/files.js'
import { InternalError, InvalidInputError } from '../errors.js'
import { replaceFile } from './replace-file.js'
import { hermesHome } from './hermes/home.js'

export const ENTRY_DELIMITER = '\n§\n'
export const HERMES_MEMORY_FILES = { MEMORY: 2200, USER: 1375 } as const
export type HermesMemoryFile = keyof typeof HERMES_MEMORY_FILES

const CAP_KEYS: Record<HermesMemoryFile, string> = { MEMORY: 'memory_char_limit', USER: 'user_char_limit' }

/**
 * The caps Hermes applies: `memory.memory_char_limit` and `memory.user_char_limit` of
 * `$HERMES_HOME/config.yaml` where set to a positive integer, else the defaults. Only those two
 * scalars are taken from the file (it may hold provider keys too: nothing else is kept).
 */
export async function hermesMemoryCaps (env: NodeJS.ProcessEnv = process.env): Promise<Record<HermesMemoryFile, number>> {
  const caps = { ...HERMES_MEMORY_FILES } as Record<HermesMemoryFile, number>
  let text: string
  try { text = await readFile(join(hermesHome(env), 'config.yaml'), 'utf8') } catch (err: any) { if (err?.code === 'ENOENT') return caps; throw err }
  const memory = yamlSection(text, 'memory')
  for (const file of Object.keys(caps) as HermesMemoryFile[]) {
    const v = memory[CAP_KEYS[file]]
    if (v !== undefined && /^\d+$/.test(v) && Number(v) > 0) caps[file] = Number(v)
  }
  return caps
}

/**
 * The scalar members of one top-level mapping of a YAML file, block style (`memory:` then
 * indented `key: value` lines) or flow style (`memory: {key: value, …}`). Enough for two
 * integers; not a YAML parser.
 */
export function yamlSection (text: string, name: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split(/\r?\n/)
  const scalar = (v: string): string => v.replace(/\s+#.*$/, '').trim().replace(/^(['"])(.*)\1$/, '$2')
  for (let i = 0; i < lines.length; i++) {
    const m = new RegExp(`^${name}:\\s*(.*)$`).exec(lines[i] as string)
    if (m === null) continue
    const rest = (m[1] as string).replace(/^#.*$/, '').trim()
    if (rest.startsWith('{')) {
      for (const part of rest.replace(/^\{|\}\s*(#.*)?$/g, '').split(',')) {
        const kv = /^\s*([A-Za-z0-9_]+)\s*:\s*(.*)$/.exec(part)
        if (kv !== null) out[kv[1] as string] = scalar(kv[2] as string)
      }
      return out
    }
    let indent: number | undefined
    for (let j = i + 1; j < lines.length; j++) {
      const l = lines[j] as string
      if (l.trim() === '' || /^\s*#/.test(l)) continue
      const ind = l.length - l.trimStart().length
      if (ind === 0) break
      indent ??= ind
      if (ind !== indent) continue // deeper levels: not a scalar of this mapping
      const kv = /^\s*([A-Za-z0-9_]+)\s*:\s*(.*)$/.exec(l)
      if (kv !== null && kv[2] !== '') out[kv[1] as string] = scalar(kv[2] as string)
    }
    return out
  }
  return out
}

export function hermesMemoryPath (file: HermesMemoryFile, env: NodeJS.ProcessEnv = process.env): string {
  return join(hermesHome(env), 'memories', `${file}.md`)
}

export function parseEntries (text: string): string[] {
  if (text.trim() === '') return []
  const out: string[] = []
  for (const e of text.split(ENTRY_DELIMITER).map(s => s.trim())) if (e !== '' && !out.includes(e)) out.push(e)
  return out
}

export function formatEntries (entries: readonly string[]): string { return entries.join(ENTRY_DELIMITER) }

/** Characters as Python counts them (code points) of the joined file. */
export function charCount (entries: readonly string[]): number { return [...formatEntries(entries)].length }

/**
 * Whether Hermes's drift guard takes the file as its memory tool's own (roundTrips), and if not,
 * the first thing that makes it drift, in words. Hermes (`_detect_external_drift`) compares the
 * file, stripped, with its entries, each stripped, empty ones dropped, joined by "\n§\n"
 * (duplicates kept: it drops them when it next writes): so whitespace at the file's start or end
 * (an editor's last newline) is no drift, while an empty entry, or whitespace at an entry's start
 * or end inside the file (a blank line or a space beside a § line), is.
 */
export function hermesDrift (text: string): string | undefined {
  if (text.trim() === '') return undefined
  const parts = text.split(ENTRY_DELIMITER)
  // The line of the § of the separator before parts[i] (i >= 1).
  const sepLine: number[] = []
  let lines = 1
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) { sepLine[i] = lines + 1; lines += 2 }
    const part = parts[i] as string
    for (const c of part) if (c === '\n') lines++
  }
  const last = parts.length - 1
  for (let i = 0; i <= last; i++) {
    const part = parts[i] as string
    if (part.trim() === '') {
      if (i === 0) return `an empty entry before the § on line ${String(sepLine[1])}, at the start of the file`
      if (i === last) return `an empty entry after the § on line ${String(sepLine[i])}, at the end of the file`
      return `an empty entry between the § on line ${String(sepLine[i])} and the one on line ${String(sepLine[i + 1])}`
    }
    const lead = /^\s+/.exec(part)?.[0]
    if (i > 0 && lead !== undefined) return `the entry after the § on line ${String(sepLine[i])} starts with ${spaceWords(lead)}`
    const trail = /\s+$/.exec(part)?.[0]
    if (i < last && trail !== undefined) return `the entry before the § on line ${String(sepLine[i + 1])} ends with ${spaceWords(trail)}`
  }
  return undefined
}

function spaceWords (ws: string): string {
  return ws.includes('\n') ? 'a blank line' : ws.includes('\t') ? 'a tab' : ws.length === 1 ? 'a space' : 'spaces'
}

/** Whether Hermes's drift guard takes the file as written by its memory tool (hermesDrift). */
export function roundTrips (text: string): boolean { return hermesDrift(text) === undefined }

/**
 * Whether an entry stays one entry wherever it is put in a file: it holds no separator, and does
 * not end in "\n§" (the separator after it would read as one, and the rest as an entry "§…").
 * An entry that cannot is never written: the file would fail Hermes's round-trip check, and
 * Hermes refuses its own memory writes until the user mends it.
 */
export function separable (entry: string): boolean { return !entry.includes(ENTRY_DELIMITER) && !entry.endsWith('\n§') }

/**
 * Whether the file of these entries reads back as the same entries. roundTrips() of the text is
 * not enough: ['a\n§', 'b'] is written as text that reads back as ['a', '§\nb'] and writes the
 * same text again.
 */
export function readsBack (entries: readonly string[]): boolean {
  const back = parseEntries(formatEntries(entries))
  return back.length === entries.length && back.every((e, i) => e === entries[i])
}

/** The file's text; undefined when there is none (Hermes writes an empty file once every entry is removed). */
export async function readMemoryFile (path: string): Promise<string | undefined> {
  try { return await readFile(path, 'utf8') } catch (err: any) { if (err?.code === 'ENOENT') return undefined; throw err }
}

/** Writes the entries atomically (temp, fsync, rename), as Hermes's own writer does, keeping the file's mode. */
export async function writeMemoryFile (path: string, entries: readonly string[]): Promise<void> {
  // The caller leaves out entries that would not; this is the last guard before Hermes's file.
  if (!readsBack(entries)) throw new InternalError(`the entries for ${path} would not read back as the same entries: not written`, { path })
  await replaceFile(path, formatEntries(entries), { mode: 0o600 })
}

/**
 * Runs `fn` while holding an exclusive flock on `lockPath`, the lock Hermes takes. Node has no
 * flock, so a helper process takes it and holds it until told to let go: python3 (which Hermes
 * itself needs), else util-linux `flock`. Gives up after `timeoutMs` with a clear error.
 */
export async function withFlock<T> (lockPath: string, fn: () => Promise<T>, opts: { timeoutMs?: number } = {}): Promise<T> {
  const secs = Math.max(0, (opts.timeoutMs ?? 10_000) / 1000)
  const py = 'import fcntl,sys,time\nf=open(sys.argv[1],"a+")\nend=time.time()+float(sys.argv[2])\nwhile True:\n  try:\n    fcntl.flock(f,fcntl.LOCK_EX|fcntl.LOCK_NB);break\n  except OSError:\n    if time.time()>end: sys.exit(3)\n    time.sleep(0.05)\nsys.stdout.write("locked\\n");sys.stdout.flush()\nsys.stdin.read()\n'
  // Exit codes that mean "still held when the time ran out": the script's 3, flock(1)'s 1.
  const tries: Array<[string, string[], number]> = [['python3', ['-c', py, lockPath, String(secs)], 3], ['flock', ['-x', '-w', String(secs), lockPath, 'sh', '-c', 'echo locked; cat >/dev/null'], 1]]
  // Hermes makes the folder before it locks; so does mesh (a first sync on a new machine). Durably:
  // writeMemoryFile finds the folder there and syncs only the folder, not its entry in the parent.
  await mkdirDurable(dirname(lockPath), 0o700)
  for (const [bin, args, busyCode] of tries) {
    const held = await hold(bin, args, busyCode)
    if (held === 'missing') continue
    if (held === 'timeout') throw new InvalidInputError(`${lockPath} is held by another process (Hermes writing its memory?) for more than ${secs} s: try again`, { path: lockPath })
    try {
      return await fn()
    } finally {
      await held.release()
    }
  }
  throw new InvalidInputError('cannot take Hermes\'s memory lock: neither python3 nor flock(1) is installed')
}

async function hold (bin: string, args: string[], busyCode: number): Promise<'missing' | 'timeout' | { release: () => Promise<void> }> {
  return await new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    let done = false
    const closed = new Promise<void>(r => child.on('close', () => r()))
    child.on('error', (e: NodeJS.ErrnoException) => { if (done) return; done = true; if (e.code === 'ENOENT') resolve('missing'); else reject(e) })
    child.stderr.on('data', (d: Buffer) => { err += d.toString() })
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (!done && out.includes('locked\n')) {
        done = true
        resolve({ release: async () => { child.stdin.end(); await closed } })
      }
    })
    child.on('close', (code) => {
      if (done) return
      done = true
      if (code === busyCode) resolve('timeout')
      else reject(new Error(`${bin} exited ${String(code)} before taking the lock: ${err.trim()}`))
    })
  })
}
