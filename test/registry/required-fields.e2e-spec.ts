import { ErrorCode, type RequestContract, RegistryContracts } from '@evento/contracts';
import { randomUUID } from 'node:crypto';
import { useApps } from '../support/apps';
import { helloFor, join, session, todoDescriptor } from './support';

/** A deep copy of `body` without the property at `path` (`a.b.0.c`). */
function without(body: object, path: string): Record<string, unknown> {
  const copy = structuredClone(body) as Record<string, unknown>;
  const keys = path.split('.');
  let node: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  delete node[keys[keys.length - 1]];
  return copy;
}

/*
 * A client written from the protocol document alone may leave out anything. Every field the
 * document does not mark optional, nested ones included, is refused with VALIDATION_FAILED
 * naming it: never accepted, never an INTERNAL from a service dereferencing what is not there.
 */
describe('registry: a body without a required field is VALIDATION_FAILED naming the field', () => {
  const suite = useApps('registry', { label: 'registry_required_fields' });

  async function expectRefused(contract: RequestContract<object, unknown>, body: object, paths: string[]) {
    for (const path of paths) {
      const refused = await suite.client.request(contract, without(body, path)).then(
        () => ({ code: 'ACCEPTED', details: [] as unknown }),
        (error: { code: string; details: unknown }) => error,
      );
      expect({ path, code: refused.code }).toEqual({ path, code: ErrorCode.VALIDATION_FAILED });
      expect({ path, details: refused.details }).toMatchObject({
        path,
        details: expect.arrayContaining([expect.objectContaining({ property: path })]) as unknown,
      });
    }
  }

  it('bundles.hello: the location and its host and pid, and every top-level field', async () => {
    const hello = helloFor('required');
    await expectRefused(RegistryContracts.hello, hello, [
      'location',
      'location.host',
      'location.pid',
      'bundleId',
      'bundleVersion',
      'instanceId',
      'protocolVersion',
    ]);
    // Nothing was joined by the refused hellos; the complete one still is.
    await expect(join(suite.client, hello)).resolves.toMatchObject({ instanceId: hello.instanceId });
  });

  it('bundles.discover: the descriptor and the required fields of its components, handlers and payloads', async () => {
    const welcome = await join(suite.client, helloFor('required'));
    const body = { ...session(welcome), descriptor: todoDescriptor() };
    await expectRefused(RegistryContracts.discover, body, [
      'descriptor',
      'descriptor.components',
      'descriptor.payloads',
      'descriptor.components.0.type',
      'descriptor.components.0.name',
      'descriptor.components.0.handlers',
      'descriptor.components.0.handlers.0.handlerType',
      'descriptor.components.0.handlers.0.payload',
      'descriptor.payloads.0.name',
      'descriptor.payloads.0.kind',
      'instanceId',
      'sessionId',
    ]);
    await expect(suite.client.request(RegistryContracts.discover, body)).resolves.toMatchObject({ components: 7 });
  });

  it('bundles.discover-part: every field', async () => {
    const welcome = await join(suite.client, helloFor('required'));
    const body = {
      ...session(welcome),
      uploadId: randomUUID(),
      part: 1,
      parts: 1,
      chunk: JSON.stringify(todoDescriptor()),
    };
    await expectRefused(RegistryContracts.discoverPart, body, [
      'instanceId',
      'sessionId',
      'uploadId',
      'part',
      'parts',
      'chunk',
    ]);
  });

  it('instances.heartbeat, enable, disable, goodbye: the session', async () => {
    const welcome = await join(suite.client, helloFor('required'));
    for (const contract of [
      RegistryContracts.heartbeat,
      RegistryContracts.enable,
      RegistryContracts.disable,
      RegistryContracts.goodbye,
    ]) {
      await expectRefused(contract, session(welcome), ['instanceId', 'sessionId']);
    }
  });

  it('consumers.report: the list and the required fields of each consumer', async () => {
    const welcome = await join(suite.client, helloFor('required'));
    const body = {
      ...session(welcome),
      consumers: [
        {
          consumerId: 'required_P_1_default',
          componentName: 'P',
          componentType: 'projector',
          version: 1,
          context: 'default',
          active: true,
        },
      ],
    };
    await expectRefused(RegistryContracts.reportConsumers, body, [
      'consumers',
      'consumers.0.consumerId',
      'consumers.0.componentName',
      'consumers.0.componentType',
      'consumers.0.version',
      'consumers.0.context',
      'consumers.0.active',
      'instanceId',
      'sessionId',
    ]);
  });

  it('payloads.validate: the payload name and the body', async () => {
    await expectRefused(RegistryContracts.validatePayload, { payloadName: 'CreateTodoList', body: {} }, [
      'payloadName',
      'body',
    ]);
  });
});
