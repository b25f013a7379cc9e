"""Document repeats (SPAM.md §4.2 L5): an injected phrase is identical at every place it was put,
while its contexts differ, so extending all its occurrences while they agree gives exact
boundaries, even around a brand no lexicon knows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from parsing.spam.shadow import is_han

MIN_PHRASE = 4
_JOINER_SET = frozenset("_|¥丨")
_JOINER = re.compile("[" + re.escape("".join(sorted(_JOINER_SET))) + "]")
_JOINED = re.compile(r"[\u4e00-\u9fff][_|¥丨][\u4e00-\u9fff]")
_MAX_GROWTH = 12
_CONTEXT = 3  # characters added on each side, at most


def _word_char(ch: str) -> bool:
    return is_han(ch) or ("a" <= ch <= "z") or ch.isdigit()


def _occurrences(shadows: Sequence[str], phrase: str) -> list[tuple[int, int]]:
    """(text index, start) of ``phrase``; a duplicated paragraph counts once."""
    seen: set[str] = set()
    out: list[tuple[int, int]] = []
    for k, text in enumerate(shadows):
        if text in seen:
            continue
        seen.add(text)
        i = text.find(phrase)
        while i >= 0:
            out.append((k, i))
            i = text.find(phrase, i + len(phrase))
    return out


def _extend(
    shadows: Sequence[str],
    occ: list[tuple[int, int]],
    length: int,
    limit: int = _MAX_GROWTH,
    *,
    right: bool = True,
) -> tuple[int, int]:
    """Characters (left, right) by which all occurrences agree around a ``length``-long phrase."""
    k0, p0 = occ[0]
    first = shadows[k0]
    left = 0
    while left < limit and all(
        p - left - 1 >= 0
        and _word_char(shadows[k][p - left - 1])
        and shadows[k][p - left - 1] == first[p0 - left - 1]
        for k, p in occ
    ):
        left += 1
    grow = 0
    while (
        right
        and grow < limit
        and all(
            p + length + grow < len(shadows[k])
            and (
                _word_char(shadows[k][p + length + grow])
                or shadows[k][p + length + grow] in _JOINER_SET
            )
            and shadows[k][p + length + grow] == first[p0 + length + grow]
            for k, p in occ
        )
    ):
        grow += 1
    return left, grow


def joiner_repeats(shadows: Sequence[str]) -> set[str]:
    """Maximal repeats around a symbol joined between Han characters (``永盈会_乐动体育``).

    Such joiners never occur in report prose, so the joined pair itself is the evidence.
    """
    groups: dict[str, list[tuple[int, int]]] = {}
    for k, text in enumerate(shadows):
        if _JOINER.search(text) is None:  # no joiner, no match: skip the slower regex
            continue
        for m in _JOINED.finditer(text):
            groups.setdefault(m.group(), []).append((k, m.start()))
    found: set[str] = set()
    for all_occ in groups.values():
        seen: dict[str, tuple[int, int]] = {}
        for k, p in all_occ:  # a duplicated paragraph is one context, not a repeat
            seen.setdefault(shadows[k], (k, p))
        occ = list(seen.values())
        if len(occ) < 2:
            continue
        left, right = _extend(shadows, occ, 3, limit=1 << 30)
        k0, p0 = occ[0]
        phrase = shadows[k0][p0 - left : p0 + 3 + right]
        if len(phrase) >= MIN_PHRASE:
            found.add(phrase)
    return _maximal(found)


def extend_repeats(shadows: Sequence[str], phrases: Iterable[str]) -> set[str]:
    """Phrases already accepted as spam, extended leftwards over what all occurrences share.

    ``娱乐平台`` put in place of every ``关于`` as ``汇隆亚洲娱乐平台`` comes out whole: the
    unknown brand before the strong term is the same at every place, the prose around it is not.
    Occurrences whose right contexts are all the same are one sentence copied, not independent
    places, and prove nothing. Only the left side grows: after a phrase, prose often agrees by
    chance (``关于政务…``, ``关于政府…``); chains continuing to the right have joiners.
    """
    found: set[str] = set()
    for phrase in phrases:
        occ = _occurrences(shadows, phrase)
        if len(occ) < 2:
            continue
        n = len(phrase)
        if len({shadows[k][p + n : p + n + _CONTEXT] for k, p in occ}) < 2:
            continue
        left, _ = _extend(shadows, occ, n, right=False)
        if left:
            k0, p0 = occ[0]
            found.add(shadows[k0][p0 - left : p0 + n])
    return found


def _maximal(found: set[str]) -> set[str]:
    """Keep maximal phrases only (a chain with two joiners yields the same phrase twice)."""
    return {p for p in found if not any(p != q and p in q for q in found)}
