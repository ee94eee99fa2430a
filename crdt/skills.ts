/**
 * The skills document: name -> manifest. A skill file is Markdown with an optional front matter
 * block (YAML between `---` lines: `name:`, `version:`, `description:`), the format agent skills use.
 * `text` keeps the SKILL.md exactly as given and `files` the other files of its AgentSkills
 * folder (references/, scripts/…), so a skill projected into an agent's skills directory is
 * byte for byte the one captured (skills written before these fields have only `body`).
 * `removed` (name -> tombstone) remembers what a removed skill was (its folder's hash), so a
 * machine whose copy is that very folder deletes it rather than capturing it back; adding the
 * name again clears it, and a skill present in `skills` wins over its tombstone (a removal
 * concurrent with an edit keeps the edit). Concurrent adds of one name resolve to the newest by
 * (updatedAt, device), written back by a device that held it (crdt/newest.ts).
 */
import { createHash } from 'node:crypto'
import { basename, dirname, extname } from 'node:path'
import { parseDocument } from 'yaml'
import * as Y from 'yjs'
import { InvalidInputError } from '../src/errors.js'
import { isCarriedSkillPath, isSkillCategory, isSkillFilePath, isSkillName } from './paths.js'
import { copyOf, SHAPES } from './validate.js'
import { stampAfter } from './newest.js'

export interface Skill {
  name: string
  version: string
  description: string
  body: string
  source: string
  hash: string
  updatedAt: number
  device: string
  /** The SKILL.md as given, byte for byte (its UTF-8 text). */
  text?: string
  /** The folder's other files, '/'-separated paths relative to it. */
  files?: SkillFile[]
  /** Hermes's category folder it was captured from (`skills/<category>/<name>`); absent for the others' and older skills. */
  category?: string
}

/** `exec`: the file is executable (a script of the skill), so it is written back with x bits. */
export interface SkillFile { path: string, text: string, enc?: 'base64', exec?: boolean }

/**
 * What a removed skill was: `folder` is folderHash() of its carried files (carriedFolder) when it
 * was removed; a tombstone an older mesh wrote hashed all of them.
 */
export interface SkillTombstone { name: string, hash: string, folder: string, removedAt: number, device: string }

/** A skill's files by '/'-path ('SKILL.md' included), bytes as on disk; executable ones in `exec`. */
export interface SkillFolder { data: Map<string, Buffer>, exec: Set<string> }

/** The folder a skill projects to: its SKILL.md (text, else body) and its other files. */
export function skillFolder (s: Pick<Skill, 'body' | 'text' | 'files'>): SkillFolder {
  const out: SkillFolder = { data: new Map([['SKILL.md', Buffer.from(s.text ?? s.body, 'utf8')]]), exec: new Set() }
  for (const f of s.files ?? []) {
    out.data.set(f.path, f.enc === 'base64' ? Buffer.from(f.text, 'base64') : Buffer.from(f.text, 'utf8'))
    if (f.exec === true) out.exec.add(f.path)
  }
  return out
}

/**
 * A skill's files as mesh carries them from a folder (crdt/paths.ts isCarriedSkillPath): `held`
 * are the paths a skill in mesh holds that the rule leaves out (a `.env`, `.git/…`, `node_modules/…`
 * an older mesh's `agent skills sync` sent, or a caller of skills.add named). Sync neither writes
 * them into a folder nor compares them, so a folder (which is read without them) is the same skill.
 */
export function carriedFolder (f: SkillFolder): { carried: SkillFolder, held: string[] } {
  const carried: SkillFolder = { data: new Map(), exec: new Set() }
  const held: string[] = []
  for (const [p, b] of f.data) {
    if (p !== 'SKILL.md' && !isCarriedSkillPath(p)) { held.push(p); continue }
    carried.data.set(p, b)
    if (f.exec.has(p)) carried.exec.add(p)
  }
  return { carried, held: held.sort() }
}

/** sha256 hex over each file, path-sorted: `path NUL (x|-) NUL length NUL bytes`. */
export function folderHash (f: SkillFolder): string {
  const h = createHash('sha256')
  for (const p of [...f.data.keys()].sort()) {
    const b = f.data.get(p) as Buffer
    h.update(`${p}\0${f.exec.has(p) ? 'x' : '-'}\0${b.length}\0`).update(b)
  }
  return h.digest('hex')
}

export const MAX_SKILL_BYTES = 512 * 1024
/** Standard base64, padded (what Buffer#toString('base64') writes). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/**
 * A SKILL.md's bytes as its text, refused (naming `file`) when they are not UTF-8: decoded with
 * U+FFFD in place of what is not, the skill stored and written back to the agents' folders would
 * be another file. A byte order mark is kept, as every other byte.
 */
