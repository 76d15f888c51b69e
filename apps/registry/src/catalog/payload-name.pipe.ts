import { ErrorCode, EventoError, NAME_PATTERN } from '@evento/contracts';
import { Injectable, type PipeTransform } from '@nestjs/common';

@Injectable()
export class ParsePayloadNamePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!NAME_PATTERN.test(value)) {
      throw new EventoError(ErrorCode.VALIDATION_FAILED, 'name must be 1-200 printable characters without spaces');
    }
    return value;
  }
}
