/**
 * What Claude Code's hooks send `mesh agent hook claude` on stdin: the hook event, one small JSON
 * object. Input that is none (empty, not JSON, JSON but no object) is said as such, in words
 * that name what was expected, not in the JSON parser's ("Unexpected end of JSON input").
 */
import { UsageError } from '../errors.js'
import { readStdinText } from './stdin.js'

/** A hook's input: one small JSON object (its session, transcript path and event); more is no hook's. */
const HOOK_INPUT_MAX = 1024 * 1024

const EXPECTED = 'Claude Code sends the hook event as a JSON object'

export interface HookInput { session_id?: unknown, transcript_path?: unknown, cwd?: unknown, hook_event_name?: unknown }

/** The hook event in `text`; UsageError for input that is not one. */
export function parseHookInput (text: string): HookInput {
  if (text.trim() === '') throw new UsageError('the hook input on stdin is empty: `mesh agent hook claude` is run by Claude Code\'s hooks, which send the hook event as a JSON object on stdin (`mesh agent hooks install claude` sets them up)')
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch (err) {
    throw new UsageError(`the hook input on stdin is not JSON (${err instanceof Error ? err.message.slice(0, 120) : String(err)}): ${EXPECTED}`, {}, { cause: err })
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    const what = v === null ? 'JSON null' : Array.isArray(v) ? 'a JSON array' : `a JSON ${typeof v}`
    throw new UsageError(`the hook input on stdin is ${what}, not an object: ${EXPECTED}`)
  }
  return v as HookInput
}

/** Reads this process's stdin (up to HOOK_INPUT_MAX) as the hook event. */
export async function readHookInput (): Promise<HookInput> {
  return parseHookInput(await readStdinText(HOOK_INPUT_MAX,
    () => new UsageError(`the hook input on stdin is over ${HOOK_INPUT_MAX} bytes: Claude Code sends one small JSON object`),
    at => new UsageError(`the hook input on stdin is not UTF-8: byte ${at.byte} at offset ${at.offset}: ${EXPECTED}`, { offset: at.offset })))
}
