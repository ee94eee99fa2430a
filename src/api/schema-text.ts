/**
 * What the API's schema asks of text, the same for every front-end (the CLI, HTTP, MCP, the SDK),
 * refused before anything is written: words a person reads (a todo, a progress note, a tag) not
 * blank, a title not past MAX_TITLE, a goal not past MAX_GOAL, and no lone UTF-16 surrogate in what is
 * stored as text (a message, a session's title, goal and task, a memory entry, a skill): stored as
 * UTF-8, it would come back as another text than was sent.
 */
import { z } from 'zod'
import { MAX_GOAL, MAX_TITLE } from './title.js'

/** A string with at least one character that is not whitespace; `what` names it in the refusal. */
export const nonBlank = (what: string): z.ZodString => z.string().regex(/\S/, `${what} is empty or only whitespace: give it some text`)

/** A session's title: at most MAX_TITLE characters, refused (not cut) over that. */
export const title = z.string().max(MAX_TITLE, `a title is at most ${MAX_TITLE} characters: shorten it (the goal takes the longer words)`)

/** A session's goal: at most MAX_GOAL characters, refused (not cut) over that. */
export const goal = z.string().max(MAX_GOAL, `a goal is at most ${MAX_GOAL} characters (a paragraph): shorten it, and put the details in the session's messages`)

const LONE_SURROGATE = /\p{Cs}/u

/**
 * Where in `v` (a string, or one inside arrays and objects, keys too) the first lone UTF-16
 * surrogate is, as a path of keys; undefined when there is none. Yjs stores text as UTF-8, where
 * a lone half has no encoding: it comes back from disk and from peers as U+FFFD, so what was
 * stored is not what was sent (a retried append with the same id was then refused as another
 * message after a restart).
 */
export function loneSurrogateAt (v: unknown, at: Array<string | number> = []): Array<string | number> | undefined {
  if (typeof v === 'string') return LONE_SURROGATE.test(v) ? at : undefined
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) { const found = loneSurrogateAt(v[i], [...at, i]); if (found !== undefined) return found }
    return undefined
  }
  if (v === null || typeof v !== 'object') return undefined
  for (const [k, x] of Object.entries(v)) {
    if (LONE_SURROGATE.test(k)) return [...at, k]
    const found = loneSurrogateAt(x, [...at, k])
    if (found !== undefined) return found
  }
  return undefined
}

/** The refusal of a lone surrogate anywhere in an input, at its field (a check for a schema's superRefine). */
export function refuseLoneSurrogates (input: unknown, ctx: z.RefinementCtx): void {
  const at = loneSurrogateAt(input)
  if (at === undefined) return
  ctx.addIssue({ code: 'custom', path: at, message: 'has a lone UTF-16 surrogate (half of an emoji or of another character outside the BMP), which cannot be stored as UTF-8 and would come back as U+FFFD: send whole characters (a string cut short, cut it between the pairs)' })
}
