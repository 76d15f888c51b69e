import { SUBJECT_PREFIX } from './protocol';

/** A class constructor; contracts pair subjects with classes so bodies can be validated. */
export type ClassOf<T> = new (...args: never[]) => T;

export type Subject = `${typeof SUBJECT_PREFIX}.${string}`;

/** A request/reply subject paired with its request and response classes. */
export interface RequestContract<Req extends object, Res> {
  readonly kind: 'request';
  readonly subject: Subject;
  readonly request: ClassOf<Req>;
  readonly response: ClassOf<Res>;
}

/** A fire-and-forget subject paired with its body class. */
export interface EventContract<Body extends object> {
  readonly kind: 'event';
  readonly subject: Subject;
  readonly body: ClassOf<Body>;
}

export type RequestOf<C> = C extends RequestContract<infer Req, unknown> ? Req : never;
export type ResponseOf<C> = C extends RequestContract<object, infer Res> ? Res : never;

const definedSubjects = new Set<string>();

function claim(subject: string): void {
  if (!/^evento\.v1(\.[a-z0-9-]+)+$/.test(subject)) {
    throw new Error(`Invalid subject "${subject}": lower-case tokens separated by dots, under ${SUBJECT_PREFIX}`);
  }
  if (definedSubjects.has(subject)) throw new Error(`Subject "${subject}" is defined twice`);
  definedSubjects.add(subject);
}

export function defineRequest<Req extends object, Res>(
  subject: Subject,
  request: ClassOf<Req>,
  response: ClassOf<Res>,
): RequestContract<Req, Res> {
  claim(subject);
  return Object.freeze({ kind: 'request', subject, request, response });
}

export function defineEvent<Body extends object>(subject: Subject, body: ClassOf<Body>): EventContract<Body> {
  claim(subject);
  return Object.freeze({ kind: 'event', subject, body });
}

/** Every subject defined so far, for documentation and tests. */
export function definedSubjectList(): string[] {
  return [...definedSubjects].sort();
}
