import type { BundleDescriptor } from '@evento/contracts';
import { payloadClaims } from './payload-claims';

function descriptor(): BundleDescriptor {
  return {
    components: [
      {
        type: 'aggregate',
        name: 'Account',
        handlers: [
          { handlerType: 'aggregate-command', payload: 'Open', returnType: 'Opened' },
          { handlerType: 'event-sourcing', payload: 'Opened' },
          { handlerType: 'event-sourcing', payload: 'Closed' },
        ],
      },
      {
        type: 'service',
        name: 'Mailer',
        handlers: [{ handlerType: 'service-command', payload: 'SendMail', returnType: 'MailSent' }],
      },
      {
        type: 'projection',
        name: 'Accounts',
        handlers: [{ handlerType: 'query', payload: 'FindAccount', returnType: 'AccountView' }],
      },
      { type: 'projector', name: 'AccountProjector', handlers: [{ handlerType: 'event', payload: 'Opened' }] },
      { type: 'observer', name: 'Audit', handlers: [{ handlerType: 'event', payload: 'Transferred' }] },
      {
        type: 'saga',
        name: 'Welcome',
        handlers: [
          {
            handlerType: 'saga-event',
            payload: 'Registered',
            associationProperty: 'accountId',
            invokedCommands: ['Open'],
            invokedQueries: ['FindUser'],
          },
        ],
      },
      {
        type: 'invoker',
        name: 'Ui',
        handlers: [{ handlerType: 'invocation', payload: 'Ui.open', invokedCommands: ['Open'] }],
      },
    ],
    payloads: [],
  };
}

describe('payloadClaims', () => {
  it('takes the commands and queries a bundle handles and the events its aggregates and services produce', () => {
    expect(payloadClaims(descriptor())).toEqual([
      { payload: 'Closed', componentName: 'Account', handlerType: 'event-sourcing', as: 'handles' },
      { payload: 'FindAccount', componentName: 'Accounts', handlerType: 'query', as: 'handles' },
      { payload: 'MailSent', componentName: 'Mailer', handlerType: 'service-command', as: 'returns' },
      { payload: 'Open', componentName: 'Account', handlerType: 'aggregate-command', as: 'handles' },
      { payload: 'Opened', componentName: 'Account', handlerType: 'aggregate-command', as: 'returns' },
      { payload: 'SendMail', componentName: 'Mailer', handlerType: 'service-command', as: 'handles' },
    ]);
  });

  it('never takes what consumers read, what handlers invoke, views or invocations', () => {
    const names = payloadClaims(descriptor()).map((claim) => claim.payload);
    for (const name of ['Transferred', 'Registered', 'FindUser', 'AccountView', 'Ui.open']) {
      expect(names).not.toContain(name);
    }
  });

  it('claims nothing for a bundle of consumers only', () => {
    const consumers: BundleDescriptor = {
      components: [{ type: 'projector', name: 'P', handlers: [{ handlerType: 'event', payload: 'Opened' }] }],
      payloads: [{ name: 'Opened', kind: 'domain-event' }],
    };
    expect(payloadClaims(consumers)).toEqual([]);
  });
});
