/** The coordinates form of « Créer un compte » (étape 1) and « Modifier » (ses coordonnées), with the API's message beside each field. */
import type { ApiProblem } from '../api';
import { Alert, Field, Radios } from '../ui';

export interface Coordinates {
  profile: 'admin' | 'user';
  civility: 'monsieur' | 'madame' | undefined;
  lastName: string;
  firstName: string;
  email: string;
  emailConfirmation: string;
  phone: string;
  serviceFunction: string;
  professionalAddress: string;
}

export const EMPTY_COORDINATES: Coordinates = {
  profile: 'user',
  civility: undefined,
  lastName: '',
  firstName: '',
  email: '',
  emailConfirmation: '',
  phone: '',
  serviceFunction: '',
  professionalAddress: '',
};

const PROFILES = [
  { value: 'admin' as const, label: 'Administrateur' },
  { value: 'user' as const, label: 'Utilisateur' },
];

export const COORDINATE_FIELDS = ['profile', 'civility', 'lastName', 'firstName', 'email', 'emailConfirmation', 'phone', 'serviceFunction', 'professionalAddress'];

/** The address is typed as lines, as the letter to the legal representative prints it. */
export const addressLines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** The guide's words about an admin profile: the legal representative is told by letter and may oppose. */
export function AdminWarning() {
  return (
    <Alert kind="warning" title="Profil Administrateur" small>
      <p>
        Un courrier d'information est envoyé au représentant légal de votre établissement, avec les coordonnées et la date de création du compte. Au
        besoin, il peut contacter la DRS pour faire annuler l'inscription. L'adresse professionnelle est obligatoire. Un nouvel administrateur ne peut
        valider les conditions générales d'utilisation qu'après un délai de 8 jours.
      </p>
    </Alert>
  );
}

export function CoordinatesForm(props: {
  value: Coordinates;
  onChange: (value: Coordinates) => void;
  problem: ApiProblem | null;
  /** Creation asks for the profile; editing offers only the promotion (an admin never goes back to user). */
  profileChoice: 'create' | 'promote' | 'none';
  /** Editing: the email is changed only when a new one is typed. */
  emailOptional?: boolean;
}) {
  const { value, onChange, problem } = props;
  const set = <K extends keyof Coordinates>(key: K) => (v: Coordinates[K]) => onChange({ ...value, [key]: v });
  return (
    <>
      {props.profileChoice !== 'none' && (
        <Radios
          legend="Profil du compte"
          name="profile"
          inline
          value={value.profile}
          onChange={set('profile')}
          // The guide's order at creation; when editing, the current profile (Utilisateur) comes first.
          options={props.profileChoice === 'create' ? PROFILES : [...PROFILES].reverse()}
          error={problem?.field('profile')}
        />
      )}
      {value.profile === 'admin' && props.profileChoice !== 'none' && <AdminWarning />}
      <h2 className="fr-h5 fr-mt-3w">Identification</h2>
      <Radios
        legend="Civilité"
        name="civility"
        inline
        value={value.civility}
        onChange={set('civility')}
        options={[
          { value: 'monsieur', label: 'Monsieur' },
          { value: 'madame', label: 'Madame' },
        ]}
        error={problem?.field('civility')}
      />
      <Field name="lastName" label="Nom" placeholder="Ex : Dupont" value={value.lastName} onChange={set('lastName')} error={problem?.field('lastName')} />
      <Field name="firstName" label="Prénom" placeholder="Ex : Jean" value={value.firstName} onChange={set('firstName')} error={problem?.field('firstName')} />
      <Field
        name="email"
        label={props.emailOptional ? 'Nouveau courriel (facultatif)' : 'Courriel'}
        type="email"
        placeholder="Ex : monmail@employeur.fr"
        value={value.email}
        onChange={set('email')}
        error={problem?.field('email')}
      />
      <Field
        name="emailConfirmation"
        label="Confirmation du courriel"
        type="email"
        placeholder="Ex : monmail@employeur.fr"
        value={value.emailConfirmation}
        onChange={set('emailConfirmation')}
        error={problem?.field('emailConfirmation')}
      />
      <Field name="phone" label="Téléphone fixe (facultatif)" placeholder="Ex : 0556114123" value={value.phone} onChange={set('phone')} error={problem?.field('phone')} />
      <Field
        name="serviceFunction"
        label="Service d'appartenance et/ou fonction (facultatif)"
        placeholder="Ex : Ressources Humaines"
        value={value.serviceFunction}
        onChange={set('serviceFunction')}
        error={problem?.field('serviceFunction')}
      />
      {value.profile === 'admin' && (
        <Field
          name="professionalAddress"
          label="Adresse professionnelle"
          hint="Une ligne par ligne d'adresse, telle qu'elle figurera sur le courrier au représentant légal."
          multiline
          value={value.professionalAddress}
          onChange={set('professionalAddress')}
          error={problem?.field('professionalAddress')}
        />
      )}
    </>
  );
}
