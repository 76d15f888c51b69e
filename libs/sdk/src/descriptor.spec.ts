import { IsInt, IsString, Max, Min, MinLength } from 'class-validator';
import Ajv from 'ajv';
import { Nested } from '@evento/contracts';
import { buildDescriptor } from './descriptor';
import {
  Aggregate,
  AggregateCommandHandler,
  componentOf,
  EventHandler,
  EventSourcingHandler,
  InvocationHandler,
  Invoker,
  Projection,
  Projector,
  QueryHandler,
  Saga,
  SagaEventHandler,
} from './metadata';
import { AggregateId, aggregateIdPropertyOf, DomainCommand, DomainEvent, Query, View } from './payloads';

class Address {
  @IsString()
  city: string;
}

class OpenAccount extends DomainCommand {
  @IsString()
  @MinLength(3)
  accountId: string;

  @IsInt()
  @Min(0)
  @Max(1000)
  limit: number;

  @Nested(() => Address)
  address: Address;

  getAggregateId(): string {
    return this.accountId;
  }
}

class AccountOpened extends DomainEvent {
  @IsString()
  accountId: string;
}

class AccountView extends View {
  @IsString()
  accountId: string;
}

class FindAccount extends Query<AccountView | null> {
  @IsString()
  accountId: string;
}

@Aggregate({ snapshotFrequency: 5 })
class Account {
  @AggregateCommandHandler({ init: true })
  open(command: OpenAccount): AccountOpened {
    return AccountOpened.of({ accountId: command.accountId });
  }

  @EventSourcingHandler()
  opened(event: AccountOpened) {
    return { id: event.accountId };
  }
}

@Projector({ version: 3, context: 'banking', waitForHeadReached: true })
class AccountProjector {
  @EventHandler()
  opened(_event: AccountOpened): void {}
}

@Projection()
class AccountProjection {
  @QueryHandler({ returns: AccountView })
  find(_query: FindAccount): AccountView | null {
    return null;
  }
}

@Saga({ version: 2 })
class WelcomeSaga {
  @SagaEventHandler({ associationProperty: 'accountId', init: true, invokes: [OpenAccount] })
  opened(_event: AccountOpened) {
    return {};
  }
}

@Invoker()
class AccountInvoker {
  @InvocationHandler({ invokes: [OpenAccount, FindAccount] })
  openAndFind(): void {}
}

