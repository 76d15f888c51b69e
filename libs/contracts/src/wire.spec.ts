import { ErrorCode } from './errors';
import { assertJsonShape, assertSafeJson, parseRequestBody } from './wire';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('parseRequestBody', () => {
  it('parses JSON objects and treats an empty body as {}', () => {
    expect(parseRequestBody(bytes('{"a":[1,"x"]}'))).toEqual({ a: [1, 'x'] });
    expect(parseRequestBody(new Uint8Array())).toEqual({});
  });

  it.each([
    ['not JSON', bytes('{oops'), ErrorCode.MALFORMED_MESSAGE],
    ['invalid UTF-8', new Uint8Array([0xff, 0xfe]), ErrorCode.MALFORMED_MESSAGE],
    ['too large', bytes(`"${'x'.repeat(64)}"`), ErrorCode.PAYLOAD_TOO_LARGE],
  ])('refuses a body that is %s', (_what, body, code) => {
    expect(() => parseRequestBody(body, 32)).toThrow(expect.objectContaining({ code }));
  });
});

describe('assertSafeJson', () => {
  it('accepts ordinary documents up to the limits', () => {
    expect(() => assertSafeJson({ a: { b: [1, 2, { c: 'd' }] } }, { maxDepth: 4, maxNodes: 10 })).not.toThrow();
  });

  it('refuses nesting beyond the depth limit without recursing', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i += 1) deep = [deep];
    expect(() => assertSafeJson(deep)).toThrow(/nested deeper/);
  });

  it('refuses documents with too many values', () => {
    expect(() => assertSafeJson(new Array(20).fill(0), { maxDepth: 10, maxNodes: 10 })).toThrow(/more than 10/);
  });

  it('refuses the NUL character in values and keys', () => {
    expect(() => assertSafeJson({ a: 'x\u0000' })).toThrow(/NUL/);
    expect(() => assertSafeJson({ 'k\u0000': 1 })).toThrow(/NUL/);
  });

  it('refuses the keys the validation pipes would strip, at any depth', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      expect(() => assertSafeJson(JSON.parse(`{"a":[{"${key}":1}]}`))).toThrow(/__proto__, constructor or prototype/);
    }
    expect(() => assertSafeJson({ toString: 1, valueOf: { hasOwnProperty: 2 } })).not.toThrow();
  });

  it('refuses an object with more keys than the bound, wherever it is', () => {
    const wide = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, i]));
    expect(() => assertSafeJson({ a: [wide] }, { maxKeysPerObject: 10 })).toThrow(/more than 10 keys/);
    expect(() => assertSafeJson({ a: [wide] }, { maxKeysPerObject: 11 })).not.toThrow();
  });
});

describe('assertJsonShape', () => {
  const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

  it('counts keys per object, not across objects, and ignores what strings hold', () => {
    const ten = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, i]));
    expect(() => assertJsonShape(bytes({ a: ten, b: [ten, ten] }), { maxKeysPerObject: 10 })).not.toThrow();
    expect(() => assertJsonShape(bytes({ ...ten, extra: 1 }), { maxKeysPerObject: 10 })).toThrow(/more than 10 keys/);
    const tricky = { s: 'a:b,{c:[d', t: 'quote \\" and : inside', u: '\\\\' };
    expect(() => assertJsonShape(bytes(tricky), { maxKeysPerObject: 3, maxDepth: 1, maxNodes: 3 })).not.toThrow();
  });

  it('bounds depth and values before parsing', () => {
    expect(() => assertJsonShape(bytes('[[[[1]]]]'), { maxDepth: 3 })).toThrow(/deeper than 3/);
    expect(() => assertJsonShape(bytes('[[[1]]]'), { maxDepth: 3 })).not.toThrow();
    expect(() => assertJsonShape(bytes([1, 2, 3, 4]), { maxNodes: 3 })).toThrow(/more than 3 values/);
  });

  it('scans a megabyte in a few milliseconds, and refuses 95,000 keys before JSON.parse sees them', () => {
    const huge = Object.fromEntries(Array.from({ length: 95_000 }, (_, i) => [i.toString(36), 0]));
    const text = bytes(huge);
    const started = performance.now();
    expect(() => assertJsonShape(text)).toThrow(/more than 10000 keys/);
    expect(() => parseRequestBody(text)).toThrow(/more than 10000 keys/);
    expect(performance.now() - started).toBeLessThan(50);
  });
});
