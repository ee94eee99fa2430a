/**
 * The skills document: name -> manifest. A skill file is Markdown with an optional front matter
 * block (`---` lines holding `name:`, `version:`, `description:`), the format agent skills use.
 * `text` keeps the SKILL.md exactly as given and `files` the other files of its AgentSkills
 * folder (references/, scripts/…), so a skill projected into an agent's skills directory is
 * byte for byte the one captured (skills written before these fields have only `body`).
 */
import { createHash } from 'node:crypto'
import * as Y from 'yjs'
import { InvalidInputError } from '../src/errors.js'
import { fits, SHAPES } from './validate.js'

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
}

/** `exec`: the file is executable (a script of the skill), so it is written back with x bits. */
export interface SkillFile { path: string, text: string, enc?: 'base64', exec?: boolean }

export const MAX_SKILL_BYTES = 512 * 1024
const NAME = /^[A-Za-z0-9._-]{1,64}$/

export function parseSkill (text: string, fallbackName: string): Pick<Skill, 'name' | 'version' | 'description' | 'body'> {
  let body = text
  const fields: Record<string, string> = {}
  const fm = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(text)
  if (fm !== null) {
    body = text.slice(fm[0].length)
    for (const line of (fm[1] as string).split(/\r?\n/)) {
      const m = /^([A-Za-z_-]+):\s*(.*)$/.exec(line)
      if (m !== null) fields[(m[1] as string).toLowerCase()] = (m[2] as string).trim().replace(/^["']|["']$/g, '')
    }
  }
  const name = fields.name ?? fallbackName
  if (!NAME.test(name)) throw new InvalidInputError(`invalid skill name "${name}": 1 to 64 of A-Z a-z 0-9 . _ -`)
  return { name, version: fields.version ?? '0.0.0', description: fields.description ?? '', body }
}

export class SkillsDoc {
  readonly doc: Y.Doc
  private readonly skills: Y.Map<Skill>

  constructor (doc: Y.Doc = new Y.Doc()) {
    this.doc = doc
    this.skills = doc.getMap('skills')
  }

  add (text: string, opts: { source: string, fallbackName: string, device: string, files?: SkillFile[] }): Skill {
    const files = opts.files ?? []
    const size = Buffer.byteLength(text) + files.reduce((n, f) => n + Buffer.byteLength(f.text) + Buffer.byteLength(f.path), 0)
    if (size > MAX_SKILL_BYTES) throw new InvalidInputError(`a skill (its SKILL.md and other files) is at most ${MAX_SKILL_BYTES} bytes`)
    for (const f of files) {
      if (f.path === '' || f.path.startsWith('/') || f.path.split('/').some(s => s === '' || s === '.' || s === '..') || f.path === 'SKILL.md') throw new InvalidInputError(`invalid skill file path ${JSON.stringify(f.path)}`)
    }
    const parsed = parseSkill(text, opts.fallbackName)
    const skill: Skill = {
      ...parsed,
      source: opts.source,
      hash: 'sha256:' + createHash('sha256').update(text, 'utf8').digest('hex'),
      updatedAt: Date.now(),
      device: opts.device,
      text,
      ...(files.length > 0 ? { files: files.map(f => ({ path: f.path, text: f.text, ...(f.enc !== undefined ? { enc: f.enc } : {}), ...(f.exec === true ? { exec: true } : {}) })) } : {})
    }
    this.skills.set(skill.name, skill)
    return skill
  }

  /** A skill of the wrong shape (a faulty member's write) reads as absent. */
  get (name: string): Skill | undefined {
    const s: unknown = this.skills.get(name)
    return fits(SHAPES.skill, s) ? s as Skill : undefined
  }

  remove (name: string): boolean {
    if (!this.skills.has(name)) return false
    this.skills.delete(name)
    return true
  }

  list (): Skill[] { return ([...this.skills.values()] as unknown[]).filter((s): s is Skill => fits(SHAPES.skill, s)).sort((a, b) => a.name.localeCompare(b.name)) }
}
