/**
 * Relative '/'-paths a document names for files mesh writes under a folder (a session bundle's
 * side files, a skill's files, memory files): one rule for all, so none can name a file outside.
 * A skill's name is a folder's name too (`<skills dir>/<name>/`): one name, never `.` or `..`.
 */

/** The longest name of a file most file systems take, in bytes (NAME_MAX). */
export const MAX_NAME_BYTES = 255

/**
 * A relative '/'-path of names: no empty, `.` or `..` part, so never '' and never absolute; and
 * names a file system takes: no NUL, none over MAX_NAME_BYTES bytes of UTF-8. (A memory key
 * naming `a\0b.md`, or 127 CJK characters, stopped every device's memory sync: opening the file
 * threw.)
 */
export function isPathOfNames (path: string): boolean {
  return path.split('/').every(s => s !== '' && s !== '.' && s !== '..' && !s.includes('\0') && Buffer.byteLength(s) <= MAX_NAME_BYTES)
}

/**
 * A skill's name: 1 to 64 of A-Z a-z 0-9 . _ -, not starting with a dot. `..` would be the
 * skills directory's parent (`~/.claude`, whose settings.json runs hooks); a dot-name is hidden,
 * and the agents' own scans skip it.
 */
export function isSkillName (name: string): boolean {
  return /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/.test(name)
}

/**
 * A skill's category: the folder Hermes keeps it in (`skills/<category>/<name>/`, AGENT-FORMATS.md
 * §3.1), one name under the rule of a skill's name, so never empty, `.`, `..`, absolute, hidden
 * or holding a separator: it names where `mesh agent skills sync` writes, one level under the
 * skills directory.
 */
export function isSkillCategory (category: string): boolean {
  return isSkillName(category)
}

/** A skill's file other than its SKILL.md: a relative path of names inside its folder. */
export function isSkillFilePath (path: string): boolean {
  return isPathOfNames(path) && path !== 'SKILL.md'
}

/**
 * A name in a skill folder that is not carried to mesh, at any depth: a hidden one (`.env`,
 * `.git/`, `.DS_Store`) or `node_modules/`. One rule for `mesh skills add FOLDER` and `mesh agent
 * skills sync`: a SKILL.md at a repository's root must not send the repository, and a `.env` of
 * API keys must not be copied to every machine because a skill sat beside it.
 */
export function isLeftOutOfSkill (name: string): boolean {
  return name.startsWith('.') || name === 'node_modules'
}

/** A skill file path carried by mesh: no name in it is one isLeftOutOfSkill leaves out. */
export function isCarriedSkillPath (path: string): boolean {
  return !path.split('/').some(isLeftOutOfSkill)
}
