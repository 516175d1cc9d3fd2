"""Locale overlays: one small ``overlay.json`` turns a full base locale into a regional variant.

Five English locales share about four hundred questions and answers; five hand-kept copies would
drift apart, and a safety fix made in one would be missed in the others. So a variant locale keeps
only what differs: whole-word spelling and wording swaps applied to every text, its emergency
number, a few overridden fields and a few extra local sample phrasings. An overlay may change only
what the base already has, so a typo in a key fails at load instead of being silently ignored.

This module reads files but imports nothing from ``skill.content`` so the loader can import it.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from skill.errors import ContentError

CONTENT_DIR = Path(__file__).resolve().parent
OVERLAY_FILE = "overlay.json"
KINDS = ("topics", "routines", "prompts", "intents")
ADD_SUFFIX = "_add"
# Overlay section -> (kind it belongs to, path of the part of that kind's JSON it patches).
SECTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "topics": ("topics", ("topics",)),
    "routines": ("routines", ("routines",)),
    "cues": ("routines", ("cues",)),
    "prompts": ("prompts", ("prompts",)),
    "settings": ("prompts", ("locale",)),
    "examples": ("prompts", ("examples",)),
    "intents": ("intents", ()),
}
OVERLAY_KEYS = ("base", "note", "spelling", *SECTIONS)
# Never respelled: citations must keep their published titles, and ids, offers and the locale
# settings are identifiers, not speech.
_KEEP_AS_IS = frozenset({"sources", "url", "id", "offer", "locale"})
# Interaction-model samples (and routine slot synonyms) must stay lower case.
_SAMPLE_KEYS = frozenset({"questions", "synonyms"})
_SPELLING_KEY = re.compile(r"^[a-z][a-z' -]*[a-z]$")
_PLACEHOLDER = re.compile(r"(\{\w+\})")


def read_json(path: Path) -> Any:
    """A JSON file, with errors that name the file: every content read goes through here."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ContentError(f"missing content file {path}") from exc
    except json.JSONDecodeError as exc:
        raise ContentError(f"{path}: invalid JSON: {exc}") from exc


def has_content(folder: Path) -> bool:
    """True for a locale folder: a full locale (``prompts.json``) or an overlay on one."""
    return (folder / "prompts.json").is_file() or (folder / OVERLAY_FILE).is_file()


def read_locale_data(locale: str, kind: str, root: Path = CONTENT_DIR) -> dict[str, Any]:
    """The raw JSON of one kind of content for ``locale``: its own ``<kind>.json`` if it has one,
    otherwise its base locale's data with ``overlay.json`` applied. Callers validate as before."""
    if kind not in KINDS:
        raise ContentError(f"unknown content kind {kind!r}; expected one of {KINDS}")
    folder = root / locale
    own, overlay_path = folder / f"{kind}.json", folder / OVERLAY_FILE
    if not overlay_path.is_file():
        return read_json(own)
    overlay = read_json(overlay_path)
    where = str(overlay_path)
    if not isinstance(overlay, dict):
        raise ContentError(f"{where}: an overlay must be a JSON object")
    if own.is_file():
        if any(overlay.get(name) for name, (section_kind, _) in SECTIONS.items() if section_kind == kind):
            raise ContentError(f"{where}: {own.name} exists, so the overlay's {kind} sections would be ignored")
        return read_json(own)
    base = overlay.get("base")
    if not isinstance(base, str) or base == locale or not (root / base).is_dir():
        raise ContentError(f"{where}: 'base' must name another locale folder, got {base!r}")
    if (root / base / OVERLAY_FILE).is_file():
        raise ContentError(f"{where}: base {base!r} is itself an overlay; overlays must sit on a full locale")
    return apply_overlay(read_json(root / base / f"{kind}.json"), overlay, kind, where=where)


def apply_overlay(base: dict[str, Any], overlay: dict[str, Any], kind: str, where: str = "overlay") -> dict[str, Any]:
    """``base`` (one kind's raw JSON) with the overlay's spelling and sections for that kind applied.

    Spelling goes first, to the base and to the overlay's own texts alike, so overrides may be
    written in either spelling and ``*_add`` duplicates are caught after respelling. ``base`` is
    not modified.
    """
    if kind not in KINDS:
        raise ContentError(f"{where}: unknown content kind {kind!r}; expected one of {KINDS}")
    if not isinstance(overlay, dict) or not isinstance(base, dict):
        raise ContentError(f"{where}: the overlay and the base {kind} data must be JSON objects")
    unknown = [key for key in overlay if key not in OVERLAY_KEYS]
    if unknown:
        raise ContentError(f"{where}: unknown overlay keys {unknown}; allowed: {list(OVERLAY_KEYS)}")
    spelling = _spelling_table(overlay.get("spelling", {}), where)
    result = respell(copy.deepcopy(base), spelling, sample=kind == "intents")
    for name, (section_kind, path) in SECTIONS.items():
        if section_kind != kind or name not in overlay:
            continue
        patch = respell(copy.deepcopy(overlay[name]), spelling, sample=kind == "intents", key=path[-1] if path else "")
        for key in reversed(path):
            patch = {key: patch}
        result = _merge(result, patch, f"{where}: section '{name}'")
    return result


