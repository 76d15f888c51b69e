import { ErrorCode, EventoError, type OrderingMode } from '@evento/contracts';

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
    if (/^\d{1,19}$/.test(text)) return { txId: '0', position: text };
  } else {
    const match = /^(\d{1,20}):(\d{1,19})$/.exec(text);
    if (match) return { txId: match[1], position: match[2] };
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
