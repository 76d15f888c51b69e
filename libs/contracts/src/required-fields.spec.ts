import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, IS_OPTIONAL, validateSync } from 'class-validator';
import * as contracts from './index';

type AnyClass = new () => object;

/** Every exported class that carries validation rules: the ones bodies are checked against. */
function validatedClasses(): Array<[string, AnyClass]> {
  const storage = getMetadataStorage();
  return Object.entries(contracts)
    .filter((entry): entry is [string, AnyClass] => typeof entry[1] === 'function' && 'prototype' in entry[1])
    .filter(([, type]) => storage.getTargetValidationMetadatas(type, '', true, false).length > 0);
}

/** Properties of `type` with rules but without @IsOptional: the document calls them required. */
function requiredProperties(type: AnyClass): string[] {
  const metas = getMetadataStorage().getTargetValidationMetadatas(type, '', true, false);
  const optional = new Set(metas.filter((meta) => meta.name === IS_OPTIONAL).map((meta) => meta.propertyName));
  return [...new Set(metas.map((meta) => meta.propertyName))].filter((property) => !optional.has(property));
}

/*
 * class-validator skips every rule of a nested object that is absent (@ValidateNested alone
 * accepts `undefined`), so a required nested property needs @IsDefined: without it a body
 * missing it is accepted and the service that reads it fails with INTERNAL.
 */
describe('contract classes: a property not marked @IsOptional is refused when absent', () => {
  const classes = validatedClasses();

  it('finds the contract classes', () => {
    expect(classes.map(([name]) => name)).toEqual(
      expect.arrayContaining(['HelloRequest', 'DiscoverRequest', 'DomainCommandOutcome', 'AppendRequest']),
    );
  });

  it.each(classes)('%s', (_name, type) => {
    const failing = new Set(
      validateSync(plainToInstance(type, {}), { whitelist: true, forbidUnknownValues: true }).map(
        (error) => error.property,
      ),
    );
    const acceptedWhenAbsent = requiredProperties(type).filter((property) => !failing.has(property));
    expect(acceptedWhenAbsent).toEqual([]);
  });
});
