/** The platform's email frame (French), shared by every message. */
export const PLATFORM_NAME = 'Plateforme Employeurs Publics Pep’s';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

export interface EmailBody {
  subject: string;
  html: string;
  text: string;
}

/** `paragraphs` are plain text (escaped here); `action` is the one button of the message. */
export function renderEmail(params: {
  subject: string;
  title: string;
  paragraphs: string[];
  action?: { label: string; url: string; after?: string[] };
  closing?: string[];
  siteUrl: string;
}): EmailBody {
  const after = params.action?.after ?? [];
  const closing = params.closing ?? [`A bientôt sur la ${PLATFORM_NAME}.`];
  const signature = [
    `L'assistance technique de la ${PLATFORM_NAME}`,
    'Direction des Retraites et de la Solidarité - Caisse des Dépôts',
  ];
  const footer = [
    '******* IMPORTANT *******',
    'Cet email vous a été envoyé par un automate. Merci de ne pas répondre.',
  ];
  const p = (t: string) => `<p>${escapeHtml(t)}</p>`;
  const html = [
    '<!doctype html><html lang="fr"><head><meta charset="utf-8"></head>',
    '<body style="font-family: Arial, sans-serif; color: #1b1b35; max-width: 640px">',
    `<p style="font-weight:bold;color:#2b3a8c">pep's — plateforme employeurs publics</p>`,
    `<h1 style="font-size:20px">${escapeHtml(params.title)}</h1>`,
    ...params.paragraphs.map(p),
    params.action
      ? `<p><a href="${escapeHtml(params.action.url)}" style="background:#2b3a8c;color:#fff;padding:10px 16px;text-decoration:none;border-radius:4px">${escapeHtml(params.action.label)}</a></p>`
      : '',
    ...after.map(p),
    ...closing.map(p),
    `<p>${signature.map(escapeHtml).join('<br>')}<br><a href="${escapeHtml(params.siteUrl)}">Accéder à la ${escapeHtml(PLATFORM_NAME)}</a></p>`,
    `<p style="font-size:12px;color:#666">${footer.map(escapeHtml).join('<br>')}</p>`,
    '</body></html>',
  ].join('\n');
  const text = [
    params.title,
    '',
    ...params.paragraphs.flatMap((t) => [t, '']),
    ...(params.action ? [`${params.action.label} : ${params.action.url}`, ''] : []),
    ...after.flatMap((t) => [t, '']),
    ...closing.flatMap((t) => [t, '']),
    ...signature,
    `Accéder à la ${PLATFORM_NAME} : ${params.siteUrl}`,
    '',
    ...footer,
  ].join('\n');
  return { subject: params.subject, html, text };
}
