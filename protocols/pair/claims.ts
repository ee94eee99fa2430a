/**
 * What a pairing request's claims (label, hostname, os…) may hold, apart from the protocol's
 * streams so that checking a label (node/enrol.ts) loads no libp2p.
 */

/** The longest device label, in characters. */
export const MAX_LABEL = 128

/**
 * What no claim may hold: C0 and C1 controls and DEL (a terminal's escape sequences: hidden text,
 * a cursor moved up to rewrite the fingerprint line), line and paragraph separators, and bidi
 * controls (text shown in another order than it is). Claims are shown to T's owner for review.
 */
export const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/u