def _spelling_table(spelling: Any, where: str) -> dict[str, str]:
    if not isinstance(spelling, dict):
        raise ContentError(f"{where}: 'spelling' must be an object of US word -> local word")
    for source, target in spelling.items():
        if not _SPELLING_KEY.match(source) or "  " in source:
            raise ContentError(f"{where}: spelling key {source!r} must be lower-case words")
        if not isinstance(target, str) or not target.strip() or target.lower() == source:
            raise ContentError(f"{where}: spelling for {source!r} must be a different non-empty string")
    return dict(spelling)


def respell(data: Any, spelling: dict[str, str], *, sample: bool = False, key: str = "") -> Any:
    """``data`` with every text respelled, except citations, ids and settings; samples stay lower case."""
    if not spelling or key in _KEEP_AS_IS:
        return data
    sample = sample or key.removesuffix(ADD_SUFFIX) in _SAMPLE_KEYS
    if isinstance(data, str):
        return replace_words(data, spelling, lower=sample)
    if isinstance(data, list):
        items = [respell(item, spelling, sample=sample, key=key) for item in data]
        if sample and all(isinstance(item, str) for item in items):
            items = list(dict.fromkeys(items))  # "color" and "colour" samples may now be the same
        return items
    if isinstance(data, dict):
        return {k: respell(v, spelling, sample=sample, key=k) for k, v in data.items()}
    return data


def replace_words(text: str, spelling: dict[str, str], *, lower: bool = False) -> str:
    """Whole-word, case-preserving replacement ("Center" -> "Centre"); ``{placeholders}`` are untouched."""
    if not spelling:
        return text
    pattern = re.compile(
        r"\b(" + "|".join(re.escape(k) for k in sorted(spelling, key=len, reverse=True)) + r")\b", re.IGNORECASE
    )

    def swap(found: re.Match[str]) -> str:
        source, target = found.group(0), spelling[found.group(0).lower()]
        if lower:
            return target.lower()
        if len(source) > 1 and source.isupper():
            return target.upper()
        if source[0].isupper():
            return target[0].upper() + target[1:]
        return target

    parts = _PLACEHOLDER.split(text)
    return "".join(part if _PLACEHOLDER.fullmatch(part) else pattern.sub(swap, part) for part in parts)


def _merge(base: dict[str, Any], patch: dict[str, Any], where: str, trail: str = "") -> dict[str, Any]:
    """``patch`` laid over ``base``: objects merge key by key, other values are replaced whole;
    ``<list>_add`` appends new items to a list. Keys the base lacks are errors."""
    result = dict(base)
    adds = {k: v for k, v in patch.items() if k.endswith(ADD_SUFFIX) and k not in base}
    for key, value in patch.items():
        if key in adds:
            continue
        here = f"{trail}.{key}" if trail else key
        if key not in base:
            raise ContentError(f"{where}: '{here}' is not in the base locale; overlays may only change existing keys")
        old = base[key]
        if type(value) is not type(old):
            raise ContentError(f"{where}: '{here}' must be a {type(old).__name__} like the base, "
                               f"not {type(value).__name__}")
        result[key] = _merge(old, value, where, here) if isinstance(old, dict) else value
    for key, value in adds.items():
        target = key.removesuffix(ADD_SUFFIX)
        here = f"{trail}.{key}" if trail else key
        if not isinstance(result.get(target), list):
            raise ContentError(f"{where}: '{here}': the base has no list '{target}' to add to")
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            raise ContentError(f"{where}: '{here}' must be a non-empty list of strings")
        repeated = [v for v in value if v in result[target]] + [v for i, v in enumerate(value) if v in value[:i]]
        if repeated:
            raise ContentError(f"{where}: '{here}': {repeated} already in '{target}'")
        result[target] = [*result[target], *value]
    return result
