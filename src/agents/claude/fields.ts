/**
 * Which JSON fields of a Claude Code line hold paths that follow the project to another machine
 * (AGENT-FORMATS.md §1.8): `cwd` on every line; tool inputs `file_path`, `path`, `notebook_path`;
 * `toolUseResult.filePath`, `toolUseResult.file.filePath`, `toolUseResult.filenames[]`; the keys of
 * `snapshot.trackedFileBackups`; attachment `filename`/`path`/`filePath`/`directory`. Free text
 * (tool_result bodies, Bash commands, prompts) is not rewritten: it is the conversation.
 */
import type { FieldMatcher } from '../remap.js'

const TOOL_INPUT_FIELDS = new Set(['file_path', 'path', 'notebook_path'])
const ATTACHMENT_FIELDS = new Set(['filename', 'path', 'filePath', 'directory'])

export const claudePathFields: FieldMatcher = (p, isKey) => {
  const [a, b, c, d, e] = p
  if (isKey) return p.length === 3 && a === 'snapshot' && b === 'trackedFileBackups'
  if (p.length === 1) return a === 'cwd'
  // message.content[n].input.<field>
  if (p.length === 5 && a === 'message' && b === 'content' && typeof c === 'number' && d === 'input') return TOOL_INPUT_FIELDS.has(String(e))
  if (a === 'toolUseResult') {
    if (p.length === 2) return b === 'filePath'
    if (p.length === 3) return (b === 'filenames' && typeof c === 'number') || (b === 'file' && c === 'filePath')
    return false
  }
  if (a === 'attachment' && p.length === 2) return ATTACHMENT_FIELDS.has(String(b))
  return false
}
