/** Version of the bundle protocol this server speaks; bundles announce theirs in the hello. */
export const PROTOCOL_VERSION = 1;

/** Every subject of the protocol starts with this prefix; a breaking change gets a new one. */
export const SUBJECT_PREFIX = 'evento.v1';

/** NATS headers that travel with every request (all optional for plain clients). */
export const Headers = {
  requestId: 'evento-request-id',
  correlationId: 'evento-correlation-id',
  /** Absolute deadline, milliseconds since the Unix epoch. */
  deadline: 'evento-deadline',
  /** The sending bundle's id and token, required by the gateway when bundle tokens are configured. */
  bundleId: 'evento-bundle-id',
  token: 'evento-token',
} as const;

/** Limits applied to every JSON body before it is validated (HTTP and NATS). */
export const JsonLimits = {
  maxBytes: 1024 * 1024,
  maxDepth: 64,
  maxNodes: 100_000,
  /** Keys of one object: a body of one huge object is refused before anything walks its keys. */
  maxKeysPerObject: 10_000,
} as const;

/** The five apps of the suite; each serves its own subjects under `evento.v1.<app>.`. */
export const APP_NAMES = ['gateway', 'event-store', 'registry', 'telemetry', 'scaler'] as const;
export type AppName = (typeof APP_NAMES)[number];
