import { Module } from '@nestjs/common';
import { BundleAuth } from './bundle-auth';
import { PayloadChecks } from './payload-checks';
import { RequestReader } from './request-reader';

/** What every request goes through first: the bundle's credentials, its context, its payload's schema. */
@Module({
  providers: [BundleAuth, RequestReader, PayloadChecks],
  exports: [RequestReader, PayloadChecks],
})
export class RequestsModule {}
