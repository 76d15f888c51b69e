import { ErrorCode, EventoError } from '@evento/contracts';

/** The request never reached the instance (nobody listens on its subject): safe to send elsewhere. */
export class InstanceUnreachable extends Error {
  override readonly name = 'InstanceUnreachable';
  constructor(readonly instanceId: string) {
    super(`Instance ${instanceId} does not listen on its requests subject`);
  }
}

/** The instance left (lease expired, goodbye, superseded) while it held the request. */
export class InstanceLost extends Error {
  override readonly name = 'InstanceLost';
  constructor(
    readonly instanceId: string,
    readonly reason: string,
  ) {
    super(`Instance ${instanceId} left (${reason}) while handling the request`);
  }

  toEventoError(what: string): EventoError {
    return new EventoError(
      ErrorCode.INSTANCE_LOST,
      `${what}: instance ${this.instanceId} left (${this.reason}) before answering; the outcome is unknown`,
      { instanceId: this.instanceId, reason: this.reason },
    );
  }
}
