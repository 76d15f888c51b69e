import { defineRequest, definedSubjectList } from './contract';
import { SystemContracts } from './system/ping.contract';

class Body {}

describe('contracts', () => {
  it('lists every app ping subject under the versioned prefix', () => {
    expect(definedSubjectList()).toEqual(
      expect.arrayContaining(Object.values(SystemContracts.ping).map((contract) => contract.subject)),
    );
    for (const subject of definedSubjectList()) expect(subject).toMatch(/^evento\.v1\./);
  });

  it('refuses a subject defined twice', () => {
    expect(() => defineRequest(SystemContracts.ping.gateway.subject, Body, Body)).toThrow(/defined twice/);
  });

  it('refuses subjects that are not lower-case dotted tokens', () => {
    expect(() => defineRequest('evento.v1.Bad Subject', Body, Body)).toThrow(/Invalid subject/);
    expect(() => defineRequest('evento.v1.trailing.', Body, Body)).toThrow(/Invalid subject/);
  });
});