export function skillText (bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch {
    let line = 1
    let start = 0
    for (let nl = bytes.indexOf(0x0a); ; nl = bytes.indexOf(0x0a, start)) {
      const end = nl < 0 ? bytes.length : nl
      try { new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(start, end)) } catch { break }
      if (nl < 0) break
      start = nl + 1
      line++
    }
    throw new InvalidInputError(`${file} is not UTF-8 text (line ${line} holds bytes that are not): a skill's SKILL.md is Markdown, kept byte for byte as text; convert it to UTF-8 (e.g. iconv -f LATIN1 -t UTF-8) and add it again`, { path: file, line })
  }
}

/**
 * A skill file read from disk (`path`, absolute) as what `skills.add` takes: its text (skillText:
 * UTF-8 or refused) and the name it goes by when its front matter names none, its folder's (a
 * SKILL.md) or its own; its front matter read here too (parseSkill), so that a refusal (a name
 * that is none) names the file. `mesh skills add` and SkillsApi.addFile both read it so.
 */
export function skillFile (bytes: Uint8Array, path: string): { text: string, name: string } {
  const text = skillText(bytes, path)
  const name = basename(path).toUpperCase() === 'SKILL.MD' ? basename(dirname(path)) : basename(path, extname(path))
  try { parseSkill(text, name) } catch (err) {
    if (err instanceof InvalidInputError) throw new InvalidInputError(`${path}: ${err.fact}`, { path, ...err.details }, { cause: err })
    throw err
  }
  return { text, name }
}

/**
 * `fallbackName`: the name when the front matter has none (a file's or folder's); without one, a
 * skill must name itself. The front matter is YAML (as the agents read it), each value taken as the
 * text written: `version: 1.0` is "1.0", `description: |` the indented lines after it, quoted
 * values unquoted and unescaped; a field that is a list or a map is none given. Keys are matched
 * whatever their case (as mesh always read them). Front matter that is not YAML (a description
 * holding an unquoted ": ", often written, which agents load) or not a map is read line by line, as
 * mesh read every front matter before: `key: rest of the line`. Nothing is refused for its front
 * matter but a name that is none: the SKILL.md is kept byte for byte either way (`text`), and the
 * same text gives the same name on every device. The front matter is the text's start, but for a
 * UTF-8 byte order mark before it.
 */
export function parseSkill (text: string, fallbackName?: string): Pick<Skill, 'name' | 'version' | 'description' | 'body'> {
  let body = text
  let fields = new Map<string, string>()
  // A byte order mark before the first `---` (editors on Windows write one) is no text before it: it
  // stays in `text` as every byte does, and is not part of the body.
  const fm = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(text)
  if (fm !== null) {
    body = text.slice(fm[0].length)
    fields = yamlFields(fm[1] as string) ?? lineFields(fm[1] as string)
  }
  const field = (key: string): string | undefined => { const v = fields.get(key); return v === '' ? undefined : v }
  const name = field('name') ?? fallbackName
  if (name === undefined) throw new InvalidInputError('the skill has no name: give its front matter a `name:` line, or pass a name')
  if (!isSkillName(name)) throw new InvalidInputError(`invalid skill name ${JSON.stringify(name)}: 1 to 64 of A-Z a-z 0-9 . _ -, not starting with a dot`)
  return { name, version: field('version') ?? '0.0.0', description: field('description') ?? '', body }
}

/** The front matter's text fields by lower-cased key (later keys win), or undefined when it is no YAML map. */
function yamlFields (src: string): Map<string, string> | undefined {
  // failsafe: every scalar is the text written (1.0 stays "1.0", no null or true), nothing resolved by tags.
  const doc = parseDocument(src, { schema: 'failsafe', prettyErrors: false, uniqueKeys: true })
  if (doc.errors.length > 0) return undefined
  let value: unknown
  try { value = doc.toJS({ mapAsMap: true, maxAliasCount: 100 }) } catch { return undefined }
  if (!(value instanceof Map)) return undefined
  const out = new Map<string, string>()
  for (const [k, v] of value) if (typeof k === 'string' && typeof v === 'string') out.set(k.toLowerCase(), v)
  return out
}

