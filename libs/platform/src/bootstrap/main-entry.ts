import { ConfigValidationError } from '../config';

/**
 * Runs an app's main and turns a boot failure into a clear message and exit code 1:
 * invalid configuration lists every problem; anything else prints its message once.
 */
export function bootOrExit(main: () => Promise<void>): void {
  // Promise.resolve().then(main) also catches errors main throws before its first await.
  Promise.resolve()
    .then(main)
    .catch((error: unknown) => {
      const text =
        error instanceof ConfigValidationError
          ? error.message
          : `Boot failed: ${error instanceof Error ? error.message : String(error)}`;
      process.stderr.write(`${text}\n`);
      process.exit(1);
    });
}
