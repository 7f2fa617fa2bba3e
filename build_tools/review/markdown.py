"""Provider text made inert for GitHub-flavoured Markdown (the sticky comment, the summary).

`inert(text)` returns Markdown that renders as exactly the text given, on one line, and
can create nothing: every ASCII punctuation character is backslash-escaped (CommonMark
renders an escaped character literally and as its own text node, so no emphasis, link,
image, raw HTML, entity, table cell, heading, list item or task box can start, and GFM's
bare-URL and e-mail autolinks never see a scheme next to its `:` or a `www.` next to its
dot). GitHub adds some links after rendering, on the HTML text itself: `@login` mentions,
`#123` references and `:emoji:` images. For those an escape is not enough (it still renders
as `@login`), so a WORD JOINER (U+2060, invisible) is put between the `@`, `#` or `:` and
what follows (for `:`, only where a shortcode could follow), which GitHub's filters then no
longer match.
"""

from __future__ import annotations

import re
import string
import unicodedata

WORD_JOINER = "&#8288;"  # U+2060, written as an entity so the source shows it plainly
_PUNCTUATION = set(string.punctuation)
_SPACE = re.compile(r"\s+")
# after escaping: a mention, reference or emoji trigger directly before a word character
_TRIGGER = re.compile(r"(\\[@#])(?=[0-9A-Za-z_+\-\\])")
# an emoji shortcode (`:name:`) once escaped: `\:name\:`
_EMOJI = re.compile(r"(\\:)(?=(?:[0-9A-Za-z_]|\\[+\-])+\\:)")


def _visible(char: str) -> str:
    """Control, format and private characters (bidirectional overrides...) as `\\uXXXX`."""
    category = unicodedata.category(char)
    if category[0] == "C" or category in ("Zl", "Zp"):
        code = ord(char)
        return f"\\\\u{code:04x}" if code <= 0xFFFF else f"\\\\U{code:08x}"
    return char


def inert(text: object, limit: int = 0) -> str:
    """`text` as inert inline Markdown on one line; shortened to `limit` characters (before
    escaping) with an ellipsis when `limit` is given."""
    value = _SPACE.sub(" ", text if isinstance(text, str) else str(text)).strip()
    if limit and len(value) > limit:
        value = value[: max(limit - 1, 1)].rstrip() + "…"
    out = "".join("\\" + char if char in _PUNCTUATION else _visible(char) for char in value)
    out = _TRIGGER.sub(lambda m: m.group(1) + WORD_JOINER, out)
    return _EMOJI.sub(lambda m: m.group(1) + WORD_JOINER, out)
