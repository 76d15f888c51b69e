import { getMetadataStorage, IsArray } from 'class-validator';
import * as contracts from './index';

type AnyClass = new () => object;

/**
 * Every array a contract accepts has an upper bound. Beyond the bound a body is refused with
 * one problem, before its items are looked at; an unbounded array of, say, 99,000 broken items
 * would have every item's problem listed, which costs the app more than the body cost to send.
 */
const storage = getMetadataStorage();

function unboundedArrays(type: AnyClass): string[] {
  const metas = storage.getTargetValidationMetadatas(type, '', true, false);
  const arrays = new Set(
    metas
      .filter((meta) => meta.name === 'isArray' || (meta.type === 'nestedValidation' && meta.each))
      .map((meta) => meta.propertyName),
  );
  const bounded = new Set(metas.filter((meta) => meta.name === 'arrayMaxSize').map((meta) => meta.propertyName));
  return [...arrays].filter((property) => !bounded.has(property));
}

describe('contract classes bound every array they accept', () => {
  const classes = Object.entries(contracts).filter(
    (entry): entry is [string, AnyClass] =>
      typeof entry[1] === 'function' &&
      'prototype' in entry[1] &&
      storage.getTargetValidationMetadatas(entry[1], '', true, false).length > 0,
  );

  it('notices an unbounded array', () => {
    class Loose {
      @IsArray()
      items: string[];

      @contracts.Nested(() => Loose, { each: true })
      children: Loose[];
    }
    expect(unboundedArrays(Loose).sort()).toEqual(['children', 'items']);
  });

  it.each(classes)('%s', (_name, type) => {
    expect(unboundedArrays(type)).toEqual([]);
  });
});
