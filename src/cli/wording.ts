/**
 * Words the CLI's lines share, so one count reads the same in every command.
 *
 * @example
 * plural(1, 'byte') // '1 byte'
 * plural(40, 'new record') // '40 new records'
 * plural(2, 'entry', 'entries') // '2 entries'
 */
import { editDistance, nearest } from '../api/nearest.js'
import type { SkillLeftOut } from '../agents/skills-sync.js'
import { oneLine } from './printable.js'

/** `n what`, with an s unless n is 1 (English nouns that take one: byte, record, line), or `many` for a noun that does not. */
export const plural = (n: number, what: string, many = `${what}s`): string => `${n} ${n === 1 ? what : many}`

/**
 * What was given where one of `names` was asked for, and the name it was most likely meant to be
 * (nearest.ts: at most two edits away): `got claud; did you mean claude?`, `got none`, `got an empty name`.
 */
export function gotWords (typed: string | undefined, names: readonly string[]): string {
  if (typed === undefined) return 'got none'
  if (typed.trim() === '') return 'got an empty name'
  const near = nearest(typed, names)
  return `got ${typed}${near !== undefined ? `; did you mean ${near}?` : ''}`
}

/**
 * The options a mistyped one most likely meant, written `--tail` or `--todo-add or --todo-done`:
 * the nearest (at most two edits away: `--tial`), else those whose name it starts (`--todo` for
 * --todo-add and --todo-done, `--prog` for --progress), three at most; `names` without dashes.
 */
export function nearOptions (typed: string, names: readonly string[]): string | undefined {
  const bare = typed.replace(/^-+/, '')
  const near = nearest(bare, names)
  if (near !== undefined) return `--${near}`
  if (bare.length < 3) return undefined
  const started = [...new Set(names)].filter(n => n.startsWith(bare) && n !== bare)
  if (started.length === 0 || started.length > 3) return undefined
  const dashed = started.map(n => `--${n}`)
  return dashed.length > 1 ? `${dashed.slice(0, -1).join(', ')} or ${dashed.at(-1) as string}` : dashed[0]
}

/**
 * Commands that stop the node, revoke a device, or delete: offered only for a near-certain typo
 * (`sure`), and last among equals (`mesh shop` is not taken for `mesh stop`, whose following
 * stops the running node).
 */
const DROPS = new Set(['stop', 'revoke', 'delete', 'remove', 'rm', 'release'])

/**
 * Whether `typed`, one edit from `word`, holds all of word's letters in their order but for two
 * neighbours swapped (`sotp`), or with one key too many (`stopp`): a slip of the fingers. A letter
 * missing or changed (`top`, `sop`, `stip` for stop) makes a word that is as often another one,
 * and a user who follows the guess stops the node, revokes a device or deletes.
 */
function sure (typed: string, word: string, d: number): boolean {
  if (d !== 1) return false
  if (typed.length === word.length + 1) return true
  return typed.length === word.length && [...typed].sort().join('') === [...word].sort().join('')
}

/**
 * What a word that is no command was most likely meant as, written as \`mesh …\` (several joined
 * with "or"), or undefined. A word that is a subcommand of groups: each (\`mesh show\` is
 * \`mesh session show\`, the session group first, as the one most used). Else the nearest command
 * or subcommand (one edit away, two for a word of five letters or more), one that stops, revokes
 * or deletes only for a slip that keeps its letters (`sure`), and never over another as near.
 */
export function commandNear (typed: string, commands: ReadonlyArray<{ name: string, arity: number | Readonly<Record<string, number>> }>): string | undefined {
  const groups = [...commands].filter(c => typeof c.arity !== 'number').sort((a, b) => Number(b.name === 'session') - Number(a.name === 'session'))
  const subs = groups.flatMap(g => Object.keys(g.arity).map(sub => ({ said: `mesh ${g.name} ${sub}`, word: sub })))
  const said = (all: string[]): string => all.length > 1 ? `${all.slice(0, -1).join(', ')} or ${all.at(-1) as string}` : all[0] as string
  const exact = subs.filter(s => s.word === typed).map(s => `\`${s.said}\``)
  if (exact.length > 0) return said(exact)
  let best: { said: string, d: number, drops: boolean } | undefined
  for (const c of [...commands.map(c => ({ said: `mesh ${c.name}`, word: c.name })), ...subs]) {
    if (Math.abs(c.word.length - typed.length) > 2) continue
    const d = editDistance(typed, c.word, 2)
    const drops = DROPS.has(c.word)
    // Two edits of a word of four letters or fewer leave too little of it (`top` is not `mcp`).
    if (d > 2 || d * 2 >= typed.length || (drops && !sure(typed, c.word, d))) continue
    if (best === undefined || d < best.d || (d === best.d && best.drops && !drops)) best = { said: c.said, d, drops }
  }
  return best !== undefined ? `\`${best.said}\`` : undefined
}

/**
 * What of a skill folder was not sent, as `mesh skills add` and `mesh agent skills sync` say it:
 * `left out: notes.txt (a symlink, not followed), .env, .git/ (hidden)`, each reason once, after its files.
 */
export function leftOutWords (left: readonly SkillLeftOut[]): string {
  const said: Record<SkillLeftOut['why'], string> = { symlink: 'a symlink, not followed', hidden: 'hidden', node_modules: 'installed packages', 'not a regular file': 'not a regular file' }
  const order: Array<SkillLeftOut['why']> = ['symlink', 'hidden', 'node_modules', 'not a regular file']
  const groups = order.filter(why => left.some(l => l.why === why)).map(why => {
    const paths = left.filter(l => l.why === why).map(l => oneLine(l.path))
    const shown = paths.length > 8 ? [...paths.slice(0, 8), `${paths.length - 8} more`] : paths
    return `${shown.join(', ')} (${why === 'symlink' && paths.length > 1 ? 'symlinks, not followed' : said[why]})`
  })
  return `left out: ${groups.join(', ')}`
}
