/**
 * agents: the files of real coding agents (Claude Code, Codex, OpenClaw, Hermes) as native
 * records and back, their skills folders and memory files synced with mesh's.
 * Parsing, ids, the chain check, the project slug, path remapping and redaction are pure; the
 * bundle modules read and write the agent's own files on the client's side. The store is never
 * touched here: records go to the daemon through the API (`agents.import`, `agents.records`).
 *
 * @example
 * const b = await readClaudeBundle(`${projectsDir()}/-home-me-app/${id}.jsonl`)
 * await api.call('agents.import', { agent: 'claude', sessionId: b.sessionId, cwd: b.cwd, records: b.records, messages: b.view })
 */
export * from './jsonl.js'
export * from './ids.js'
export * from './paths.js'
export * from './remap.js'
export * from './redact.js'
export * from './bundle.js'
export * from './git.js'
export * from './mounts.js'
export * from './running.js'
export * from './claude/slug.js'
export * from './claude/chain.js'
export * from './claude/fields.js'
export * from './claude/records.js'
export * from './claude/view.js'
export * from './claude/home.js'
export * from './claude/bundle.js'
export * from './codex/records.js'
export * from './codex/home.js'
export * from './codex/bundle.js'
export * from './claude/branch.js'
export * from './openclaw/home.js'
export * from './openclaw/records.js'
export * from './openclaw/bundle.js'
export * from './openclaw/db.js'
export * from './openclaw/held.js'
export * from './hermes/row.js'
export * from './hermes/home.js'
export * from './hermes/records.js'
export * from './hermes/bundle.js'
export * from './hermes/db.js'
export * from './hermes/held.js'
export * from './sqlite/reader.js'
export * from './translate.js'
export * from './sync-state.js'
export * from './skills-sync.js'
export * from './memory-hermes.js'
export * from './memory-sync.js'
export * from './memory-claude.js'
export * from './memory-openclaw.js'
export * from './file-sync.js'
export * from './replace-file.js'
export * from './out-file.js'
export * from './repo.js'
export * from './follow/index.js'
export * from './claude/hooks.js'
export * from './names.js'
export * from './resume.js'
export * from './resume-tool.js'
