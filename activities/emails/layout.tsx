/**
 * The platform's email frame (French), shared by every message, built with React Email components:
 * table-based layout, inline styles, a `<title>` and a viewport, a button that Outlook keeps.
 * Templates never write HTML: they hand plain-text paragraphs to `renderEmail`, which escapes them.
 */
import { Body } from '@react-email/body';
import { Button } from '@react-email/button';
import { Container } from '@react-email/container';
import { Head } from '@react-email/head';
import { Heading } from '@react-email/heading';
import { Hr } from '@react-email/hr';
import { Html } from '@react-email/html';
import { Link } from '@react-email/link';
import { Preview } from '@react-email/preview';
import { Section } from '@react-email/section';
import { Text } from '@react-email/text';
import { renderToStaticMarkup } from 'react-dom/server';

/** The guide's spelling (straight apostrophe), the one used everywhere. */
export const PLATFORM_NAME = "Plateforme Employeurs Publics Pep's";

export interface EmailBody {
  subject: string;
  html: string;
  text: string;
}

export interface EmailContent {
  subject: string;
  /** The heading of the message (often the subject). */
  title: string;
  /** Plain text, one string per paragraph (escaped on rendering). */
  paragraphs: string[];
  /** The one button of the message, and the paragraphs that follow it. */
  action?: { label: string; url: string; after?: string[] };
  /** Defaults to « A bientôt sur la Plateforme… ». */
  closing?: string[];
  /** The platform's home page (PUBLIC_BASE_URL): the « Accéder à la Plateforme… » link. */
  siteUrl: string;
}

const SIGNATURE = [`L'assistance technique de la ${PLATFORM_NAME}`, 'Direction des Retraites et de la Solidarité - Caisse des Dépôts'];
const FOOTER = ['******* IMPORTANT *******', 'Cet email vous a été envoyé par un automate. Merci de ne pas répondre.'];

const BLUE = '#2b3a8c';
const text = { fontSize: '15px', lineHeight: '22px', color: '#1b1b35', margin: '0 0 14px' };

function EmailLayout(props: EmailContent) {
  const closing = props.closing ?? [`A bientôt sur la ${PLATFORM_NAME}.`];
  return (
    <Html lang="fr">
      <Head>
        <title>{props.subject}</title>
        <meta name="viewport" content="width=device-width, initial-scale=1" />
      </Head>
      <Preview>{props.paragraphs.slice(1).join(' ') || props.title}</Preview>
      <Body style={{ backgroundColor: '#f2f3f8', fontFamily: 'Arial, Helvetica, sans-serif', margin: 0, padding: '24px 0' }}>
        <Container style={{ maxWidth: '600px', backgroundColor: '#ffffff', border: '1px solid #dcdfeb' }}>
          <Section style={{ backgroundColor: BLUE, padding: '14px 24px' }}>
            <Text style={{ ...text, color: '#ffffff', fontWeight: 'bold', margin: 0 }}>{PLATFORM_NAME}</Text>
          </Section>
          <Section style={{ padding: '8px 24px 0' }}>
            <Heading as="h1" style={{ fontSize: '20px', lineHeight: '28px', color: '#1b1b35', margin: '16px 0' }}>
              {props.title}
            </Heading>
            {props.paragraphs.map((p, i) => (
              <Text key={`p${i}`} style={text}>{p}</Text>
            ))}
            {props.action && (
              <Section style={{ padding: '6px 0 20px' }}>
                <Button
                  href={props.action.url}
                  style={{ backgroundColor: BLUE, color: '#ffffff', fontSize: '15px', fontWeight: 'bold', padding: '12px 20px', borderRadius: '4px' }}
                >
                  {props.action.label}
                </Button>
              </Section>
            )}
            {(props.action?.after ?? []).map((p, i) => (
              <Text key={`a${i}`} style={text}>{p}</Text>
            ))}
            {closing.map((p, i) => (
              <Text key={`c${i}`} style={text}>{p}</Text>
            ))}
          </Section>
          <Section style={{ padding: '0 24px' }}>
            <Hr style={{ borderColor: '#dcdfeb', margin: '8px 0 16px' }} />
            <Text style={{ ...text, fontSize: '14px' }}>
              {SIGNATURE[0]}
              <br />
              {SIGNATURE[1]}
              <br />
              <Link href={props.siteUrl} style={{ color: BLUE, textDecoration: 'underline' }}>
                Accéder à la {PLATFORM_NAME}
              </Link>
            </Text>
            <Text style={{ ...text, fontSize: '12px', lineHeight: '18px', color: '#5c5f73' }}>
              {FOOTER[0]}
              <br />
              {FOOTER[1]}
            </Text>
          </Section>
        </Container>
      </Body>
    </Html>
  );
}

const DOCTYPE =
  '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">';

/** Renders one message: the HTML (React Email components, rendered synchronously) and its plain-text twin. */
export function renderEmail(content: EmailContent): EmailBody {
  const html = DOCTYPE + renderToStaticMarkup(<EmailLayout {...content} />);
  const after = content.action?.after ?? [];
  const closing = content.closing ?? [`A bientôt sur la ${PLATFORM_NAME}.`];
  const plain = [
    content.title,
    '',
    ...content.paragraphs.flatMap((t) => [t, '']),
    ...(content.action ? [`${content.action.label} : ${content.action.url}`, ''] : []),
    ...after.flatMap((t) => [t, '']),
    ...closing.flatMap((t) => [t, '']),
    ...SIGNATURE,
    `Accéder à la ${PLATFORM_NAME} : ${content.siteUrl}`,
    '',
    ...FOOTER,
  ].join('\n');
  return { subject: content.subject, html, text: plain };
}
