/**
 * Opaque keyset-pagination cursors: base64url of the (time, id) pair of the last row of a
 * page. Keyset (not offset) pagination so that rows inserted while a client pages through
 * the list neither repeat nor vanish.
 */

/** Thrown for a cursor the store did not issue; `statusCode` makes HTTP layers answer 400. */
export class InvalidCursorError extends Error {
  readonly statusCode = 400;
  constructor() {
    super('cursor is not valid (use the nextCursor value from a previous page)');
    this.name = 'InvalidCursorError';
  }
}

export interface CursorKey {
  /** ISO time of the last row (received_at for scans, created_at for alerts). */
  at: string;
  id: string;
}

/** The last row of a page in priority order (see ALERT_LIST_ORDERS): wildlife first, score, age, id. */
export interface PriorityCursorKey {
  wildlife: boolean;
  score: number;
  at: string;
  id: string;
}

/** Tagged 'p' so that a cursor of the other order is refused rather than misread. */
export function encodePriorityCursor(key: PriorityCursorKey): string {
  return Buffer.from(JSON.stringify(['p', key.wildlife ? 1 : 0, key.score, key.at, key.id]), 'utf8').toString('base64url');
}

export function decodePriorityCursor(cursor: string): PriorityCursorKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 5 ||
    parsed[0] !== 'p' ||
    (parsed[1] !== 0 && parsed[1] !== 1) ||
    typeof parsed[2] !== 'number' ||
    !Number.isFinite(parsed[2]) ||
    typeof parsed[3] !== 'string' ||
    typeof parsed[4] !== 'string'
  ) {
    throw new InvalidCursorError();
  }
  return { wildlife: parsed[1] === 1, score: parsed[2], at: parsed[3], id: parsed[4] };
}

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify([key.at, key.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): CursorKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string') {
    throw new InvalidCursorError();
  }
  return { at: parsed[0], id: parsed[1] };
}
