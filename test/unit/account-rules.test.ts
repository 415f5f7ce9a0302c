import { describe, expect, it } from 'vitest';
import { escapeLike, searchTextFor } from '../../db/queries/accounts';
import { requestFingerprint } from '../../db/queries/idempotency';
import { resolveRights, unknownServiceErrors } from '../../db/queries/services';
import { CreateAccountBody, UpdateAccountBody } from '../../api/schemas/accounts';

describe('recherche', () => {
  it('plie accents, casse et espaces du nom, du prénom et du service', () => {
    expect(searchTextFor({ lastName: 'Lœtitia-Éléonore', firstName: '  Céline ', serviceFunction: 'Ressources   Humaines' })).toBe(
      'lœtitia-eleonore celine ressources humaines',
    );
    expect(searchTextFor({ lastName: 'Martin', firstName: 'Jean', serviceFunction: null })).toBe('martin jean');
  });

  it('échappe les jokers de LIKE', () => {
    expect(escapeLike('100%_sûr\\')).toBe('100\\%\\_sûr\\\\');
  });
});

describe('idempotence', () => {
  it('reconnaît le même corps quel que soit l’ordre des clés, distingue un autre corps ou une autre opération', () => {
    const a = requestFingerprint('POST /x', { b: 1, a: { d: [1, 2], c: null } });
    expect(requestFingerprint('POST /x', { a: { c: null, d: [1, 2] }, b: 1 })).toBe(a);
    expect(requestFingerprint('POST /x', { a: { c: null, d: [2, 1] }, b: 1 })).not.toBe(a);
    expect(requestFingerprint('POST /y', { b: 1, a: { d: [1, 2], c: null } })).not.toBe(a);
  });
});

describe('droits', () => {
  it('prend le droit demandé, sinon celui de l’établissement, sinon Aucun, pour tout le catalogue', () => {
    expect(resolveRights(['a', 'b', 'c'], { b: 'read', c: 'write', zombie: 'write' }, { c: 'none' })).toEqual({ a: 'none', b: 'read', c: 'none' });
  });

  it('signale chaque service inconnu', () => {
    expect(unknownServiceErrors({ a: 'read', x: 'write' }, ['a'])).toEqual([{ field: 'rights.x', message: 'Service inconnu : « x ».' }]);
  });
});

describe('formulaire de création', () => {
  const valid = {
    profile: 'user',
    civility: 'madame',
    lastName: ' Louty ',
    firstName: 'Jeanne',
    email: 'Jeanne.Louty@Mairie.fr',
    emailConfirmation: 'jeanne.louty@mairie.fr',
  };

  it('normalise le téléphone fixe et les champs facultatifs vides', () => {
    const parsed = CreateAccountBody.parse({ ...valid, phone: '05.56.11.41.23', serviceFunction: '  ' });
    expect(parsed).toMatchObject({ lastName: 'Louty', phone: '0556114123', serviceFunction: null });
    expect(CreateAccountBody.parse({ ...valid, phone: '+33 5 56 11 41 23' }).phone).toBe('0556114123');
  });

  it('refuse un téléphone invalide et une confirmation différente', () => {
    const result = CreateAccountBody.safeParse({ ...valid, phone: '12345' });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toEqual(['phone']);
    const mismatch = CreateAccountBody.safeParse({ ...valid, emailConfirmation: 'autre@mairie.fr' });
    expect(mismatch.error!.issues.map((i) => i.path.join('.'))).toEqual(['emailConfirmation']);
  });

  it('en modification, exige la confirmation seulement quand le courriel change', () => {
    expect(UpdateAccountBody.safeParse({ serviceFunction: 'Paie' }).success).toBe(true);
    expect(UpdateAccountBody.safeParse({ email: 'a@b.fr' }).success).toBe(false);
    expect(UpdateAccountBody.safeParse({ email: 'a@b.fr', emailConfirmation: 'A@B.fr' }).success).toBe(true);
  });
});
