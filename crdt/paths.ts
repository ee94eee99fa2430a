/**
 * Relative '/'-paths a document names for files mesh writes under a folder (a session bundle's
 * side files, a skill's files, memory files): one rule for all, so none can name a file outside.
 * A skill's name is a folder's name too (`<skills dir>/<name>/`): one name, never `.` or `..`.
 */

/** A relative '/'-path of names: no empty, `.` or `..` part, so never '' and never absolute. */
export function isPathOfNames (path: string): boolean {
  return path.split('/').every(s => s !== '' && s !== '.' && s !== '..')
}

/**
 * A skill's name: 1 to 64 of A-Z a-z 0-9 . _ -, not starting with a dot. `..` would be the
 * skills directory's parent (`~/.claude`, whose settings.json runs hooks); a dot-name is hidden,
 * and the agents' own scans skip it.
 */
export function isSkillName (name: string): boolean {
  return /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/.test(name)
}

/** A skill's file other than its SKILL.md: a relative path of names inside its folder. */
export function isSkillFilePath (path: string): boolean {
  return isPathOfNames(path) && path !== 'SKILL.md'
}
