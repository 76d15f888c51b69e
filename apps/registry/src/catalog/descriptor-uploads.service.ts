import {
  assertSafeJson,
  BundleDescriptor,
  compileValidator,
  type DiscoverPartRequest,
  type DiscoverPartResponse,
  ErrorCode,
  EventoError,
} from '@evento/contracts';
import { Injectable } from '@nestjs/common';
import { RegistryConfig } from '../config/registry.config';
import { InstancesService } from '../instances/instances.service';
import { CatalogService } from './catalog.service';
import { DescriptorUploadsRepository } from './descriptor-uploads.repository';

/** An assembled descriptor may hold more values than one message (whose bound is 100,000). */
const MAX_DESCRIPTOR_NODES = 2_000_000;
const validateDescriptor = compileValidator(BundleDescriptor);
/** A chunk must not end or start inside a surrogate pair: Postgres could not store the halves. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Descriptors too large for one NATS message, sent in parts and assembled here. */
@Injectable()
export class DescriptorUploads {
  constructor(
    private readonly repository: DescriptorUploadsRepository,
    private readonly instances: InstancesService,
    private readonly catalog: CatalogService,
    private readonly config: RegistryConfig,
  ) {}

  async part(request: DiscoverPartRequest): Promise<DiscoverPartResponse> {
    if (request.part > request.parts) {
      throw new EventoError(ErrorCode.VALIDATION_FAILED, `part ${request.part} of ${request.parts} does not exist`, [
        { property: 'part', constraints: { max: 'part must not be greater than parts' } },
      ]);
    }
    if (LONE_SURROGATE.test(request.chunk)) {
      throw new EventoError(ErrorCode.VALIDATION_FAILED, 'chunk must not cut a character in half (lone surrogate)', [
        { property: 'chunk', constraints: { wellFormed: 'chunk must not start or end inside a surrogate pair' } },
      ]);
    }
    await this.instances.requireLiveSession(request);
    const outcome = await this.repository.addPart(
      request,
      this.config.DESCRIPTOR_UPLOAD_TIMEOUT_MS,
      this.config.DESCRIPTOR_MAX_BYTES,
    );
    const base = { uploadId: request.uploadId, parts: request.parts };
    switch (outcome.kind) {
      case 'mismatch':
        throw new EventoError(
          ErrorCode.CONFLICT,
          `Upload ${request.uploadId} was started with ${outcome.parts} parts by ${outcome.sessionId === request.sessionId ? 'this' : 'another'} session`,
          { parts: outcome.parts },
        );
      case 'too-large':
        throw new EventoError(
          ErrorCode.PAYLOAD_TOO_LARGE,
          `Descriptor upload ${request.uploadId} exceeds ${this.config.DESCRIPTOR_MAX_BYTES} bytes; it was discarded`,
          { maxBytes: this.config.DESCRIPTOR_MAX_BYTES },
        );
      case 'too-many':
        throw new EventoError(
          ErrorCode.CONFLICT,
          `Instance ${request.instanceId} already has ${outcome.open} descriptor uploads open; finish them or let them expire`,
          { open: outcome.open },
        );
      case 'stored':
        return { ...base, received: outcome.received, complete: false };
      case 'complete': {
        const descriptor = this.parse(outcome.text);
        const result = await this.catalog.discover({
          instanceId: request.instanceId,
          sessionId: request.sessionId,
          descriptor,
        });
        return { ...base, received: request.parts, complete: true, result };
      }
    }
  }

  /** The same limits and rules as a descriptor sent whole, but a larger size and value count. */
  private parse(text: string): BundleDescriptor {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new EventoError(ErrorCode.MALFORMED_MESSAGE, 'The assembled descriptor is not valid JSON');
    }
    assertSafeJson(parsed, { maxDepth: 64, maxNodes: MAX_DESCRIPTOR_NODES });
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new EventoError(ErrorCode.VALIDATION_FAILED, 'The assembled descriptor must be a JSON object');
    }
    try {
      return validateDescriptor(parsed);
    } catch (error) {
      if (!(error instanceof EventoError) || !Array.isArray(error.details)) throw error;
      // Same paths as a descriptor sent whole: `descriptor.components.0.name`.
      const details = (error.details as Array<{ property: string }>).map((p) => ({
        ...p,
        property: `descriptor.${p.property}`,
      }));
      throw new EventoError(ErrorCode.VALIDATION_FAILED, error.message, details);
    }
  }
}
