import { ErrorCode, EventoError, isPosition, NAME_PATTERN } from '@evento/contracts';
import { Injectable, type PipeTransform } from '@nestjs/common';

@Injectable()
export class ParseConsumerIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!NAME_PATTERN.test(value)) {
      throw new EventoError(
        ErrorCode.VALIDATION_FAILED,
        'consumerId must be 1-200 printable characters without spaces',
      );
    }
    return value;
  }
}

@Injectable()
export class ParsePositionPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isPosition(value)) throw new EventoError(ErrorCode.VALIDATION_FAILED, 'position must be an event position');
    return value;
  }
}
