import { BUNDLE_ID_PATTERN, ErrorCode, EventoError } from '@evento/contracts';
import { Injectable, type PipeTransform } from '@nestjs/common';

@Injectable()
export class ParseBundleIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!BUNDLE_ID_PATTERN.test(value)) {
      throw new EventoError(ErrorCode.VALIDATION_FAILED, 'bundleId must be 1-100 of A-Z a-z 0-9 _ -');
    }
    return value;
  }
}
