/**
 * Following agents live: Sources list Streams (Claude Code transcripts and side files, Codex
 * rollouts, OpenClaw transcripts in files or its SQLite store, Hermes's state.db), the Follower stores what they append in mesh sessions through the API, cursors
 * make a restart pick up exactly where the last stored record ended.
 *
 * @example
 * const f = new Follower({ api, sources: [new ClaudeSource()], cursors: new CursorStore(join(home, 'agent-follow')), log: console.error })
 * await f.start() // … await f.stop()
 */
export * from './source.js'
export * from './tail.js'
export * from './cursors.js'
export * from './stored-bytes.js'
export * from './jsonl-stream.js'
export * from './file-stream.js'
export * from './claude.js'
export * from './codex.js'
export * from './openclaw.js'
export * from './hermes.js'
export * from './follower.js'
export * from './follow-lock.js'
export * from './release.js'
export * from './status.js'
export * from './sources.js'
export * from './junk.js'