describe('descriptor from decorators', () => {
  const components = [Account, AccountProjector, AccountProjection, WelcomeSaga, AccountInvoker].map((type) =>
    componentOf(type)!,
  );
  const descriptor = buildDescriptor(components, { description: 'Banking' });

  it('lists every component with its handlers, return types and associations', () => {
    expect(descriptor.components).toEqual([
      {
        type: 'aggregate',
        name: 'Account',
        handlers: [
          { handlerType: 'aggregate-command', payload: 'OpenAccount', returnType: 'AccountOpened' },
          { handlerType: 'event-sourcing', payload: 'AccountOpened' },
        ],
      },
      { type: 'projector', name: 'AccountProjector', handlers: [{ handlerType: 'event', payload: 'AccountOpened' }] },
      {
        type: 'projection',
        name: 'AccountProjection',
        handlers: [{ handlerType: 'query', payload: 'FindAccount', returnType: 'AccountView' }],
      },
      {
        type: 'saga',
        name: 'WelcomeSaga',
        handlers: [
          {
            handlerType: 'saga-event',
            payload: 'AccountOpened',
            associationProperty: 'accountId',
            invokedCommands: ['OpenAccount'],
          },
        ],
      },
      {
        type: 'invoker',
        name: 'AccountInvoker',
        handlers: [
          {
            handlerType: 'invocation',
            payload: 'AccountInvoker.openAndFind',
            invokedCommands: ['OpenAccount'],
            invokedQueries: ['FindAccount'],
          },
        ],
      },
    ]);
    expect(descriptor.payloads.map((p) => [p.name, p.kind]).sort()).toEqual(
      [
        ['AccountInvoker.openAndFind', 'invocation'],
        ['AccountOpened', 'domain-event'],
        ['AccountView', 'view'],
        ['FindAccount', 'query'],
        ['OpenAccount', 'domain-command'],
      ].sort(),
    );
  });

  it("tells the server which payload property holds a domain command's aggregate id", () => {
    expect(descriptor.payloads.find((p) => p.name === 'OpenAccount')).toMatchObject({
      kind: 'domain-command',
      aggregateIdProperty: 'accountId',
    });
    for (const payload of descriptor.payloads.filter((p) => p.kind !== 'domain-command')) {
      expect(payload.aggregateIdProperty).toBeUndefined();
    }
  });

  it('finds the aggregate id property from getAggregateId(), or from @AggregateId()', () => {
    class Plain extends DomainCommand {
      listId: string;
      getAggregateId(): string {
        return this.listId;
      }
    }
    class Checked extends DomainCommand {
      listId: string;
      getAggregateId(): string {
        if (!this.listId) throw new Error('no list');
        return this.listId;
      }
    }
    class Composite extends DomainCommand {
      tenant: string;
      listId: string;
      getAggregateId(): string {
        return `${this.tenant}-${this.listId}`;
      }
    }
    class Prefixed extends DomainCommand {
      listId: string;
      getAggregateId(): string {
        return `list-${this.listId}`;
      }
    }
    class Throwing extends DomainCommand {
      listId: string;
      getAggregateId(): string {
        return this.listId.toLowerCase().replace(/[^a-z]/g, '');
      }
    }
    class Marked extends DomainCommand {
      @AggregateId()
      listId: string;
      getAggregateId(): string {
        return [this.listId][0];
      }
    }
    abstract class ListCommand extends DomainCommand {
      @AggregateId()
      listId: string;
      getAggregateId(): string {
        return this.listId;
      }
    }
    class Rename extends ListCommand {
      name: string;
    }
    class Contradicting extends DomainCommand {
      @AggregateId()
      listId: string;
      otherId: string;
      getAggregateId(): string {
        return this.otherId;
      }
    }
    expect(aggregateIdPropertyOf(Plain)).toBe('listId');
    expect(aggregateIdPropertyOf(Checked)).toBe('listId');
    expect(aggregateIdPropertyOf(Composite)).toBeUndefined();
    expect(aggregateIdPropertyOf(Prefixed)).toBeUndefined();
    expect(aggregateIdPropertyOf(Throwing)).toBeUndefined();
    expect(aggregateIdPropertyOf(Marked)).toBe('listId');
    expect(aggregateIdPropertyOf(Rename)).toBe('listId');
    expect(() => aggregateIdPropertyOf(Contradicting)).toThrow(/returns otherId but @AggregateId\(\) marks listId/);
    expect(() => {
      class Twice extends DomainCommand {
        @AggregateId()
        a: string;
        @AggregateId()
        b: string;
        getAggregateId(): string {
          return this.a;
        }
      }
      return Twice;
    }).toThrow(/marks both/);
  });

  it('keeps consumer options', () => {
    expect(componentOf(AccountProjector)).toMatchObject({ version: 3, context: 'banking', waitForHeadReached: true });
    expect(componentOf(Account)).toMatchObject({ snapshotFrequency: 5 });
  });

  it('derives self-contained JSON Schemas from the validation rules', () => {
    const schema = descriptor.payloads.find((p) => p.name === 'OpenAccount')!.schema!;
    expect(schema).toMatchObject({
      type: 'object',
      properties: {
        accountId: { type: 'string', minLength: 3 },
        limit: { type: 'integer', minimum: 0, maximum: 1000 },
      },
    });
    expect(JSON.stringify(schema)).not.toMatch(/"\$ref":"#\/definitions\/(?!Address)/);
    const validate = new Ajv({ strict: false }).compile(schema);
    expect(validate({ accountId: 'abc', limit: 10, address: { city: 'Rome' } })).toBe(true);
    expect(validate({ accountId: 'ab', limit: 10, address: { city: 'Rome' } })).toBe(false);
    expect(validate({ accountId: 'abc', limit: 10, address: { city: 4 } })).toBe(false);
  });

  it('refuses a handler whose parameter is not a payload class', () => {
    expect(() => {
      class Bad {
        @EventHandler()
        handle(_value: string): void {}
      }
      return Bad;
    }).toThrow(/first parameter must be a payload class/);
  });
});
