/**
 * The memory document: one Y.Map of key -> entry. Concurrent sets of one key resolve to the newest
 * by (updatedAt, device): Yjs keeps one of them by client id, and a device that held a newer one
 * writes it back (crdt/newest.ts). A set is stamped past the entry it replaces.
 */
import * as Y from 'yjs'
import { InvalidInputError } from '../src/errors.js'
import { copyOf, SHAPES } from './validate.js'
import { MAX_MEMORY_KEY } from './content-limit.js'
import { stampAfter } from './newest.js'

export interface MemoryEntry { key: string, value: string, tags: string[], updatedAt: number, device: string }

export const MAX_MEMORY_VALUE = 256 * 1024
const LONE_SURROGATE = /\p{Cs}/u

export class MemoryDoc {
  readonly doc: Y.Doc
  private readonly entries: Y.Map<MemoryEntry>

  constructor (doc: Y.Doc = new Y.Doc()) {
    this.doc = doc
    this.entries = doc.getMap('entries')
  }

  set (key: string, value: string, opts: { tags?: string[], device: string }): MemoryEntry {
    if (key.length === 0 || key.length > MAX_MEMORY_KEY) throw new InvalidInputError(`a memory key has 1 to ${MAX_MEMORY_KEY} characters`)
    // Yjs stores a key as UTF-8: a lone surrogate comes back from disk and from peers as U+FFFD,
    // so the entry could never be read or deleted by the key it was set with.
    if (LONE_SURROGATE.test(key)) throw new InvalidInputError('a memory key is text: it has a lone UTF-16 surrogate (half of an emoji or other character)', { key })
    if (Buffer.byteLength(value) > MAX_MEMORY_VALUE) throw new InvalidInputError(`a memory value is at most ${MAX_MEMORY_VALUE} bytes`)
    const e: MemoryEntry = { key, value, tags: [...new Set(opts.tags ?? [])], updatedAt: stampAfter(Date.now(), this.get(key)?.updatedAt), device: opts.device }
    this.entries.set(key, e)
    return e
  }

  /** An entry of the wrong shape (a faulty member's write) reads as absent. */
  get (key: string): MemoryEntry | undefined {
    return copyOf<MemoryEntry>(SHAPES.memory, this.entries.get(key))
  }

  delete (key: string): boolean {
    if (!this.entries.has(key)) return false
    this.entries.delete(key)
    return true
  }

  list (opts: { tag?: string } = {}): MemoryEntry[] {
    return ([...this.entries.values()] as unknown[])
      .flatMap(e => copyOf<MemoryEntry>(SHAPES.memory, e) ?? [])
      .filter(e => opts.tag === undefined || e.tags.includes(opts.tag))
      .sort((a, b) => a.key.localeCompare(b.key))
  }
}
