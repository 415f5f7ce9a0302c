/**
 * « Créer un compte » in the guide's three steps: the coordinates, the rights, then the login id the
 * admin alone hands over. The API checks everything when « Créer » is pressed; a refusal about a
 * coordinate takes the person back to step 1 with the message beside the field.
 */
import { useMemo, useState } from 'react';
import { api, type ApiProblem, must, problemOf, type Schemas } from '../api';
import { useConsole } from '../context';
import { Link } from '../router';
import { Alert, Breadcrumb, ProblemAlert } from '../ui';
import { addressLines, COORDINATE_FIELDS, type Coordinates, CoordinatesForm, EMPTY_COORDINATES } from './coordinates';
import { type Rights, RightsTable } from './rights';

const STEPS = ['Renseigner les coordonnées', 'Attribuer les droits', 'Communiquer son identifiant'];

export function CreateAccountPage() {
  const { establishment } = useConsole();
  const [step, setStep] = useState(1);
  const [coordinates, setCoordinates] = useState<Coordinates>(EMPTY_COORDINATES);
  const [rights, setRights] = useState<Rights>({});
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [created, setCreated] = useState<Schemas['CreatedAccount'] | null>(null);
  const [busy, setBusy] = useState(false);
  // One key per filled form: pressing « Créer » twice never creates two accounts.
  const idempotencyKey = useMemo(() => crypto.randomUUID(), []);

  async function create() {
    setBusy(true);
    setProblem(null);
    const c = coordinates;
    try {
      const account = await must(
        api.POST('/establishments/{establishmentId}/accounts', {
          params: { path: { establishmentId: establishment.id }, header: { 'idempotency-key': idempotencyKey } },
          body: {
            profile: c.profile,
            civility: c.civility as 'madame',
            lastName: c.lastName,
            firstName: c.firstName,
            email: c.email,
            emailConfirmation: c.emailConfirmation,
            phone: c.phone || null,
            serviceFunction: c.serviceFunction || null,
            professionalAddress: c.profile === 'admin' ? addressLines(c.professionalAddress) : null,
            rights,
          },
        }),
      );
      setCreated(account);
      setStep(3);
    } catch (error) {
      const p = problemOf(error);
      setProblem(p);
      if (COORDINATE_FIELDS.some((f) => p.field(f))) setStep(1);
    } finally {
      setBusy(false);
    }
  }

  const holder = [coordinates.civility === 'madame' ? 'Mme' : coordinates.civility === 'monsieur' ? 'M.' : '', coordinates.firstName, coordinates.lastName]
    .filter(Boolean)
    .join(' ');

  return (
    <>
      <Breadcrumb
        trail={[
          { label: 'Tableau de bord', to: '/console' },
          { label: 'Gestion des comptes', to: '/console/comptes' },
          { label: 'Créer un compte' },
        ]}
      />
      <h1>Créer un compte</h1>
      <div className="fr-stepper">
        <h2 className="fr-stepper__title">
          Etape {step} : {STEPS[step - 1]}
          <span className="fr-stepper__state">Étape {step} sur 3</span>
        </h2>
        <div className="fr-stepper__steps" data-fr-current-step={step} data-fr-steps="3" />
        {step < 3 && (
          <p className="fr-stepper__details">
            <span className="fr-text--bold">Étape suivante :</span> {STEPS[step]}
          </p>
        )}
      </div>

      {step === 1 && (
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            setProblem(null);
            setStep(2);
          }}
        >
          <p>
            <Link className="fr-link fr-icon-arrow-left-line fr-link--icon-left" to="/console/comptes">
              Gestion des comptes
            </Link>
          </p>
          <ProblemAlert problem={problem} />
          <CoordinatesForm value={coordinates} onChange={setCoordinates} problem={problem} profileChoice="create" />
          <button type="submit" className="fr-btn">
            Suivant
          </button>
        </form>
      )}

      {step === 2 && (
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}
        >
          <h2 className="fr-h4">Attribuer les droits de {holder}</h2>
          <p className="fr-text--sm">Un service laissé sans choix reçoit le droit par défaut de votre établissement (sinon : Aucun).</p>
          <ProblemAlert problem={problem} />
          <RightsTable rights={rights} onChange={setRights} />
          <ul className="fr-btns-group fr-btns-group--inline fr-mt-3w">
            <li>
              <button type="button" className="fr-btn fr-btn--secondary" onClick={() => setStep(1)}>
                Précédent
              </button>
            </li>
            <li>
              <button type="submit" className="fr-btn" disabled={busy}>
                Créer
              </button>
            </li>
          </ul>
        </form>
      )}

      {step === 3 && created && (
        <>
          <Alert kind="success" small>{`Le compte de ${created.holder} a bien été créé.`}</Alert>
          <div className="fr-card fr-p-3w fr-mb-3w">
            <p className="fr-mb-1w">Identifiant de : {created.holder}</p>
            <p className="console-loginid fr-mb-1w" id="created-login-id">
              {created.loginId}
            </p>
            <button type="button" className="fr-btn fr-btn--tertiary fr-btn--sm" onClick={() => window.print()}>
              Imprimer l'identifiant
            </button>
          </div>
          <div className="fr-callout">
            <h3 className="fr-callout__title">Important</h3>
            <ul className="fr-callout__text">
              <li>
                Vous devez maintenant lui communiquer son identifiant. Il est nécessaire à la connexion sur la Plateforme Employeurs Publics. Vous seul
                pouvez le lui transmettre.
              </li>
              <li>Cet identifiant est à conserver précieusement.</li>
              <li>
                Un courriel sera adressé à {created.civilityLabel} {created.lastName} afin de créer son mot de passe.
              </li>
            </ul>
          </div>
          <ul className="fr-btns-group fr-btns-group--inline">
            <li>
              <Link className="fr-btn" to="/console/comptes">
                Retour à la gestion des comptes
              </Link>
            </li>
          </ul>
        </>
      )}
    </>
  );
}
