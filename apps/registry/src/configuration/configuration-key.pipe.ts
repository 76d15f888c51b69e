import { ErrorCode, EventoError } from '@evento/contracts';
import { Injectable, type PipeTransform } from '@nestjs/common';
import { CONFIGURATION_KEY_PATTERN, RESERVED_CONFIGURATION_KEYS } from './dto/configuration.dto';

@Injectable()
export class ParseConfigurationKeyPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!CONFIGURATION_KEY_PATTERN.test(value)) {
      throw new EventoError(
        ErrorCode.VALIDATION_FAILED,
        'key must be 1-128 of A-Z a-z 0-9 _ . - and start with a letter or _',
      );
    }
    if (RESERVED_CONFIGURATION_KEYS.has(value)) {
      throw new EventoError(
        ErrorCode.VALIDATION_FAILED,
        'key must not be __proto__, constructor or prototype (no protocol message may carry them)',
      );
    }
    return value;
  }
}
