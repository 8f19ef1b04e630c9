"""The public register's HTML page: server-rendered, no script, in the reader's language.

One page: a form (certificate number, and optionally a name for the yes/no question),
then the answer. Text comes from the ``vcissue.i18n`` catalogues; everything from the
store is escaped. Accessible without script: labelled fields, one ``h1``, the answer in a
``role="status"`` region, links that are real links.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from urllib.parse import urlencode

from ..i18n import LANGUAGES, Translator
from ..issuer import PublicStatus

__all__ = ["page"]

_LANGUAGE_NAMES = {"en": "English", "hr": "Hrvatski"}
_STYLE = """
body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1a1a1a;background:#fafafa}
main{max-width:42rem;margin:0 auto;padding:1rem 1.25rem 3rem}
h1{font-size:1.6rem;margin:.5rem 0 1rem}
form{display:grid;gap:.5rem;background:#fff;border:1px solid #ccc;padding:1rem;border-radius:.4rem}
label{font-weight:600}input{font:inherit;padding:.45rem;border:1px solid #777;border-radius:.25rem}
button{font:inherit;font-weight:600;padding:.5rem 1rem;justify-self:start;cursor:pointer}
.answer{margin-top:1.25rem;background:#fff;border:2px solid #777;border-radius:.4rem;padding:1rem}
.yes{border-color:#1b6e20}.no{border-color:#a31515}
.verdict{font-size:1.25rem;font-weight:700;margin:0 0 .5rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:0}
dt{font-weight:600}dd{margin:0}
nav{font-size:.9rem;margin-top:.5rem}
:focus{outline:3px solid #1d4ed8;outline-offset:2px}
"""


def page(
    _: Translator,
    *,
    body_name: str,
    number: str = "",
    name: str = "",
    answer: PublicStatus | None = None,
    unknown: bool = False,
    confirmed: bool | None = None,
    refused: str = "",
) -> str:
    """The page: the form, filled with ``number``/``name``, and what was found.

    ``answer``: the register's entry for ``number``; ``unknown``: no such certificate;
    ``confirmed``: the yes/no answer when a name was given (then nothing else is shown);
    ``refused``: a message instead of an answer (too many lookups)."""
    title = _("Certificate register")
    parts = [
        f'<!doctype html><html lang="{_.language}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>{escape(title)} - {escape(body_name)}</title><style>{_STYLE}</style></head>",
        f"<body><main><h1>{escape(title)}</h1>",
        f"<p>{escape(_('{body} answers here whether a certificate it issued is current.', body=body_name))}</p>",  # noqa: E501
        _form(_, number, name),
    ]
    if refused:
        parts.append(f'<section class="answer no" role="status"><p>{escape(refused)}</p></section>')
    elif confirmed is not None:
        parts.append(_confirmation(_, number, name, confirmed))
    elif unknown:
        message = _("No certificate with the number {number} was issued by {body}.")
        text = message.replace("{number}", number).replace("{body}", body_name)
        parts.append(f'<section class="answer no" role="status"><p>{escape(text)}</p></section>')
    elif answer is not None:
        parts.append(_entry(_, answer))
    parts.append(_languages(_, number, name))
    parts.append("</main></body></html>")
    return "".join(parts)


def _form(_: Translator, number: str, name: str) -> str:
    return (
        '<form method="get" action="/register">'
        f'<label for="number">{escape(_("Certificate number"))}</label>'
        f'<input id="number" name="number" required maxlength="64" value="{escape(number)}"'
        ' autocomplete="off" spellcheck="false">'
        f'<label for="name">{escape(_("Holder name (optional: the answer is then yes or no)"))}'
        "</label>"
        f'<input id="name" name="name" maxlength="500" value="{escape(name)}" autocomplete="off">'
        f'<input type="hidden" name="lang" value="{_.language}">'
        f'<button type="submit">{escape(_("Check"))}</button></form>'
    )


def _confirmation(_: Translator, number: str, name: str, confirmed: bool) -> str:
    if confirmed:
        text = _("Yes: {name} holds a current certification under certificate {number}.")
    else:
        text = _(
            "No: the register does not confirm a current certification of {name} "
            "under certificate {number}."
        )
    text = text.replace("{name}", name).replace("{number}", number)
    css = "yes" if confirmed else "no"
    return f'<section class="answer {css}" role="status"><p class="verdict">{escape(text)}</p></section>'  # noqa: E501


def _entry(_: Translator, answer: PublicStatus) -> str:
    if answer.current:
        verdict, css = _("Current: this certification is valid for the scope shown."), "yes"
    elif answer.superseded and answer.replaced_by:
        verdict, css = _("Superseded: a newer certificate replaces this one."), "no"
    else:
        verdict, css = _("Not current: this certificate is not a valid certification."), "no"
    rows = [
        (_("Certificate no."), escape(answer.number or answer.credential_id)),
        (
            _("Certified organisation") if answer.holder_kind == "organisation" else _("Holder"),
            escape(answer.holder_name),
        ),
        (_("Qualification"), escape(answer.qualification_title or answer.qualification_id)),
        (_("Scope"), escape(answer.scope)),
        (_("Awarding body"), escape(answer.awarding_body)),
    ]
    if answer.rpl_units:
        rows.insert(4, (_("Recognition of prior learning"), escape(", ".join(answer.rpl_units))))
    if answer.accreditation is not None:
        accreditation = _(
            "{body}, accreditation no. {number}",
            body=answer.accreditation.body,
            number=answer.accreditation.number,
        )
        statement = answer.accreditation.statement
        rows.append(
            (
                _("Accreditation"),
                escape(accreditation) + (f"<br>{escape(statement)}" if statement else ""),
            )
        )
    rows += [
        (_("Date of award"), _date(_, answer.awarded)),
        (_("Valid until"), _date(_, answer.expires)),
    ]
    if answer.replaced_by:
        successor = answer.replaced_by_number or answer.replaced_by
        query = urlencode({"number": successor, "lang": _.language})
        link = f'<a href="/register?{escape(query)}">{escape(successor)}</a>'
        rows.append((_("Superseded by"), link))
    items = "".join(f"<dt>{escape(label)}</dt><dd>{value}</dd>" for label, value in rows)
    return (
        f'<section class="answer {css}" role="status" aria-labelledby="verdict">'
        f'<p class="verdict" id="verdict">{escape(verdict)}</p><dl>{items}</dl></section>'
    )


def _date(_: Translator, moment: datetime) -> str:
    return f'<time datetime="{moment.date().isoformat()}">{escape(_.date(moment.date()))}</time>'


def _languages(_: Translator, number: str, name: str) -> str:
    links = []
    for language in LANGUAGES:
        query = {"lang": language, **({"number": number} if number else {})}
        if name:
            query["name"] = name
        label = _LANGUAGE_NAMES.get(language, language)
        current = ' aria-current="true"' if language == _.language else ""
        links.append(
            f'<a href="/register?{escape(urlencode(query))}" lang="{language}"{current}>'
            f"{escape(label)}</a>"
        )
    return f'<nav aria-label="{escape(_("Language"))}">' + " | ".join(links) + "</nav>"
