import { ErrorCode, RegistryContracts } from '@evento/contracts';
import { ContractClient } from '@evento/platform';
import { connectTestNats, dropDatabase, freshDatabaseUrl, queryDatabase, TEST_POSTGRES_URL } from '@evento/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { registryMigrations } from '../../apps/registry/src/database/migrations';
import { AddAggregateIdProperty1763800000350 } from '../../apps/registry/src/database/migrations/1763800000350-AddAggregateIdProperty';
import { type RunningApp, startApp } from '../support/apps';
import { helloFor, join, session } from './support';

/**
 * A catalog stored before payloads had owners, where two bundles handled the same command and
 * the gateways sent it to the first by bundle id, keeps routing where it routed once upgraded:
 * the migration gives each claimed payload to that first bundle, and the other may not take it.
 */
describe('a registry upgraded from the 1763800000350 schema', () => {
  const url = freshDatabaseUrl('rg_own_upgrade');
  let running: RunningApp;
  let nc: NatsConnection;
  let client: ContractClient;

  /** Bundle, component type and name, handler type, payload, return type. */
  const handlers: Array<[string, string, string, string, string, string | null]> = [
    ['alpha', 'aggregate', 'Payment', 'aggregate-command', 'Pay', 'Paid'],
    ['alpha', 'aggregate', 'Payment', 'event-sourcing', 'Paid', null],
    ['beta', 'aggregate', 'Payment', 'aggregate-command', 'Pay', 'Paid'],
    ['beta', 'aggregate', 'Payment', 'aggregate-command', 'Refund', 'Refunded'],
    ['beta', 'projection', 'Payments', 'query', 'FindPayments', 'PaymentView'],
    ['gamma', 'projection', 'Payments', 'query', 'FindPayments', 'PaymentView'],
    ['gamma', 'projector', 'Ledger', 'event', 'Paid', null],
    ['gamma', 'saga', 'Reminder', 'saga-event', 'Refunded', null],
  ];
  const kinds: Record<string, string> = {
    Pay: 'domain-command',
    Paid: 'domain-event',
    Refund: 'domain-command',
    Refunded: 'domain-event',
    FindPayments: 'query',
    PaymentView: 'view',
  };

  beforeAll(async () => {
    const name = decodeURIComponent(new URL(url).pathname.slice(1));
    const admin = new Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`).finally(() => admin.end());

    const upTo350 = registryMigrations.slice(0, registryMigrations.indexOf(AddAggregateIdProperty1763800000350) + 1);
    const old = await new DataSource({
      type: 'postgres',
      url,
      migrations: upTo350,
      migrationsTableName: 'registry_migrations',
    }).initialize();
    try {
      await old.runMigrations({ transaction: 'each' });
      for (const bundle of ['alpha', 'beta', 'gamma']) {
        await old.query(
          `INSERT INTO registry.bundles (bundle_id, bundle_version, discovered_at) VALUES ($1, '1', now())`,
          [bundle],
        );
        // A live, available instance each, so the routing table shows where each command goes.
        await old.query(
          `INSERT INTO registry.instances (instance_id, bundle_id, bundle_version, session_id, status, host, pid,
                                           registry_instance_id, lease_expires_at)
           VALUES ($1, $1, '1', $2, 'available', 'h', 1, 'old-registry', now() + interval '1 hour')`,
          [bundle, randomUUID()],
        );
      }
      for (const [bundle, type, component, handlerType, payload, returnType] of handlers) {
        await old.query(
          `INSERT INTO registry.components (bundle_id, name, type) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
          [bundle, component, type],
        );
        await old.query(
          `INSERT INTO registry.handlers (bundle_id, component_name, handler_type, payload, return_type)
           VALUES ($1, $2, $3, $4, $5)`,
          [bundle, component, handlerType, payload, returnType],
        );
        for (const declared of [payload, returnType].filter((p): p is string => p !== null)) {
          await old.query(
            `INSERT INTO registry.payloads (bundle_id, name, kind) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
            [bundle, declared, kinds[declared]],
          );
        }
      }
    } finally {
      await old.destroy();
    }
    nc = await connectTestNats();
    client = new ContractClient(() => nc);
    running = await startApp('registry', { DATABASE_URL: url, LEASE_SWEEP_MS: '60000' });
  });

  afterAll(async () => {
    await running?.app.close();
    await nc?.drain();
    await dropDatabase(url);
  });

  it('gives each claimed payload to the first bundle by id that handled or produced it; consumers take nothing', async () => {
    expect(
      await queryDatabase(url, 'SELECT payload, bundle_id, source FROM registry.payload_owners ORDER BY payload'),
    ).toEqual([
      { payload: 'FindPayments', bundle_id: 'beta', source: 'migration' },
      { payload: 'Paid', bundle_id: 'alpha', source: 'migration' },
      { payload: 'Pay', bundle_id: 'alpha', source: 'migration' },
      { payload: 'Refund', bundle_id: 'beta', source: 'migration' },
      { payload: 'Refunded', bundle_id: 'beta', source: 'migration' },
    ]);
  });

  it('routes each payload to its owner only, and refuses the other bundle taking it', async () => {
    const table = await client.request(RegistryContracts.routingTable, {});
    expect(table.routes.map((route) => [route.payload, route.bundleId])).toEqual([
      ['FindPayments', 'beta'],
      ['Pay', 'alpha'],
      ['Refund', 'beta'],
    ]);

    const beta = await join(client, helloFor('beta'));
    await expect(
      client.request(RegistryContracts.discover, {
        ...session(beta),
        descriptor: {
          components: [
            { type: 'aggregate', name: 'Payment', handlers: [{ handlerType: 'aggregate-command', payload: 'Pay' }] },
          ],
          payloads: [{ name: 'Pay', kind: 'domain-command' }],
        },
      }),
    ).rejects.toMatchObject({ code: ErrorCode.FORBIDDEN, details: { payloads: [{ payload: 'Pay', owner: 'alpha' }] } });
  });
});
