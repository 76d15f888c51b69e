import { ErrorCode } from '@evento/contracts';
import { formatCursor, parseCursor, START } from './cursor';

describe('cursors', () => {
  it('start before the first event when empty', () => {
    expect(parseCursor(undefined, 'CPES')).toEqual(START);
    expect(parseCursor('', 'APES')).toEqual(START);
  });

  it('are positions in CPES and txid:position pairs in APES', () => {
    expect(formatCursor('CPES', '900', '42')).toBe('42');
    expect(formatCursor('APES', '900', '42')).toBe('900:42');
    expect(parseCursor('42', 'CPES')).toEqual({ txId: '0', position: '42' });
    expect(parseCursor('900:42', 'APES')).toEqual({ txId: '900', position: '42' });
  });

  it("refuse the other mode's format with a clear validation error", () => {
    expect(() => parseCursor('900:42', 'CPES')).toThrow(expect.objectContaining({ code: ErrorCode.VALIDATION_FAILED }));
    expect(() => parseCursor('42', 'APES')).toThrow(expect.objectContaining({ code: ErrorCode.VALIDATION_FAILED }));
    expect(() => parseCursor('x:y', 'APES')).toThrow(/cursor/);
  });

  it('refuse positions and transaction ids the log cannot hold', () => {
    const invalid = expect.objectContaining({ code: ErrorCode.VALIDATION_FAILED });
    expect(parseCursor('9223372036854775807', 'CPES').position).toBe('9223372036854775807');
    expect(() => parseCursor('9223372036854775808', 'CPES')).toThrow(invalid);
    expect(parseCursor('18446744073709551615:1', 'APES').txId).toBe('18446744073709551615');
    expect(() => parseCursor('18446744073709551616:1', 'APES')).toThrow(invalid);
    expect(() => parseCursor('1:9223372036854775808', 'APES')).toThrow(invalid);
  });
});
