export { Nested, type NestedOptions, type RuledClass } from './nested.decorator';
export { type JsonSchema, schemasFor } from './json-schema';
export {
  compileValidator,
  type FieldProblem,
  refusal,
  type Validator,
  type ValidatorOptions,
} from './compile-validator';
