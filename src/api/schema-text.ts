/**
 * Text fields of the API schema that hold words a person reads (a todo, a progress note, a tag):
 * refused empty or blank by every front-end alike (the CLI, HTTP, MCP, the SDK), before anything
 * is written, where an empty one was stored and shown as a blank line ever after.
 */
import { z } from 'zod'
import { MAX_TITLE } from './title.js'

/** A string with at least one character that is not whitespace; `what` names it in the refusal. */
export const nonBlank = (what: string): z.ZodString => z.string().regex(/\S/, `${what} is empty or only whitespace: give it some text`)

/** A session's title: at most MAX_TITLE characters, refused (not cut) over that. */
export const title = z.string().max(MAX_TITLE, `a title is at most ${MAX_TITLE} characters: shorten it (the goal takes the longer words)`)
