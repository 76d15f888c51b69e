import { IsObject, Matches } from 'class-validator';
import { NAME_PATTERN } from '../event-store/events.contract';

/** Checks a payload body against the JSON Schema its bundle registered in the descriptor. */
export class ValidatePayloadRequest {
  @Matches(NAME_PATTERN, { message: 'payloadName must be 1-200 printable characters without spaces' })
  payloadName: string;

  @IsObject()
  body: Record<string, unknown>;
}

export class PayloadValidationError {
  /** JSON Pointer into the body (`''` is the body itself, `/items/0/name` a nested value). */
  path: string;
  message: string;
}

export class ValidatePayloadResponse {
  valid: boolean;
  /** Empty when valid; at most 100. */
  errors: PayloadValidationError[];
}
