import { claimAt, isIdentityProviderUrl, parseRoleMap, roleFromClaim } from './oidc-verifier';

describe('OIDC roles', () => {
  it('reads a top-level claim of the exact name first, else follows the dotted path', () => {
    const payload = {
      roles: ['viewer'],
      realm_access: { roles: ['operator'] },
      resource_access: { evento: { roles: ['admin'] } },
      'https://evento.example/roles': ['admin'],
    };
    expect(claimAt(payload, 'roles')).toEqual(['viewer']);
    expect(claimAt(payload, 'realm_access.roles')).toEqual(['operator']);
    expect(claimAt(payload, 'resource_access.evento.roles')).toEqual(['admin']);
    expect(claimAt(payload, 'https://evento.example/roles')).toEqual(['admin']);
    expect(claimAt(payload, 'realm_access.missing')).toBeUndefined();
    expect(claimAt(payload, 'roles.0')).toBeUndefined();
    expect(claimAt(payload, 'toString')).toBeUndefined();
    expect(claimAt(payload, '__proto__.constructor')).toBeUndefined();
  });

  it('takes the highest of our role names, from a list or a space-separated string', () => {
    expect(roleFromClaim(['viewer', 'admin', 'operator'])).toBe('admin');
    expect(roleFromClaim('openid viewer operator')).toBe('operator');
    expect(roleFromClaim(['offline_access', 42, null])).toBeUndefined();
    expect(roleFromClaim(undefined)).toBeUndefined();
    expect(roleFromClaim({ admin: true })).toBeUndefined();
  });

  it('with a role map, counts only mapped names', () => {
    const map = parseRoleMap('evento-admins=admin, evento-ops=operator');
    expect(roleFromClaim(['evento-ops', 'uma_authorization'], map)).toBe('operator');
    expect(roleFromClaim(['evento-ops', 'evento-admins'], map)).toBe('admin');
    // An identity provider's own "admin" may mean something else: unmapped, it counts for nothing.
    expect(roleFromClaim(['admin'], map)).toBeUndefined();
  });

  it('refuses a malformed role map or one mapping a name twice', () => {
    for (const bad of ['evento-admins', 'a=root', 'a=admin,', 'a b=admin', '=admin']) {
      expect(() => parseRoleMap(bad)).toThrow();
    }
    expect(() => parseRoleMap('a=admin,a=viewer')).toThrow(/twice/);
  });

  it('accepts http(s) identity provider URLs, https only when required', () => {
    expect(isIdentityProviderUrl('https://id.example/realms/evento', true)).toBe(true);
    expect(isIdentityProviderUrl('http://127.0.0.1:8080/realms/evento', false)).toBe(true);
    expect(isIdentityProviderUrl('http://127.0.0.1:8080/realms/evento', true)).toBe(false);
    expect(isIdentityProviderUrl('ftp://id.example', false)).toBe(false);
    expect(isIdentityProviderUrl('not a url', false)).toBe(false);
    expect(isIdentityProviderUrl(undefined, false)).toBe(false);
  });
});
