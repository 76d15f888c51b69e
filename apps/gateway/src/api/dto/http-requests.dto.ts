import { AsReceived, EVENT_ID_PATTERN, MAX_VERSION, NAME_PATTERN } from '@evento/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

const NAME_RULE = '1-200 printable characters without spaces';

export class HttpCommandBody {
  @ApiProperty({ description: 'The command body, as its bundle declared it', example: { title: 'Groceries' } })
  @IsObject()
  @AsReceived()
  payload: Record<string, unknown>;

  @ApiPropertyOptional({
    description:
      'Domain commands: the aggregate it is for. Optional when the bundle declares which payload property holds ' +
      'the aggregate id (`aggregateIdProperty`); then it must be that same id. Required otherwise.',
  })
  @IsOptional()
  @Matches(NAME_PATTERN, { message: `aggregateId must be ${NAME_RULE}` })
  aggregateId?: string;

  @ApiPropertyOptional({
    description:
      'Domain commands: run only if the aggregate is at this version (0: it does not exist yet); ' +
      'otherwise 409 CONFLICT with details.actualVersion, without retrying',
    minimum: 0,
    maximum: MAX_VERSION,
  })
  @IsOptional()
  @IsInt({ message: 'expectedVersion must be an integer' })
  @Min(0, { message: 'expectedVersion must be 0 or more' })
  @Max(MAX_VERSION, { message: `expectedVersion must be at most ${MAX_VERSION}` })
  expectedVersion?: number;

  @ApiPropertyOptional({ description: 'Service commands with the same lock id never run at the same time' })
  @IsOptional()
  @IsString()
  @Matches(/^\S{1,200}$/, { message: 'lockId must be 1-200 characters without spaces' })
  lockId?: string;

  @ApiPropertyOptional({ description: 'Copied into the stored event metadata' })
  @IsOptional()
  @IsObject()
  @AsReceived()
  metadata?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Replay the whole story instead of starting from the snapshot' })
  @IsOptional()
  @IsBoolean()
  ignoreSnapshot?: boolean;
}

export class HttpQueryBody {
  @ApiProperty({ description: 'The query body, as its bundle declared it', example: { id: 'list-1' } })
  @IsObject()
  @AsReceived()
  payload: Record<string, unknown>;

  @ApiPropertyOptional()
  @IsOptional()
  @IsObject()
  @AsReceived()
  metadata?: Record<string, unknown>;
}

export class HttpPublishBody {
  @ApiProperty({ description: 'The event body' })
  @IsObject()
  @AsReceived()
  payload: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Context (topic partition); `default` when omitted' })
  @IsOptional()
  @Matches(NAME_PATTERN, { message: `context must be ${NAME_RULE}` })
  context?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsObject()
  @AsReceived()
  metadata?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Makes a retry safe: an id already stored is answered, not stored twice' })
  @IsOptional()
  @Matches(EVENT_ID_PATTERN, { message: 'eventId must be 1-128 of A-Z a-z 0-9 . _ : -' })
  eventId?: string;
}

export class PayloadNameParam {
  @Matches(NAME_PATTERN, { message: `name must be ${NAME_RULE}` })
  name: string;
}

export class RoutesQuery {
  @ApiPropertyOptional({ description: 'Only the routes of this payload' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  payload?: string;
}
