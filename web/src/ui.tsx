/** The DSFR pieces the screens share: fields with the API's message beside them, alerts, modal, breadcrumb. */
import { type ReactNode, useEffect, useId, useRef } from 'react';
import type { ApiProblem } from './api';
import { Link } from './router';

export function Field(props: {
  label: ReactNode;
  hint?: string;
  error?: string;
  value: string;
  onChange: (value: string) => void;
  type?: string;
  autoComplete?: string;
  name: string;
  multiline?: boolean;
  placeholder?: string;
}) {
  const id = useId();
  const described = [props.hint ? `${id}-hint` : '', props.error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name: props.name,
    className: `fr-input${props.error ? ' fr-input--error' : ''}`,
    value: props.value,
    placeholder: props.placeholder,
    'aria-describedby': described,
    'aria-invalid': props.error ? true : undefined,
  };
  return (
    <div className={`fr-input-group${props.error ? ' fr-input-group--error' : ''}`}>
      <label className="fr-label" htmlFor={id}>
        {props.label}
        {props.hint && (
          <span className="fr-hint-text" id={`${id}-hint`}>
            {props.hint}
          </span>
        )}
      </label>
      {props.multiline ? (
        <textarea {...common} rows={3} onChange={(e) => props.onChange(e.target.value)} />
      ) : (
        <input {...common} type={props.type ?? 'text'} autoComplete={props.autoComplete} onChange={(e) => props.onChange(e.target.value)} />
      )}
      {props.error && (
        <p className="fr-error-text" id={`${id}-error`}>
          {props.error}
        </p>
      )}
    </div>
  );
}

export function Radios<T extends string>(props: {
  legend: ReactNode;
  name: string;
  value: T | undefined;
  options: { value: T; label: string }[];
  onChange: (value: T) => void;
  error?: string;
  inline?: boolean;
}) {
  const id = useId();
  return (
    <fieldset className={`fr-fieldset${props.error ? ' fr-fieldset--error' : ''}`} aria-labelledby={`${id}-legend`}>
      <legend className="fr-fieldset__legend" id={`${id}-legend`}>
        {props.legend}
      </legend>
      {props.options.map((option) => (
        <div key={option.value} className={`fr-fieldset__element${props.inline ? ' fr-fieldset__element--inline' : ''}`}>
          <div className="fr-radio-group">
            <input
              type="radio"
              id={`${id}-${option.value}`}
              name={props.name}
              checked={props.value === option.value}
              onChange={() => props.onChange(option.value)}
            />
            <label className="fr-label" htmlFor={`${id}-${option.value}`}>
              {option.label}
            </label>
          </div>
        </div>
      ))}
      {props.error && (
        <div className="fr-messages-group">
          <p className="fr-message fr-message--error">{props.error}</p>
        </div>
      )}
    </fieldset>
  );
}

export function Alert(props: { kind: 'error' | 'success' | 'info' | 'warning'; title?: string; children?: ReactNode; small?: boolean }) {
  return (
    <div className={`fr-alert fr-alert--${props.kind}${props.small ? ' fr-alert--sm' : ''} fr-mb-3w`} role={props.kind === 'error' ? 'alert' : 'status'}>
      {props.title && <h3 className="fr-alert__title">{props.title}</h3>}
      {typeof props.children === 'string' ? <p>{props.children}</p> : props.children}
    </div>
  );
}

/** The API's refusal, in its own words (the field-level ones are shown beside their fields). */
export function ProblemAlert({ problem }: { problem: ApiProblem | null }) {
  if (!problem) return null;
  return <Alert kind="error" small>{problem.message}</Alert>;
}

export function Modal(props: { title: string; children: ReactNode; onClose: () => void; actions: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const id = useId();
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    ref.current?.querySelector<HTMLElement>('button, [href], input')?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') props.onClose();
      if (event.key === 'Tab' && ref.current) {
        // Keep the focus inside the dialog while it is open.
        const focusable = [...ref.current.querySelectorAll<HTMLElement>('button, [href], input')];
        const first = focusable[0];
        const last = focusable[focusable.length - 1];
        if (event.shiftKey && document.activeElement === first) {
          event.preventDefault();
          last?.focus();
        } else if (!event.shiftKey && document.activeElement === last) {
          event.preventDefault();
          first?.focus();
        }
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      previous?.focus();
    };
  }, []);
  return (
    <div className="console-modal-backdrop">
      <div className="console-modal" role="dialog" aria-modal="true" aria-labelledby={`${id}-title`} ref={ref}>
        <h2 className="fr-h4" id={`${id}-title`}>
          {props.title}
        </h2>
        {props.children}
        <ul className="fr-btns-group fr-btns-group--inline-md fr-mt-3w">{props.actions}</ul>
      </div>
    </div>
  );
}

export function Breadcrumb({ trail }: { trail: { label: string; to?: string }[] }) {
  return (
    <nav role="navigation" className="fr-breadcrumb fr-mt-0 fr-mb-2w" aria-label="vous êtes ici :">
      <ol className="fr-breadcrumb__list" style={{ display: 'flex' }}>
        {trail.map((step, i) => (
          <li key={step.label}>
            {step.to && i < trail.length - 1 ? (
              <Link className="fr-breadcrumb__link" to={step.to}>
                {step.label}
              </Link>
            ) : (
              <a className="fr-breadcrumb__link" aria-current="page">
                {step.label}
              </a>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}

export function Select<T extends string>(props: { id: string; label: string; value: T; options: { value: T; label: string }[]; onChange: (value: T) => void }) {
  return (
    <div className="fr-select-group">
      <label className="fr-label" htmlFor={props.id}>
        {props.label}
      </label>
      <select className="fr-select" id={props.id} value={props.value} onChange={(e) => props.onChange(e.target.value as T)}>
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** « Page précédente / suivante » under a list the API pages. */
export function Pager({ page, pageCount, onPage }: { page: number; pageCount: number; onPage: (page: number) => void }) {
  if (pageCount <= 1) return null;
  return (
    <nav className="console-pager" aria-label="Pages">
      <button type="button" className="fr-btn fr-btn--sm fr-btn--secondary" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        Page précédente
      </button>
      <span>
        Page {page} sur {pageCount}
      </span>
      <button type="button" className="fr-btn fr-btn--sm fr-btn--secondary" disabled={page >= pageCount} onClick={() => onPage(page + 1)}>
        Page suivante
      </button>
    </nav>
  );
}
