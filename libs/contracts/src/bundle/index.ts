export * from './work.contract';
export * from './control.contract';

/** Subjects of one instance, before NATS_SUBJECT_PREFIX (see also `instanceSubjects`). */
export { instanceSubjects } from '../registry/hello.contract';
