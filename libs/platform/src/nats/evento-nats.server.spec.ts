import { ErrorCode } from '@evento/contracts';
import type { Msg } from '@nats-io/transport-node';
import { PlainJsonDeserializer, ReplyEnvelopeSerializer, UnreadableBody } from './evento-nats.server';

function msg(data: string, reply?: string): Msg {
  return { subject: 'evento.v1.x', reply, data: new TextEncoder().encode(data) } as unknown as Msg;
}

describe('PlainJsonDeserializer', () => {
  const deserializer = new PlainJsonDeserializer();

  it('gives requests an id so they are answered, and leaves events without one', () => {
    const request = deserializer.deserialize(msg('{"a":1}', '_INBOX.1'), { channel: 'evento.v1.x' });
    expect(request).toMatchObject({ pattern: 'evento.v1.x', data: { a: 1 }, id: expect.any(String) });
    const event = deserializer.deserialize(msg('{"a":1}'), { channel: 'evento.v1.x' });
    expect(event).not.toHaveProperty('id');
  });

  it('turns an unreadable body into a marker carrying the typed error', () => {
    const request = deserializer.deserialize(msg('{bad', '_INBOX.2'), { channel: 'evento.v1.x' });
    expect(request.data).toBeInstanceOf(UnreadableBody);
    expect((request.data as UnreadableBody).error.code).toBe(ErrorCode.MALFORMED_MESSAGE);
  });
});

describe('ReplyEnvelopeSerializer', () => {
  const serializer = new ReplyEnvelopeSerializer();

  it('wraps results and errors in the protocol envelope', () => {
    expect(JSON.parse(serializer.serialize({ response: { ok: 1 }, isDisposed: true }).data)).toEqual({
      data: { ok: 1 },
    });
    expect(JSON.parse(serializer.serialize({ isDisposed: true }).data)).toEqual({ data: null });
    expect(JSON.parse(serializer.serialize({ err: { code: 'CONFLICT', message: 'm' } }).data)).toEqual({
      error: { code: 'CONFLICT', message: 'm' },
    });
  });

  it('maps Nest internals to protocol codes without leaking them', () => {
    const noHandler = serializer.serialize({
      err: 'There is no matching message handler defined in the remote service.',
    });
    expect(JSON.parse(noHandler.data)).toMatchObject({ error: { code: ErrorCode.NO_HANDLER } });
    const unknown = serializer.serialize({ err: new Error('stack here') });
    expect(JSON.parse(unknown.data)).toEqual({ error: { code: ErrorCode.INTERNAL, message: 'Internal error' } });
  });
});
