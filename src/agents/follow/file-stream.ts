/**
 * A side file of a bundle that is not JSONL (a sub-agent's .meta.json, an externalised tool
 * result) as a Stream: the whole file, again each time its size or mtime changes. Its record's
 * id is its content hash (bundle.ts fileRecord), so an unchanged file is stored once and a
 * changed one is a new version (an export takes the last).
 */
import { stat } from 'node:fs/promises'
import { fileRecord, readFileNoFollow } from '../bundle.js'
import type { AgentName } from '../names.js'
import type { Stream, StreamRead } from './source.js'

interface FileCursor { size: number, mtimeMs: number }

export class FileStream implements Stream {
  constructor (readonly id: string, readonly agent: AgentName, readonly sessionId: string, readonly key: string, readonly path: string, private readonly file: string) {}

  async read (cursor: unknown): Promise<StreamRead | undefined> {
    let st
    try { st = await stat(this.path) } catch (err: any) { if (err?.code === 'ENOENT') return undefined; throw err }
    const c = cursor as FileCursor | undefined
    const next: FileCursor = { size: st.size, mtimeMs: st.mtimeMs }
    if (c !== undefined && c.size === next.size && c.mtimeMs === next.mtimeMs) return { records: [], messages: [], meta: {}, cursor: c, mtimeMs: st.mtimeMs }
    let buf: Buffer
    try { buf = await readFileNoFollow(this.path) } catch (err: any) { if (err?.code === 'ENOENT') return undefined; throw err }
    return { records: [fileRecord(buf, this.file)], messages: [], meta: {}, cursor: next, mtimeMs: st.mtimeMs }
  }
}
