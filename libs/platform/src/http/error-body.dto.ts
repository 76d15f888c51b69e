import { ERROR_CODES, type ErrorCode } from '@evento/contracts';
import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

/** The error body of every HTTP error answer (and of NATS error replies), for Swagger. */
@ApiSchema({ name: 'ErrorBody' })
export class ErrorBodyDto {
  @ApiProperty({ enum: ERROR_CODES, example: 'FORBIDDEN' })
  code: ErrorCode;

  @ApiProperty({ example: 'This operation requires the operator role; alice has viewer' })
  message: string;

  @ApiPropertyOptional({ description: 'What exactly is wrong, e.g. the broken fields of VALIDATION_FAILED' })
  details?: unknown;

  @ApiPropertyOptional({ description: 'Set on INTERNAL errors: the id under which the details were logged' })
  errorId?: string;
}
