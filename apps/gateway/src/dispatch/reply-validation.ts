import { type ClassOf, compileValidator, ErrorCode, EventoError, type FieldProblem } from '@evento/contracts';

/** Bundles are outside the server: their replies are checked like any other input. */
export function validateReply<T extends object>(cls: ClassOf<T>, value: unknown, from: string): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidReply(from, ['the reply data must be a JSON object']);
  }
  try {
    return compileValidator(cls)(value);
  } catch (error) {
    if (!(error instanceof EventoError) || !Array.isArray(error.details)) throw error;
    throw invalidReply(
      from,
      (error.details as FieldProblem[]).flatMap((problem) =>
        Object.values(problem.constraints).map((message) => `${problem.property}: ${message}`),
      ),
    );
  }
}

function invalidReply(from: string, problems: string[]): EventoError {
  return new EventoError(ErrorCode.HANDLER_FAILED, `${from} sent a reply that breaks the protocol`, {
    errorName: 'InvalidReply',
    problems: problems.slice(0, 20),
  });
}