/** Front matter read line by line: `key: the rest of the line`, one pair of quotes taken off. */
function lineFields (src: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const line of src.split(/\r?\n/)) {
    const m = /^([A-Za-z_-]+):\s*(.*)$/.exec(line)
    if (m !== null) out.set((m[1] as string).toLowerCase(), (m[2] as string).trim().replace(/^["']|["']$/g, ''))
  }
  return out
}

export class SkillsDoc {
  readonly doc: Y.Doc
  private readonly skills: Y.Map<Skill>
  private readonly removed: Y.Map<SkillTombstone>

  constructor (doc: Y.Doc = new Y.Doc()) {
    this.doc = doc
    this.skills = doc.getMap('skills')
    this.removed = doc.getMap('removed')
  }

  add (text: string, opts: { source: string, fallbackName?: string, device: string, files?: SkillFile[], category?: string }): Skill {
    const files = opts.files ?? []
    if (opts.category !== undefined && !isSkillCategory(opts.category)) throw new InvalidInputError(`invalid skill category ${JSON.stringify(opts.category)}: one folder name, 1 to 64 of A-Z a-z 0-9 . _ -, not starting with a dot`, { category: opts.category })
    const size = Buffer.byteLength(text) + files.reduce((n, f) => n + Buffer.byteLength(f.text) + Buffer.byteLength(f.path), 0)
    if (size > MAX_SKILL_BYTES) throw new InvalidInputError(`a skill (its SKILL.md and other files) is at most ${MAX_SKILL_BYTES} bytes`)
    for (const f of files) {
      if (!isSkillFilePath(f.path)) throw new InvalidInputError(`invalid skill file path ${JSON.stringify(f.path)}`)
      // Written out byte for byte on every device: text said to be base64 that is not would come out as other bytes.
      if (f.enc === 'base64' && !BASE64.test(f.text)) throw new InvalidInputError(`skill file ${f.path}: its text is not base64 (enc: base64)`, { path: f.path })
    }
    const parsed = parseSkill(text, opts.fallbackName)
    // The same skill added again (the same SKILL.md, files, source and category): held as it is,
    // nothing written, so a second `mesh skills add` of it sends peers nothing and says so.
    const held = this.removed.has(parsed.name) ? undefined : this.get(parsed.name)
    if (held !== undefined && held.text === text && held.source === opts.source && held.category === opts.category &&
      folderHash(skillFolder(held)) === folderHash(skillFolder({ body: parsed.body, text, files }))) return held
    const skill: Skill = {
      ...parsed,
      source: opts.source,
      hash: 'sha256:' + createHash('sha256').update(text, 'utf8').digest('hex'),
      // Past the skill it replaces: concurrent adds resolve to the newest (crdt/newest.ts), a later one is newer.
      updatedAt: stampAfter(Date.now(), this.get(parsed.name)?.updatedAt),
      device: opts.device,
      text,
      ...(files.length > 0 ? { files: files.map(f => ({ path: f.path, text: f.text, ...(f.enc !== undefined ? { enc: f.enc } : {}), ...(f.exec === true ? { exec: true } : {}) })) } : {}),
      ...(opts.category !== undefined ? { category: opts.category } : {})
    }
    this.doc.transact(() => {
      this.skills.set(skill.name, skill)
      if (this.removed.has(skill.name)) this.removed.delete(skill.name)
    })
    return skill
  }

  /** A skill of the wrong shape (a faulty member's write) reads as absent. */
  get (name: string): Skill | undefined {
    return copyOf<Skill>(SHAPES.skill, this.skills.get(name))
  }

  /** Removes the skill and leaves its tombstone (the folder it was, who removed it, when). */
  remove (name: string, opts: { device?: string, now?: number } = {}): boolean {
    if (!this.skills.has(name)) return false
    const s = this.get(name)
    this.doc.transact(() => {
      this.skills.delete(name)
      // The folder as sync reads one (carriedFolder): a copy holding a `.env` of its own is still that folder.
      if (s !== undefined) this.removed.set(name, { name, hash: s.hash, folder: folderHash(carriedFolder(skillFolder(s)).carried), removedAt: opts.now ?? Date.now(), device: opts.device ?? '' })
    })
    return true
  }

  /** Tombstones of skills that are not (again) present, name-sorted; malformed ones read as absent. */
  tombstones (): SkillTombstone[] {
    return ([...this.removed.values()] as unknown[]).flatMap(t => copyOf<SkillTombstone>(SHAPES.skillTombstone, t) ?? []).filter(t => !this.skills.has(t.name)).sort((a, b) => a.name.localeCompare(b.name))
  }

  list (): Skill[] { return ([...this.skills.values()] as unknown[]).flatMap(s => copyOf<Skill>(SHAPES.skill, s) ?? []).sort((a, b) => a.name.localeCompare(b.name)) }
}
