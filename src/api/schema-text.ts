/**
 * What the API's schema asks of text, the same for every front-end (the CLI, HTTP, MCP, the SDK),
 * refused before anything is written: words a person reads (a todo, a progress note, a tag) not
 * blank, a title not past MAX_TITLE, a goal not past MAX_GOAL (a paragraph: it keeps its lines), a
 * memory key, a tag, a title and a task's field's name one line of text (no control character), and no lone UTF-16 surrogate in what is
 * stored as text (a message, a session's title, goal and task, a memory entry, a skill): stored as
 * UTF-8, it would come back as another text than was sent.
 */
import { z } from 'zod'
import { MAX_JSON_DEPTH } from '../../crdt/content-limit.js'
import { MAX_GOAL, MAX_TITLE } from './title.js'
import { charAt } from '../char-at.js'

/** A string with at least one character that is not whitespace; `what` names it in the refusal. */
export const nonBlank = (what: string): z.ZodString => z.string().regex(/\S/, `${what} is empty or only whitespace: give it some text`)

/** C0 and C1 controls, DEL, and the line and paragraph separators: what no one line of text holds. */
const CONTROL = /[\p{Cc}\u2028\u2029]/u

/**
 * A session's title: at most MAX_TITLE characters, refused (not cut) over that, and one line of
 * text (no control character), as every listing shows it on one line.
 */
export const title = z.string().max(MAX_TITLE, `a title is at most ${MAX_TITLE} characters: shorten it (the goal takes the longer words)`)
  .superRefine((v, ctx) => { refuseControl('a title', 'title')(v, ctx) })

/**
 * A session's goal: at most MAX_GOAL characters, refused (not cut) over that. A paragraph, it may
 * hold lines (`mesh session show` indents them under its `goal:` row), as a plan does.
 */
export const goal = z.string().max(MAX_GOAL, `a goal is at most ${MAX_GOAL} characters (a paragraph): shorten it, and put the details in the session's messages`)

/** A memory tag: not blank, and one line of text (no control character), as `mesh memory list` shows its tags on the entry's line. */
export const tag = nonBlank('a tag').superRefine((v, ctx) => { refuseControl('a tag', 'tag')(v, ctx) })

/**
 * A key that is one line of text (a memory key): a control character in it (a newline, a tab, an
 * escape) is refused, naming the character and where, because listings show each key on a line of
 * its own, tab-separated from what follows (`mesh memory list`), and a terminal obeys escapes.
 * `what` names it in the refusal ("a memory key"); `max`: its most characters.
 */
export const oneLineKey = (what: string, max: number): z.ZodString => z.string()
  .min(1, `${what} is empty: it has 1 to ${max} characters`)
  .max(max, `${what} has 1 to ${max} characters`)
  .superRefine(refuseControl(what, 'key'))

/**
 * The check that every name of a record of free fields (a session task's) is one line of text: a
 * control character in one is refused, as in a memory key, since `mesh session show` shows each
 * field on a row of its own, its name first. `what` names a name in the refusal.
 */
export const oneLineNames = (what: string) => (v: Record<string, unknown>, ctx: z.RefinementCtx): void => {
  for (const k of Object.keys(v)) refuseControl(what, 'name')(k, ctx)
}

/** The first control character of a text that must be one line (as `U+000A`) and its index in characters, if any. */
export function firstControl (v: string): { cp: string, at: number } | undefined {
  return charAt(v, CONTROL)
}

/** The check that a text holds no control character, naming the first and where: `noun` is what to write without it. */
const refuseControl = (what: string, noun: string) => (v: string, ctx: z.RefinementCtx): void => {
  const c = firstControl(v)
  if (c === undefined) return
  ctx.addIssue({ code: 'custom', message: `${what} is one line of text: it has a control character (${c.cp}) at character ${c.at + 1}; write the ${noun} without it` })
}

/**
 * The most characters of a message's id. The longest an import makes is a record's content id,
 * `<type>:<session id>:<20 hex>` with a session id of up to 200 characters, then `~n` and `#n`
 * (src/agents/ids.ts); a Claude Code or Codex id is a UUID (36), and an agent's own id longer than
 * 400 characters or not one line is taken as a hash of it (ids.ts ownId). A message id had no limit: one
 * of 100,000 characters was taken, stored, and carried by every read and event of its message.
 */
export const MAX_MESSAGE_ID = 512

/**
 * A message's id: at most MAX_MESSAGE_ID characters, one line of text (no control character:
 * `--after ID` and listings print it). An empty one is refused by the append, in its own words.
 */
export const messageId = z.string()
  .max(MAX_MESSAGE_ID, `a message's id has at most ${MAX_MESSAGE_ID} characters: give a shorter one (a UUID, a step's name)`)
  .superRefine(refuseControl('a message\'s id', 'id'))

const LONE_SURROGATE = /\p{Cs}/u

/**
 * How deep the walk of an input goes: a stored value's most levels (a tool call's input), inside
 * the input's own (its messages, a message, its tool call). Deeper is refused: the walk went as
 * deep as it was sent, and 20,000 nested lists overflowed the stack (500 INTERNAL, a bare
 * RangeError over the SDK) before the store's own check could refuse them.
 */
const MAX_INPUT_DEPTH = MAX_JSON_DEPTH + 4

/** What is wrong where in an input: a lone surrogate, or lists and objects nested too deep. */
export interface TextProblem { at: Array<string | number>, deep?: true }

/**
 * Where in `v` (a string, or one inside arrays and objects, keys too) the first lone UTF-16
 * surrogate is, as a path of keys, or the first list or object nested deeper than the API takes
 * (`deep`); undefined when there is neither. Yjs stores text as UTF-8, where
 * a lone half has no encoding: it comes back from disk and from peers as U+FFFD, so what was
 * stored is not what was sent (a retried append with the same id was then refused as another
 * message after a restart).
 */
export function loneSurrogateAt (v: unknown, at: Array<string | number> = []): TextProblem | undefined {
  if (typeof v === 'string') return LONE_SURROGATE.test(v) ? { at } : undefined
  if (v === null || typeof v !== 'object') return undefined
  if (at.length > MAX_INPUT_DEPTH) return { at, deep: true }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) { const found = loneSurrogateAt(v[i], [...at, i]); if (found !== undefined) return found }
    return undefined
  }
  for (const [k, x] of Object.entries(v)) {
    if (LONE_SURROGATE.test(k)) return { at: [...at, k] }
    const found = loneSurrogateAt(x, [...at, k])
    if (found !== undefined) return found
  }
  return undefined
}

/** The refusal of a lone surrogate (or of lists nested too deep) anywhere in an input, at its field (a check for a schema's superRefine). */
export function refuseLoneSurrogates (input: unknown, ctx: z.RefinementCtx): void {
  const found = loneSurrogateAt(input)
  if (found === undefined) return
  if (found.deep === true) {
    // The field (a tool call's input), not the hundred keys past it down to where the walk stopped.
    const input = found.at.indexOf('input')
    ctx.addIssue({ code: 'custom', path: input >= 0 ? found.at.slice(0, input + 1) : found.at.slice(0, 4), message: `is nested deeper than ${MAX_JSON_DEPTH} (lists and objects inside lists and objects): send a flatter value` })
    return
  }
  ctx.addIssue({ code: 'custom', path: found.at, message: 'has a lone UTF-16 surrogate (half of an emoji or of another character outside the BMP), which cannot be stored as UTF-8 and would come back as U+FFFD: send whole characters (a string cut short, cut it between the pairs)' })
}
