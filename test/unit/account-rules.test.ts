import { describe, expect, it } from 'vitest';
import { searchTextFor } from '../../db/queries/accounts';
import { escapeLike } from '../../db/queries/search-matches';
import { requestFingerprint } from '../../db/queries/idempotency';
import { unknownServiceErrors } from '../../db/queries/services';
import { CreateAccountBody, UpdateAccountBody } from '../../api/schemas/accounts';

describe('search', () => {
  it('folds accents, case and spaces of last name, first name and service', () => {
    expect(searchTextFor({ lastName: 'Lœtitia-Éléonore', firstName: '  Céline ', serviceFunction: 'Ressources   Humaines' })).toBe(
      'lœtitia-eleonore celine ressources humaines',
    );
    expect(searchTextFor({ lastName: 'Martin', firstName: 'Jean', serviceFunction: null })).toBe('martin jean');
  });

  it('escapes LIKE wildcards', () => {
    expect(escapeLike('100%_sûr\\')).toBe('100\\%\\_sûr\\\\');
  });
});

describe('idempotency', () => {
  it('recognises the same body whatever the key order, tells apart another body or another operation', () => {
    const a = requestFingerprint('POST /x', { b: 1, a: { d: [1, 2], c: null } });
    expect(requestFingerprint('POST /x', { a: { c: null, d: [1, 2] }, b: 1 })).toBe(a);
    expect(requestFingerprint('POST /x', { a: { c: null, d: [2, 1] }, b: 1 })).not.toBe(a);
    expect(requestFingerprint('POST /y', { b: 1, a: { d: [1, 2], c: null } })).not.toBe(a);
  });
});

describe('rights', () => {
  it('reports every unknown service', () => {
    expect(unknownServiceErrors({ a: 'read', x: 'write' }, ['a'])).toEqual([{ field: 'rights.x', message: 'Service inconnu : « x ».' }]);
  });
});

describe('creation form', () => {
  const valid = {
    profile: 'user',
    civility: 'madame',
    lastName: ' Louty ',
    firstName: 'Jeanne',
    email: 'Jeanne.Louty@Mairie.fr',
    emailConfirmation: 'jeanne.louty@mairie.fr',
  };

  it('normalises the landline number and empty optional fields', () => {
    const parsed = CreateAccountBody.parse({ ...valid, phone: '05.56.11.41.23', serviceFunction: '  ' });
    expect(parsed).toMatchObject({ lastName: 'Louty', phone: '0556114123', serviceFunction: null });
    expect(CreateAccountBody.parse({ ...valid, phone: '+33 5 56 11 41 23' }).phone).toBe('0556114123');
  });

  it('rejects an invalid phone number and a mismatched confirmation', () => {
    const result = CreateAccountBody.safeParse({ ...valid, phone: '12345' });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toEqual(['phone']);
    const mismatch = CreateAccountBody.safeParse({ ...valid, emailConfirmation: 'autre@mairie.fr' });
    expect(mismatch.error!.issues.map((i) => i.path.join('.'))).toEqual(['emailConfirmation']);
  });

  it('on update, requires the confirmation only when the email changes', () => {
    expect(UpdateAccountBody.safeParse({ serviceFunction: 'Paie' }).success).toBe(true);
    expect(UpdateAccountBody.safeParse({ email: 'a@b.fr' }).success).toBe(false);
    expect(UpdateAccountBody.safeParse({ email: 'a@b.fr', emailConfirmation: 'A@B.fr' }).success).toBe(true);
  });
});
