import { compileValidator } from '@evento/contracts';
import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import type { MetadataScanner } from '@nestjs/core';
import { getMetadataStorage } from 'class-validator';

const PRIMITIVES: unknown[] = [String, Boolean, Number, Array, Object];

type RuledType = new () => object;

/** A class whose rules the engine applies: not a primitive's wrapper, not a custom decorator's value. */
function ruledTypeOf(metadata: ArgumentMetadata): RuledType | undefined {
  const type = metadata.metatype;
  if (metadata.type === 'custom' || typeof type !== 'function' || PRIMITIVES.includes(type)) return undefined;
  return type as RuledType;
}

/** Classes with class-validator rules: the ones the engine checks (others pass through untouched). */
function hasRules(type: RuledType): boolean {
  return getMetadataStorage().getTargetValidationMetadatas(type, '', true, false).length > 0;
}

/**
 * HTTP bodies, queries and params, by the validation engine: bodies as sent, query strings and
 * path parameters coerced to the types the rules ask for. The DTO comes back as an instance of
 * its class (its getters work), holding only the declared properties.
 */
@Injectable()
export class HttpValidationPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const type = ruledTypeOf(metadata);
    if (!type) return value;
    const validated = compileValidator(type, { coerce: metadata.type !== 'body' })(value);
    return Object.assign(new type(), validated);
  }
}

/**
 * Compiles, at boot, the validators of every class an HTTP handler takes (bodies as sent,
 * queries and params coerced): compiled on its first request instead, a large DTO would hold
 * that request's event loop for as long as compiling takes.
 */
export function compileHttpValidators(controllers: object[], scanner: MetadataScanner): number {
  const types = new Set<RuledType>();
  for (const controller of controllers) {
    const prototype = Object.getPrototypeOf(controller) as object;
    for (const method of scanner.getAllMethodNames(prototype)) {
      const parameters = (Reflect.getMetadata('design:paramtypes', prototype, method) ?? []) as unknown[];
      for (const type of parameters) {
        const ruled = ruledTypeOf({ type: 'body', metatype: type as ArgumentMetadata['metatype'] });
        if (ruled && hasRules(ruled)) types.add(ruled);
      }
    }
  }
  for (const type of types) {
    compileValidator(type);
    compileValidator(type, { coerce: true });
  }
  return types.size;
}
