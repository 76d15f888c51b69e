import type { BundleDescriptor } from '@evento/contracts';
import { checkDescriptor, schemaError } from './descriptor-checks';

function descriptor(): BundleDescriptor {
  return {
    components: [
      {
        type: 'aggregate',
        name: 'Account',
        handlers: [
          { handlerType: 'aggregate-command', payload: 'Open', returnType: 'Opened' },
          { handlerType: 'event-sourcing', payload: 'Opened' },
        ],
      },
      {
        type: 'saga',
        name: 'Welcome',
        handlers: [{ handlerType: 'saga-event', payload: 'Opened', associationProperty: 'accountId' }],
      },
    ],
    payloads: [
      { name: 'Open', kind: 'domain-command', schema: { type: 'object', properties: { id: { type: 'string' } } } },
      { name: 'Opened', kind: 'domain-event' },
    ],
  };
}

const rules = (d: BundleDescriptor) =>
  checkDescriptor(d).map((p) => `${p.property}:${Object.keys(p.constraints).join(',')}`);

describe('descriptor checks', () => {
  it('accepts a consistent descriptor', () => {
    expect(checkDescriptor(descriptor())).toEqual([]);
  });

  it('refuses duplicate components, payloads and handlers', () => {
    const d = descriptor();
    d.components.push({ ...d.components[0] });
    d.payloads.push({ name: 'Open', kind: 'domain-command' });
    d.components[0].handlers.push({ handlerType: 'aggregate-command', payload: 'Open' });
    expect(rules(d)).toEqual([
      'descriptor.payloads.2.name:unique',
      'descriptor.components.0.handlers.2:unique',
      'descriptor.components.2.name:unique',
      'descriptor.components.2.handlers.2:unique',
    ]);
  });

  it('refuses handlers that do not fit their component, payload or return type', () => {
    const d = descriptor();
    d.components[0].handlers.push({ handlerType: 'query', payload: 'Opened' });
    d.components[0].handlers[0].returnType = 'Open';
    d.components[1].handlers[0].associationProperty = undefined;
    d.components[1].handlers.push({ handlerType: 'saga-event', payload: 'Missing', associationProperty: 'x' });
    expect(rules(d)).toEqual([
      'descriptor.components.0.handlers.0.returnType:fitsHandler',
      'descriptor.components.0.handlers.2.handlerType:fitsComponent',
      'descriptor.components.0.handlers.2.payload:fitsHandler',
      'descriptor.components.1.handlers.0.associationProperty:required',
      'descriptor.components.1.handlers.1.payload:declared',
    ]);
  });

  it('accepts aggregateIdProperty on domain commands only, where the schema allows the property', () => {
    const d = descriptor();
    d.payloads[0].aggregateIdProperty = 'id';
    expect(checkDescriptor(d)).toEqual([]);
    // A property the schema does not list is fine while the schema allows others.
    d.payloads[0].aggregateIdProperty = 'accountId';
    expect(checkDescriptor(d)).toEqual([]);
    d.payloads[0].schema = { type: 'object', properties: { id: { type: 'string' } }, additionalProperties: false };
    d.payloads[1].aggregateIdProperty = 'id';
    expect(rules(d)).toEqual([
      'descriptor.payloads.0.aggregateIdProperty:inSchema',
      'descriptor.payloads.1.aggregateIdProperty:domainCommand',
    ]);
  });

  it('refuses JSON Schemas that do not compile, naming the payload', () => {
    const d = descriptor();
    d.payloads[0].schema = { type: 'nonsense' };
    d.payloads[1].schema = { $ref: 'https://example.com/elsewhere.json' };
    const problems = checkDescriptor(d);
    expect(problems.map((p) => p.property)).toEqual(['descriptor.payloads.0.schema', 'descriptor.payloads.1.schema']);
    expect(problems[0].constraints.jsonSchema).toMatch(/^schema of Open does not compile: /);
  });

  it('compiles schemas of the draft they name', () => {
    expect(
      schemaError({ type: 'object', properties: { at: { type: 'string', format: 'date-time' } } }),
    ).toBeUndefined();
    expect(
      schemaError({ $schema: 'https://json-schema.org/draft/2020-12/schema', prefixItems: [{ type: 'string' }] }),
    ).toBeUndefined();
    expect(schemaError({ $schema: 'https://json-schema.org/draft/2019-09/schema', type: 'object' })).toBeUndefined();
    expect(schemaError({ type: 'object', properties: { n: { minimum: 'one' } } })).toMatch(/minimum/);
  });
});
