'use strict';
// The frame both HTML pages share (`leakwatch report -o`, `leakwatch analyze -o`): one
// self-contained file whose Content-Security-Policy allows its inline CSS and nothing else, so
// opening it never runs a script or fetches anything.

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

/** A whole page: `title` is text (escaped here), `css` and `body` are trusted markup. */
function page({ title, css, body }) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(title)}</title>
<style>${css}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`;
}

module.exports = { escapeHtml, page };
