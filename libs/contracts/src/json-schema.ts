import { getMetadataStorage } from 'class-validator';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
// class-transformer keeps its @Type metadata here; the schemas need it for nested classes.
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';

export type JsonSchema = Record<string, unknown>;

/** Any class with class-validator rules: contract bodies, bundle payloads. */
export type RuledClass = abstract new (...args: never[]) => object;

const DEFINITIONS = '#/definitions/';

/**
 * JSON Schemas (draft-07) of classes, from their class-validator rules. Nested classes are
 * inlined as `definitions` of each schema, so every schema stands alone (the registry accepts
 * no reference outside the schema itself).
 */
export function schemasFor<T extends RuledClass>(types: T[]): Map<T, JsonSchema> {
  const all = validationMetadatasToSchemas({
    refPointerPrefix: DEFINITIONS,
    classTransformerMetadataStorage: defaultMetadataStorage,
    classValidatorMetadataStorage: getMetadataStorage(),
  }) as Record<string, JsonSchema>;
  const result = new Map<T, JsonSchema>();
  for (const type of types) {
    const own = all[type.name] ?? { type: 'object', properties: {} };
    const definitions: Record<string, JsonSchema> = {};
    const pending = referencedNames(own);
    while (pending.length > 0) {
      const name = pending.pop()!;
      if (definitions[name] || name === type.name) continue;
      const nested = all[name] ?? { type: 'object' };
      definitions[name] = nested;
      pending.push(...referencedNames(nested));
    }
    const schema: JsonSchema = { $schema: 'http://json-schema.org/draft-07/schema#', title: type.name, ...own };
    if (Object.keys(definitions).length > 0) schema.definitions = definitions;
    // A self-reference points at the root.
    result.set(
      type,
      JSON.parse(JSON.stringify(schema).split(`"${DEFINITIONS}${type.name}"`).join('"#"')) as JsonSchema,
    );
  }
  return result;
}

function referencedNames(schema: JsonSchema): string[] {
  const names: string[] = [];
  const text = JSON.stringify(schema);
  const pattern = /"\$ref":"#\/definitions\/([^"]+)"/g;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) names.push(match[1]);
  return names;
}
