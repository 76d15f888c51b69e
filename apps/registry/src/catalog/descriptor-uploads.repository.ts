import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

export interface UploadPart {
  instanceId: string;
  sessionId: string;
  uploadId: string;
  part: number;
  parts: number;
  chunk: string;
}

export type PartOutcome =
  | { kind: 'stored'; received: number }
  | { kind: 'complete'; text: string }
  | { kind: 'mismatch'; parts: number; sessionId: string }
  | { kind: 'too-large'; bytes: number }
  | { kind: 'too-many'; open: number };

/** Uploads one instance may have open at once. */
export const MAX_OPEN_UPLOADS = 4;

/** The only place that touches registry.descriptor_uploads and descriptor_upload_parts. */
@Injectable()
export class DescriptorUploadsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Stores one part. The upload's row is locked while a part is added, so of two replicas
   * storing the last two parts at once exactly one sees the upload complete; that one takes
   * the text and deletes the upload. A part sent again replaces the earlier copy. An upload
   * that grows beyond `maxBytes` is deleted whole.
   */
  async addPart(part: UploadPart, timeoutMs: number, maxBytes: number): Promise<PartOutcome> {
    return this.db.transaction<PartOutcome>(async (tx) => {
      // Uploads left unfinished past their deadline are forgotten by whoever comes next.
      await tx.query(`DELETE FROM "registry"."descriptor_uploads" WHERE "expires_at" < now()`);
      // One instance has few uploads open at once, so abandoned ones cannot pile up in the table.
      const open = await tx.query<Array<{ uploadId: string }>>(
        `SELECT "upload_id" AS "uploadId" FROM "registry"."descriptor_uploads" WHERE "instance_id" = $1 FOR UPDATE`,
        [part.instanceId],
      );
      if (open.length >= MAX_OPEN_UPLOADS && !open.some((u) => u.uploadId === part.uploadId)) {
        return { kind: 'too-many', open: open.length };
      }
      await tx.query(
        `INSERT INTO "registry"."descriptor_uploads" ("instance_id", "upload_id", "session_id", "parts", "expires_at")
         VALUES ($1, $2, $3, $4, now() + $5 * interval '1 millisecond')
         ON CONFLICT ("instance_id", "upload_id") DO NOTHING`,
        [part.instanceId, part.uploadId, part.sessionId, part.parts, timeoutMs],
      );
      const [upload] = await tx.query<Array<{ parts: number; sessionId: string }>>(
        `SELECT "parts", "session_id" AS "sessionId" FROM "registry"."descriptor_uploads"
          WHERE "instance_id" = $1 AND "upload_id" = $2 FOR UPDATE`,
        [part.instanceId, part.uploadId],
      );
      if (upload.parts !== part.parts || upload.sessionId !== part.sessionId) {
        return { kind: 'mismatch', parts: upload.parts, sessionId: upload.sessionId };
      }
      await tx.query(
        `INSERT INTO "registry"."descriptor_upload_parts" ("instance_id", "upload_id", "part", "chunk")
         VALUES ($1, $2, $3, $4)
         ON CONFLICT ("instance_id", "upload_id", "part") DO UPDATE SET "chunk" = EXCLUDED."chunk"`,
        [part.instanceId, part.uploadId, part.part, part.chunk],
      );
      const [{ received, bytes }] = await tx.query<Array<{ received: number; bytes: number }>>(
        `SELECT count(*)::int AS "received", COALESCE(sum(octet_length("chunk")), 0)::float8 AS "bytes"
           FROM "registry"."descriptor_upload_parts" WHERE "instance_id" = $1 AND "upload_id" = $2`,
        [part.instanceId, part.uploadId],
      );
      if (bytes > maxBytes || received < part.parts) {
        if (bytes > maxBytes) await this.deleteUpload(tx, part);
        return bytes > maxBytes ? { kind: 'too-large', bytes } : { kind: 'stored', received };
      }
      const [assembled] = await tx.query<Array<{ text: string }>>(
        `SELECT string_agg("chunk", '' ORDER BY "part") AS "text"
           FROM "registry"."descriptor_upload_parts" WHERE "instance_id" = $1 AND "upload_id" = $2`,
        [part.instanceId, part.uploadId],
      );
      await this.deleteUpload(tx, part);
      return { kind: 'complete', text: assembled.text };
    });
  }

  private async deleteUpload(tx: EntityManager, part: UploadPart): Promise<void> {
    await tx.query(`DELETE FROM "registry"."descriptor_uploads" WHERE "instance_id" = $1 AND "upload_id" = $2`, [
      part.instanceId,
      part.uploadId,
    ]);
  }
}
