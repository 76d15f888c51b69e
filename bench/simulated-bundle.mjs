#!/usr/bin/env node
// The bundle of bench/gateway.mjs, run as a child process of the bench:
//
//   node bench/simulated-bundle.mjs <nats-url> <bundle-id> <snapshot-every> <echo-subject>
//
// A counter bundle speaking the protocol of docs/protocol.md with a plain NATS client, as a
// bundle in any language would (hello -> welcome, discover, enable, a heartbeat every
// heartbeatIntervalMs), answering domain-command work on its requests subject with the event
// its rules decide from the story, like test/gateway/simulated-bundle.ts. It also answers the
// floor's echo subject with the request's own body, so the floor's round trips cross the same
// process boundary as the real flow's. It runs in its own process, not in the bench's, so the
// bundle's work and the 64 clients' work do not share one event loop (a real bundle is a
// process of its own too) and its CPU time is measured apart.
//
// Prints one line `ready <instanceId> <requests subject>` on stdout when enabled; leaves with a
// goodbye on SIGTERM.

import { randomBytes } from 'node:crypto';
import { connectNats, request } from './support.mjs';

const REGISTRY = 'evento.v1.registry';
const PROTOCOL_VERSION = 1;

const [natsUrl, bundleId, snapshotEveryArg, echoSubject] = process.argv.slice(2);
const snapshotEvery = Number(snapshotEveryArg);
if (!natsUrl || !bundleId || !Number.isInteger(snapshotEvery) || snapshotEvery < 0 || !echoSubject) {
  process.stderr.write('usage: simulated-bundle.mjs <nats-url> <bundle-id> <snapshot-every> <echo-subject>\n');
  process.exit(2);
}

/** The counter aggregate: two domain commands, their events. */
function descriptor() {
  const object = { type: 'object' };
  return {
    components: [
      {
        type: 'aggregate',
        name: 'Counter',
        handlers: [
          { handlerType: 'aggregate-command', payload: 'CreateCounter', returnType: 'CounterCreated' },
          { handlerType: 'aggregate-command', payload: 'Increment', returnType: 'Incremented' },
          { handlerType: 'event-sourcing', payload: 'CounterCreated' },
          { handlerType: 'event-sourcing', payload: 'Incremented' },
        ],
      },
    ],
    payloads: [
      {
        name: 'CreateCounter',
        kind: 'domain-command',
        schema: { type: 'object', properties: { start: { type: 'integer' } }, additionalProperties: false },
      },
      {
        name: 'Increment',
        kind: 'domain-command',
        schema: { type: 'object', properties: { by: { type: 'integer', minimum: 1 } }, required: ['by'] },
      },
      { name: 'CounterCreated', kind: 'domain-event', schema: object },
      { name: 'Incremented', kind: 'domain-event', schema: object },
    ],
  };
}

const failed = (message, errorName) => ({ error: { code: 'HANDLER_FAILED', message, details: { errorName } } });

/** The counter's rules applied to the story the gateway sent (snapshot, then the later events). */
function decide(work) {
  if (work?.type !== 'domain-command') {
    return { error: { code: 'NO_HANDLER', message: `No handler for ${work?.type}` } };
  }
  const { story } = work;
  if (story.deleted) return failed('The counter was deleted', 'AggregateDeletedError');
  let value = story.snapshot?.state?.value ?? 0;
  for (const event of story.events) value = event.payload?.value ?? value;
  switch (work.command) {
    case 'CreateCounter':
      if (story.version > 0) return failed('Already created', 'AggregateInitializedError');
      return { data: { event: { eventName: 'CounterCreated', payload: { value: work.payload.start ?? 0 } } } };
    case 'Increment': {
      if (story.version === 0) return failed('No such counter', 'AggregateNotInitializedError');
      const next = value + (work.payload.by ?? 1);
      // A snapshot every N versions keeps the story the gateway loads short, as a real bundle would.
      const snapshot = snapshotEvery > 0 && (story.version + 1) % snapshotEvery === 0;
      return {
        data: {
          event: { eventName: 'Incremented', payload: { value: next } },
          ...(snapshot ? { snapshot: { state: { value: next } } } : {}),
        },
      };
    }
    default:
      return { error: { code: 'NO_HANDLER', message: `No handler for ${work.command}` } };
  }
}

const instanceId = `${bundleId}-${randomBytes(3).toString('hex')}`;
const nc = await connectNats(natsUrl, `evento-bench-bundle-${instanceId}`);

nc.subscribe(echoSubject, {
  callback: (error, msg) => {
    if (!error) msg.respond(msg.data);
  },
});

const { data: welcome } = await request(nc, `${REGISTRY}.bundles.hello`, {
  bundleId,
  bundleVersion: '1.0.0',
  instanceId,
  protocolVersion: PROTOCOL_VERSION,
  location: { host: 'bench', pid: process.pid },
});
const session = { instanceId, sessionId: welcome.sessionId };

nc.subscribe(welcome.subjects.requests, {
  callback: (error, msg) => {
    if (error) return;
    let reply;
    try {
      reply = decide(JSON.parse(msg.string()));
    } catch (failure) {
      reply = failed(String(failure), 'Error');
    }
    msg.respond(JSON.stringify(reply));
  },
});
await nc.flush();
await request(nc, `${REGISTRY}.bundles.discover`, { ...session, descriptor: descriptor() });
await request(nc, `${REGISTRY}.instances.enable`, session);

const heartbeat = setInterval(() => {
  request(nc, `${REGISTRY}.instances.heartbeat`, session)
    .then(({ data }) => {
      // The bench fails loudly rather than measure a bundle the registry no longer routes to.
      if (data.status !== 'ok') {
        process.stderr.write(`heartbeat answered ${data.status} (${data.reason})\n`);
        process.exit(1);
      }
    })
    .catch((failure) => process.stderr.write(`heartbeat failed: ${failure.message}\n`));
}, welcome.heartbeatIntervalMs);

process.stdout.write(`ready ${instanceId} ${welcome.subjects.requests}\n`);

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  clearInterval(heartbeat);
  void request(nc, `${REGISTRY}.instances.goodbye`, session, 2000)
    .catch(() => undefined)
    .finally(() => nc.close().finally(() => process.exit(0)));
});
