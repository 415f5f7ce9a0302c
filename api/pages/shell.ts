/**
 * The frame of the few pages people open in a browser (home, password link): French, no external
 * resource, scripts served from /assets (so a strict Content-Security-Policy keeps working).
 */
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

const STYLE = `
body{font-family:Arial,Helvetica,sans-serif;margin:0;color:#1b1b35;background:#f2f3f8}
header{background:#2b3a8c;color:#fff;padding:14px 24px;font-weight:bold}
main{max-width:560px;margin:32px auto;background:#fff;border:1px solid #dcdfeb;padding:8px 28px 28px}
h1{font-size:24px}h2{font-size:18px;margin-top:28px}
label{display:block;margin-top:16px;font-weight:bold}
input{width:100%;padding:9px;font-size:16px;box-sizing:border-box;border:1px solid #8a8ea8;border-radius:3px}
button,.button{display:inline-block;margin-top:20px;padding:11px 20px;background:#2b3a8c;color:#fff;border:0;border-radius:4px;font-size:16px;text-decoration:none;cursor:pointer}
a{color:#2b3a8c}.muted{color:#5c5f73;font-size:14px}
.error{color:#b00020}.ok{color:#106b21}
.notice{border-left:4px solid #2b3a8c;background:#f2f3f8;padding:10px 14px}
.notice.error{border-color:#b00020;background:#fdf0f2}.notice.ok{border-color:#106b21;background:#eef8f0}
details{margin-top:14px}summary{cursor:pointer;color:#2b3a8c}
`;

export const PLATFORM = "Plateforme Employeurs Publics Pep's";

export function htmlPage(params: { title: string; main: HtmlEscapedString | Promise<HtmlEscapedString>; script?: string }) {
  return html`<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${params.title} — Pep's</title>
<style>${raw(STYLE)}</style>
</head>
<body>
<header>${PLATFORM}</header>
<main>${params.main}</main>
${params.script ? html`<script src="/assets/${params.script}"></script>` : ''}
</body>
</html>`;
}
