import { ErrorCode, RegistryContracts, type ValidatePayloadRequest } from '@evento/contracts';
import { PayloadValidator } from '../../apps/registry/src/catalog/payload-validator';
import { useApps } from '../support/apps';
import { helloFor, join, session, todoDescriptor } from './support';

describe('registry payload validation', () => {
  const suite = useApps('registry', { label: 'registry_payloads' });

  const validate = (payloadName: string, body: Record<string, unknown>) =>
    suite.client.request(RegistryContracts.validatePayload, { payloadName, body });

  it('validates bodies against the registered schema, compiling it once until the bundle registers another', async () => {
    const welcome = await join(suite.client, helloFor('todo'));
    await suite.client.request(RegistryContracts.discover, { ...session(welcome), descriptor: todoDescriptor() });
    const validator = suite.apps[0].app.get(PayloadValidator);
    const compilesBefore = validator.compiles;

    expect(await validate('CreateTodoList', { listId: 'l-1' })).toEqual({ valid: true, errors: [] });
    expect(await validate('CreateTodoList', { listId: 42 })).toEqual({
      valid: false,
      errors: [{ path: '/listId', message: 'must be string' }],
    });
    expect(await validate('CreateTodoList', {})).toEqual({
      valid: false,
      errors: [{ path: '', message: "must have required property 'listId'" }],
    });
    // A payload declared without a schema accepts any object.
    expect(await validate('ReminderSent', { anything: true })).toEqual({ valid: true, errors: [] });
    expect(validator.compiles - compilesBefore).toBe(1);

    // The bundle registers a stricter schema: the next validation uses it.
    const stricter = todoDescriptor();
    stricter.payloads[0].schema = {
      type: 'object',
      properties: { listId: { type: 'string', minLength: 3 }, title: { type: 'string' } },
      required: ['listId', 'title'],
      additionalProperties: false,
    };
    await suite.client.request(RegistryContracts.discover, { ...session(welcome), descriptor: stricter });
    const refused = await validate('CreateTodoList', { listId: 'l1', extra: 1 });
    expect(refused.valid).toBe(false);
    expect(refused.errors).toEqual(
      expect.arrayContaining([
        { path: '', message: "must have required property 'title'" },
        { path: '', message: "must not have property 'extra'" },
        { path: '/listId', message: 'must NOT have fewer than 3 characters' },
      ]),
    );
    expect(await validate('CreateTodoList', { listId: 'l-1', title: 'Groceries' })).toEqual({
      valid: true,
      errors: [],
    });
    expect(validator.compiles - compilesBefore).toBe(2);
  });

  it("checks an owned payload against its owner's schema only: another bundle declaring it changes nothing", async () => {
    const owner = await join(suite.client, helloFor('todo'));
    await suite.client.request(RegistryContracts.discover, { ...session(owner), descriptor: todoDescriptor() });
    // A bundle that only sends CreateTodoList and shows TodoListView declares both with schemas of its own.
    const mirror = await join(suite.client, helloFor('mirror'));
    await suite.client.request(RegistryContracts.discover, {
      ...session(mirror),
      descriptor: {
        components: [
          {
            type: 'invoker',
            name: 'MirrorUi',
            handlers: [{ handlerType: 'invocation', payload: 'MirrorUi.create', invokedCommands: ['CreateTodoList'] }],
          },
        ],
        payloads: [
          { name: 'MirrorUi.create', kind: 'invocation' },
          { name: 'CreateTodoList', kind: 'domain-command', schema: { type: 'object', required: ['mirrored'] } },
          { name: 'TodoListView', kind: 'view', schema: { type: 'object', required: ['mirrored'] } },
        ],
      },
    });
    expect(await validate('CreateTodoList', { listId: 'l-1', title: 'Groceries' })).toEqual({
      valid: true,
      errors: [],
    });
    // Nobody owns a view: every declaration's schema still counts, each error naming its bundle.
    expect(await validate('TodoListView', {})).toEqual({
      valid: false,
      errors: [{ path: '', message: "mirror: must have required property 'mirrored'" }],
    });
  });

  it('answers NOT_FOUND for a payload no bundle declares', async () => {
    await expect(validate('NoSuchPayload', {})).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
  });

  it('refuses a malformed request with VALIDATION_FAILED naming the fields', async () => {
    const malformed = { payloadName: 'has space', body: 'not an object' } as unknown as ValidatePayloadRequest;
    const error = await suite.client
      .request(RegistryContracts.validatePayload, malformed)
      .catch((failure: unknown) => failure);
    expect(error).toMatchObject({ code: ErrorCode.VALIDATION_FAILED });
    expect((error as { details: Array<{ property: string }> }).details.map((d) => d.property).sort()).toEqual([
      'body',
      'payloadName',
    ]);
  });
});
