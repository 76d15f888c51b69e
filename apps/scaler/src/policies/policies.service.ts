import { ErrorCode, EventoError } from '@evento/contracts';
import { Injectable } from '@nestjs/common';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ScalerConfig } from '../config/scaler.config';
import { type ActuatorView, POLICY_DEFAULTS, type PolicyDto, type PolicyView } from './dto/policy.dto';
import { PoliciesRepository } from './policies.repository';

function invalid(property: string, rule: string, message: string): EventoError {
  return new EventoError(ErrorCode.VALIDATION_FAILED, message, [{ property, constraints: { [rule]: message } }]);
}

/** Scaling policies: the rules each field carries, plus those that span fields or need the machine. */
@Injectable()
export class PoliciesService {
  constructor(
    private readonly repository: PoliciesRepository,
    private readonly config: ScalerConfig,
  ) {}

  list(): Promise<PolicyView[]> {
    return this.repository.list();
  }

  async get(bundleId: string): Promise<PolicyView> {
    const policy = await this.repository.find(bundleId);
    if (!policy) throw new EventoError(ErrorCode.NOT_FOUND, `No scaling policy for bundle ${bundleId}`);
    return policy;
  }

  async put(bundleId: string, dto: PolicyDto): Promise<{ policy: PolicyView; created: boolean }> {
    if (dto.minInstances > dto.maxInstances) {
      throw invalid(
        'maxInstances',
        'notBelowMin',
        `maxInstances (${dto.maxInstances}) must be at least minInstances (${dto.minInstances})`,
      );
    }
    const actuator = await this.checkActuator(dto);
    return this.repository.upsert({
      bundleId,
      enabled: dto.enabled,
      minInstances: dto.minInstances,
      maxInstances: dto.maxInstances,
      step: dto.step ?? POLICY_DEFAULTS.step,
      cooldownUpMs: dto.cooldownUpMs ?? POLICY_DEFAULTS.cooldownUpMs,
      cooldownDownMs: dto.cooldownDownMs ?? POLICY_DEFAULTS.cooldownDownMs,
      startTimeoutMs: dto.startTimeoutMs ?? POLICY_DEFAULTS.startTimeoutMs,
      drainTimeoutMs: dto.drainTimeoutMs ?? POLICY_DEFAULTS.drainTimeoutMs,
      autorun: dto.autorun ?? POLICY_DEFAULTS.autorun,
      actuator,
      // Only the known fields, so nothing else a caller sent is stored.
      rules: (dto.rules ?? []).map((rule) => ({
        metric: rule.metric,
        threshold: rule.threshold,
        windowMs: rule.windowMs,
        ...(rule.component !== undefined ? { component: rule.component } : {}),
      })),
      description: dto.description ?? null,
    });
  }

  async remove(bundleId: string): Promise<void> {
    if (!(await this.repository.remove(bundleId))) {
      throw new EventoError(ErrorCode.NOT_FOUND, `No scaling policy for bundle ${bundleId}`);
    }
  }

  /** Keeps only the fields of the chosen kind, and refuses a script the scaler could not run. */
  private async checkActuator(dto: PolicyDto): Promise<ActuatorView> {
    const { actuator } = dto;
    if (actuator.kind === 'kubernetes') {
      return { kind: 'kubernetes', namespace: actuator.namespace, deployment: actuator.deployment };
    }
    if (actuator.kind === 'none') return { kind: 'none' };
    const dir = this.config.DEPLOY_SCRIPT_DIR;
    if (!dir) {
      throw invalid('actuator.kind', 'scriptsEnabled', 'The script actuator is disabled: DEPLOY_SCRIPT_DIR is not set');
    }
    const path = join(dir, actuator.script!);
    const executable = await stat(path)
      .then((info) => info.isFile())
      .then((file) => file && access(path, constants.X_OK).then(() => true))
      .catch(() => false);
    if (!executable) {
      throw invalid(
        'actuator.script',
        'executable',
        `script ${actuator.script} is not an executable file in DEPLOY_SCRIPT_DIR`,
      );
    }
    return { kind: 'script', script: actuator.script, environment: actuator.environment ?? {} };
  }
}
