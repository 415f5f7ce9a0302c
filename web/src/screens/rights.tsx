/** « Attribuer les droits »: the catalogue's services grouped by thématique, one row each, Aucun / Lecture seule / Modification. */
import { useEffect, useState } from 'react';
import { api, must, problemOf, type Schemas } from '../api';
import { ProblemAlert } from '../ui';

export type Rights = Record<string, 'none' | 'read' | 'write'>;
type Catalogue = Schemas['Catalogue'];

export function useCatalogue() {
  const [catalogue, setCatalogue] = useState<Catalogue | null>(null);
  const [problem, setProblem] = useState<ReturnType<typeof problemOf> | null>(null);
  useEffect(() => {
    must(api.GET('/services')).then(setCatalogue, (e) => setProblem(problemOf(e)));
  }, []);
  return { catalogue, problem };
}

export function RightsTable({ rights, onChange }: { rights: Rights; onChange: (rights: Rights) => void }) {
  const { catalogue, problem } = useCatalogue();
  const [hidden, setHidden] = useState<Set<string>>(new Set());
  if (!catalogue) return <ProblemAlert problem={problem} />;
  return (
    <table className="console-table console-rights">
      <caption className="fr-sr-only">Droits par service</caption>
      <thead>
        <tr>
          <th scope="col">Service</th>
          {catalogue.levels.map((l) => (
            <th scope="col" key={l.level}>
              {l.label}
            </th>
          ))}
        </tr>
      </thead>
      {catalogue.themes.map((theme) => (
        <tbody key={theme.code}>
          <tr className="console-group">
            <th scope="colgroup" colSpan={catalogue.levels.length + 1}>
              {theme.label}{' '}
              <button
                type="button"
                className="fr-link fr-text--sm fr-ml-2w"
                aria-expanded={!hidden.has(theme.code)}
                onClick={() =>
                  setHidden((h) => {
                    const next = new Set(h);
                    if (next.has(theme.code)) next.delete(theme.code);
                    else next.add(theme.code);
                    return next;
                  })
                }
              >
                {hidden.has(theme.code) ? 'Afficher le détail' : 'Masquer le détail'}
                <span className="fr-sr-only"> : {theme.label}</span>
              </button>
            </th>
          </tr>
          {!hidden.has(theme.code) &&
            theme.services.map((service) => (
              <tr key={service.code}>
                <th scope="row">{service.label}</th>
                {catalogue.levels.map((l) => (
                  <td key={l.level}>
                    <input
                      type="radio"
                      name={`right-${service.code}`}
                      aria-label={`${service.label} : ${l.label}`}
                      checked={rights[service.code] === l.level}
                      onChange={() => onChange({ ...rights, [service.code]: l.level })}
                    />
                  </td>
                ))}
              </tr>
            ))}
        </tbody>
      ))}
    </table>
  );
}
