import { type BundleConfiguration, type ConfigurationMessage, ErrorCode, EventoError } from '@evento/contracts';
import { Injectable, Logger } from '@nestjs/common';
import { InstanceControl } from '../control/instance-control';
import { type ConfigurationEntryRow, ConfigurationRepository } from './configuration.repository';
import {
  type BundleConfigurationDto,
  type ConfigurationChangeDto,
  type ConfigurationEntryDto,
  ConfigurationLimits,
  MASKED,
} from './dto/configuration.dto';

/**
 * Key/value settings per bundle. Instances get them whole in the welcome and again on every
 * change (a `configuration` message on their control subject). Secret values leave the
 * registry only towards the bundle: HTTP shows them masked, logs never carry any value.
 */
@Injectable()
export class ConfigurationService {
  private readonly logger = new Logger(ConfigurationService.name);

  constructor(
    private readonly repository: ConfigurationRepository,
    private readonly control: InstanceControl,
  ) {}

  /** For the welcome: values in clear. */
  async forBundle(bundleId: string): Promise<BundleConfiguration> {
    const rows = await this.repository.get(bundleId);
    return { version: rows.version, values: Object.fromEntries(rows.entries.map((e) => [e.key, e.value])) };
  }

  async view(bundleId: string): Promise<BundleConfigurationDto> {
    const rows = await this.repository.get(bundleId);
    return { bundleId, version: rows.version, entries: rows.entries.map(masked) };
  }

  async set(bundleId: string, key: string, value: string, secret?: boolean): Promise<ConfigurationChangeDto> {
    const outcome = await scrubbed(() =>
      this.repository.set(bundleId, key, value, secret, {
        maxKeys: ConfigurationLimits.keysPerBundle,
        maxBytes: ConfigurationLimits.bytesPerBundle,
      }),
    );
    if (outcome.kind === 'too-many') {
      throw new EventoError(ErrorCode.PAYLOAD_TOO_LARGE, `A bundle has at most ${outcome.limit} configuration keys`);
    }
    if (outcome.kind === 'too-large') {
      throw new EventoError(
        ErrorCode.PAYLOAD_TOO_LARGE,
        `A bundle's configuration is at most ${outcome.limit} bytes of JSON in all`,
      );
    }
    const deliveredTo = outcome.changed ? await this.deliver(bundleId) : [];
    if (outcome.changed) {
      this.logger.log(`Configuration of ${bundleId}: ${key} set (version ${outcome.version})`);
    }
    return { bundleId, version: outcome.version, entry: masked(outcome.entry), deliveredTo };
  }

  async delete(bundleId: string, key: string): Promise<void> {
    const version = await this.repository.delete(bundleId, key);
    if (version === null) {
      throw new EventoError(ErrorCode.NOT_FOUND, `Bundle ${bundleId} has no configuration key ${key}`);
    }
    this.logger.log(`Configuration of ${bundleId}: ${key} deleted (version ${version})`);
    await this.deliver(bundleId);
  }

  /**
   * Publishes the whole configuration (read after the change committed) to every live instance.
   * An instance that says hello meanwhile reads it in its welcome: its hello committed before
   * this read of live instances, or its welcome reads the configuration after this change.
   */
  private async deliver(bundleId: string): Promise<string[]> {
    const configuration = await this.forBundle(bundleId);
    const instanceIds = await this.repository.liveInstances(bundleId);
    const message: ConfigurationMessage = { type: 'configuration', bundleId, ...configuration };
    const delivered: string[] = [];
    for (const instanceId of instanceIds) {
      try {
        this.control.publish({ bundleId, instanceId }, message);
        delivered.push(instanceId);
      } catch (error) {
        // The value is stored; the instance gets it again with its next welcome.
        this.logger.warn(
          `Could not publish configuration to ${bundleId}/${instanceId}: ${error instanceof Error ? error.name : 'error'}`,
        );
      }
    }
    return delivered;
  }
}

/**
 * Database driver errors carry the query's parameters (a value, perhaps a secret) and an
 * unexpected error is logged whole: pass on only its message.
 */
async function scrubbed<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof EventoError) throw error;
    // No `cause` on purpose: the cause is the error carrying the value.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`Storing configuration failed: ${error instanceof Error ? error.message : 'unknown error'}`);
  }
}

function masked(entry: ConfigurationEntryRow): ConfigurationEntryDto {
  return { ...entry, value: entry.secret ? MASKED : entry.value };
}
