/**
 * How long a session's title and goal may be, kept free of imports (the CLI loads it at start, as
 * words.ts). schema-text.ts refuses a longer one; clipTitle cuts a title mesh takes from elsewhere
 * (no agent import sets a goal: agents.import takes none).
 */

/**
 * The longest title a session takes, in UTF-16 units as JavaScript counts them: a title is shown
 * on one line of every listing (`mesh sessions`, the dashboard), where a 1 MB one was taken and
 * shown whole. As long as a session key (200), which is what a title often repeats.
 */
export const MAX_TITLE = 200

/**
 * The longest goal a session takes (UTF-16 units): a paragraph. Every `mesh session show`, resume
 * and the MCP resource print it whole above the transcript, where a 1 MB one was taken; the
 * details belong in the session's messages.
 */
export const MAX_GOAL = 4000

/**
 * `given` on one line (each run of control characters a space), cut to MAX_TITLE characters with an ellipsis (never between the halves of a surrogate pair):
 * for a title mesh takes from an agent's own store (Hermes'), which the person did not type here
 * and whose session is imported whole all the same.
 */
export function clipTitle (given: string | undefined): string | undefined {
  // One line, as the API takes a title: a control character (a newline, a tab) said as a space.
  const t = given?.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ')
  if (t === undefined || t.length <= MAX_TITLE) return t
  let end = MAX_TITLE - 1
  const c = t.charCodeAt(end - 1)
  if (c >= 0xd800 && c <= 0xdbff) end--
  return `${t.slice(0, end)}…`
}
