import { type AppName, PingRequest, type PingResponse, PROTOCOL_VERSION, SystemContracts } from '@evento/contracts';
import { Controller, type Type } from '@nestjs/common';
import { BaseConfig } from '../config';
import { Serve } from '../edge/serve.decorator';

export const SUITE_VERSION = '0.1.0';

/** Each app answers a ping on its own subject; the class is made per app because the subject is. */
export function systemMessageController(app: AppName): Type<unknown> {
  @Controller()
  class SystemMessageController {
    constructor(private readonly config: BaseConfig) {}

    @Serve(SystemContracts.ping[app])
    ping(request: PingRequest): PingResponse {
      return {
        app,
        instanceId: this.config.INSTANCE_ID,
        version: SUITE_VERSION,
        protocolVersion: PROTOCOL_VERSION,
        echo: request.echo,
        time: new Date().toISOString(),
      };
    }
  }
  return SystemMessageController;
}
