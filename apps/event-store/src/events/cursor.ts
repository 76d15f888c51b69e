import { ErrorCode, EventoError, isPosition, type OrderingMode } from '@evento/contracts';

/** Transaction ids are xid8: unsigned 64-bit (Postgres would silently cap a larger one). */
const MAX_TX_ID = 18_446_744_073_709_551_615n;

/**
 * Reader cursors. CPES: the position (`"42"`), because commit order equals position order.
 * APES: `"<txid>:<position>"`, because events become readable in transaction order.
 * The empty cursor means "before the first event" in both modes.
 */
export interface Cursor {
  txId: string;
  position: string;
}

export const START: Cursor = { txId: '0', position: '0' };

export function parseCursor(text: string | undefined, mode: OrderingMode): Cursor {
  if (!text) return START;
  if (mode === 'CPES') {
    if (isPosition(text)) return { txId: '0', position: text };
  } else {
    const match = /^(\d{1,20}):(\d{1,19})$/.exec(text);
    if (match && BigInt(match[1]) <= MAX_TX_ID && isPosition(match[2])) return { txId: match[1], position: match[2] };
  }
  throw new EventoError(
    ErrorCode.VALIDATION_FAILED,
    mode === 'CPES'
      ? 'In CPES mode a cursor is a position, e.g. "42"'
      : 'In APES mode a cursor is "<txid>:<position>", as returned by the event store',
    { mode, cursor: text },
  );
}

export function formatCursor(mode: OrderingMode, txId: string, position: string): string {
  return mode === 'CPES' ? position : `${txId}:${position}`;
}
