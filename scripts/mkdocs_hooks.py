"""MkDocs hooks (mkdocs.yml `hooks:`): the README as the home page; links that leave docs/.

docs/index.md holds one line, `--8<-- "README.md"`: the README is put in its place, so the
repository's front page and the site's home page are one text. The README's links are written for
the repository root (`docs/workers.md`), so on the site they are made relative to docs/ again.

A link from any page to a file outside docs/ (`bench/README.md`, a module under
`django_resque/`) has no page on the site: it points at the file in the repository when
mkdocs.yml sets `repo_url`, else it becomes its plain text. Strict builds then fail only on
links that are really broken.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any

INCLUDE_README = '--8<-- "README.md"'
_LINK = re.compile(r"(!?\[(?P<text>[^\]]*)\])\((?P<target>[^)\s]+)\)")
_FENCE = re.compile(r"^(```|~~~)", re.MULTILINE)


def on_page_markdown(markdown: str, *, page: Any, config: Any, files: Any) -> str:
    """Put the README into the home page, then mend links that leave docs/."""
    src = page.file.src_uri
    if src == "index.md" and INCLUDE_README in markdown:
        readme = (Path(config.config_file_path).parent / "README.md").read_text(encoding="utf-8")
        markdown = markdown.replace(INCLUDE_README, _outside_code(readme, _from_root))
    return _outside_code(markdown, lambda text: _mend(text, src, config))


def _outside_code(markdown: str, change: Any) -> str:
    """Apply `change` to the text between fenced code blocks, never inside them."""
    parts = re.split(r"(^```.*?^```[^\n]*$|^~~~.*?^~~~[^\n]*$)", markdown, flags=re.M | re.S)
    return "".join(part if _FENCE.match(part) else change(part) for part in parts)


def _from_root(text: str) -> str:
    """README links are relative to the repository root; the home page lives in docs/."""

    def relink(match: re.Match[str]) -> str:
        target = match["target"]
        if _is_external(target):
            return match[0]
        moved = target.removeprefix("docs/") if target.startswith("docs/") else "../" + target
        return f"{match[1]}({moved})"

    return _LINK.sub(relink, text)


def _mend(text: str, src: str, config: Any) -> str:
    def relink(match: re.Match[str]) -> str:
        target = match["target"]
        if _is_external(target):
            return match[0]
        path, _, anchor = target.partition("#")
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(src), path))
        if not resolved.startswith("../"):
            return match[0]  # a page or image of the site: MkDocs checks it
        in_repo = resolved[len("../") :]
        if config.repo_url:
            url = f"{config.repo_url.rstrip('/')}/blob/main/{in_repo}"
            return f"{match[1]}({url}{'#' + anchor if anchor else ''})"
        return match["text"]

    return _LINK.sub(relink, text)


def _is_external(target: str) -> bool:
    return target.startswith(("#", "/")) or "://" in target or target.startswith("mailto:")
