import { mintShortLivedToken } from '@evento/platform';
import { Injectable } from '@nestjs/common';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ScalerConfig } from '../config/scaler.config';
import { ActuatorError, type ActuatorRequest, type ActuatorResult } from './actuator';

/** A fixed search path: the script gets none of the scaler's own environment (its secrets included). */
const SCRIPT_PATH_ENV = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Keeps the first `limit` bytes of a stream, and says how much it dropped. */
class BoundedOutput {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private dropped = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    const room = this.limit - this.kept;
    if (room > 0) {
      const part = chunk.subarray(0, room);
      this.chunks.push(part);
      this.kept += part.length;
    }
    this.dropped += Math.max(0, chunk.length - Math.max(0, room));
  }

  text(secret?: string): string {
    let text = Buffer.concat(this.chunks).toString('utf8');
    // Scripts echo their environment sometimes: the credential never reaches the log.
    if (secret) text = text.split(secret).join('***');
    return this.dropped > 0 ? `${text}\n[… ${this.dropped} more bytes not kept]` : text;
  }
}

/**
 * The original's bundle deploy script: runs an executable from DEPLOY_SCRIPT_DIR with the
 * request as JSON on stdin (policy, bundle descriptor, instance ids to use), a short-lived
 * credential for the bundle and the suite's NATS address in its environment, a timeout (the whole process
 * group is killed), and its output kept, bounded, for the decision log. Exit 0 is success.
 * Only starts go through the script; stopping is the drain message.
 */
@Injectable()
export class ScriptActuator {
  constructor(private readonly config: ScalerConfig) {}

  start(request: ActuatorRequest): Promise<ActuatorResult> {
    const { policy } = request;
    const dir = this.config.DEPLOY_SCRIPT_DIR;
    if (!dir || !policy.actuator.script) {
      return Promise.reject(new ActuatorError('The script actuator is disabled: DEPLOY_SCRIPT_DIR is not set'));
    }
    // Never the static secret: a token derived from it, for this bundle, that expires.
    const secret = this.config.bundleToken(policy.bundleId);
    const token = secret
      ? mintShortLivedToken(policy.bundleId, secret, Date.now() + this.config.DEPLOY_SCRIPT_TOKEN_TTL_MS)
      : undefined;
    const input = {
      action: 'start',
      decisionId: request.decisionId,
      bundleId: policy.bundleId,
      count: request.count,
      target: request.target,
      instanceIds: request.instanceIds,
      policy: { ...policy },
      descriptor: {
        bundleId: policy.bundleId,
        environment: policy.actuator.environment ?? {},
        natsServers: this.config.natsServers,
        subjectPrefix: this.config.NATS_SUBJECT_PREFIX ?? null,
      },
    };
    const env: Record<string, string> = {
      PATH: SCRIPT_PATH_ENV,
      EVENTO_BUNDLE_ID: policy.bundleId,
      EVENTO_DECISION_ID: request.decisionId,
      EVENTO_NATS_URL: this.config.natsServers.join(','),
    };
    if (this.config.NATS_SUBJECT_PREFIX) env.EVENTO_NATS_SUBJECT_PREFIX = this.config.NATS_SUBJECT_PREFIX;
    if (token) env.EVENTO_BUNDLE_TOKEN = token;
    return this.run(join(dir, policy.actuator.script), JSON.stringify(input), env, token);
  }

  private run(path: string, stdin: string, env: Record<string, string>, secret?: string): Promise<ActuatorResult> {
    const timeoutMs = this.config.DEPLOY_SCRIPT_TIMEOUT_MS;
    const output = new BoundedOutput(this.config.DEPLOY_SCRIPT_OUTPUT_BYTES);
    return new Promise<ActuatorResult>((resolve, reject) => {
      const child = spawn(path, [], { env, cwd: this.config.DEPLOY_SCRIPT_DIR, detached: true, stdio: 'pipe' });
      let settled = false;
      const settle = (error: ActuatorError | undefined) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve({ output: output.text(secret) });
      };
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
        // Something the script left behind may still hold its pipes: do not wait for them.
        child.stdout.destroy();
        child.stderr.destroy();
        settle(new ActuatorError(`Deploy script timed out after ${timeoutMs} ms`, output.text(secret)));
      }, timeoutMs);
      child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
      child.stdin.on('error', () => undefined); // a script that does not read stdin is fine
      child.stdin.end(stdin);
      child.once('error', (error) => {
        settle(new ActuatorError(`Deploy script could not run: ${error.message}`, output.text(secret)));
      });
      child.once('close', (code, signal) => {
        if (code === 0) settle(undefined);
        else {
          const how = signal ? `signal ${signal}` : `exit ${code}`;
          settle(new ActuatorError(`Deploy script failed (${how})`, output.text(secret)));
        }
      });
    });
  }
}
