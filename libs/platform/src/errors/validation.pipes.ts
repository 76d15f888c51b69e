import { compileValidator } from '@evento/contracts';
import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';

const PRIMITIVES: unknown[] = [String, Boolean, Number, Array, Object];

type RuledType = new () => object;

/** A class whose rules the engine applies: not a primitive's wrapper, not a custom decorator's value. */
function ruledTypeOf(metadata: ArgumentMetadata): RuledType | undefined {
  const type = metadata.metatype;
  if (metadata.type === 'custom' || typeof type !== 'function' || PRIMITIVES.includes(type)) return undefined;
  return type as RuledType;
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
