"""Who published a report: an agency's administrative level, and which spellings are one agency.

Everything is read from the agency's name alone (no register of agencies is kept). A name is
read as a chain of administrative divisions (江苏省 / 淮安市 / 洪泽区 / 东山街道) followed by the
organ (人民政府, 财政局, 办事处, …).

``level`` serves plausibility.rule_making_power: under 立法法 only 国务院部门, the people's
governments of 省/自治区/直辖市 and of 设区的市/自治州 make 规章. A "XX市人民政府" counts as
having that power: a 县级市 (泰兴市) cannot be told from a 设区的市 (淮安市) by its name, and
the rule should rather miss a finding than raise a false one. Only when a 市 sits under
another 市 (泰州市泰兴市人民政府) is it read as county level.

``resolve`` pairs spellings of one agency across years ("洪泽区人民政府" in one report,
"淮安市洪泽区人民政府" in the next), and ``load_aliases`` reads the table a user edits for the
pairs no rule can see (an agency renamed).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from gongkai import config

ALIASES_PATH = config.DEFAULT_ALIASES  # the bundled table; $GONGKAI_ALIASES names another

TIERS = ("national", "provincial", "prefecture", "county", "township", "unknown")


@dataclass(frozen=True)
class AgencyLevel:
    tier: str  # national | provincial | prefecture | county | township | unknown
    kind: str  # government | department | unknown
    rule_making_power: bool | None  # None: cannot tell from the name


UNKNOWN = AgencyLevel("unknown", "unknown", None)

# a division's name ends with one of these (longest first, so 自治区 wins over 区)
_DIVISION_END = re.compile(
    r"(特别行政区|自治区|自治州|自治县|自治旗|地区|街道|苏木|省|市|州|盟|县|区|旗|镇|乡)$")
_MUNICIPALITIES = {"北京市", "天津市", "上海市", "重庆市"}  # 直辖市: provincial level
# a place name is Chinese characters only and never spans an organ's words
_PLACE = re.compile(r"^[\u4e00-\u9fff]+$")
_NOT_A_PLACE = re.compile(r"政府|人民|局|厅|委员会|办公")
# one-character places exist for 县 (沛县, 丰县) and a few 区 (大同市城区); "城市", "社区" are not
_SHORT_PLACE = re.compile(r"^(.县|[城郊矿]区)$")
# 乡/镇/街道 only as a division when the township's own organ follows: "住房和城乡建设局" is no 乡
_TOWNSHIP_ORGAN = re.compile(r"^(人民政府|政府|办事处|街道办|$)")
_GOVERNMENT = re.compile(r"^(人民政府|政府|行政公署|公署|办事处|街道办事处|街道办)$")
# the government's own office often publishes the government's report (its 规章 included)
_GOVERNMENT_OFFICE = re.compile(r"^(人民)?政府办公(厅|室)$")
_DEPARTMENT = re.compile(r"(厅|局|委员会|委|办公室|办公厅|办|中心|署|院|处|所|站|队|会|部)$")
# the central government and its departments (中华人民共和国教育部, 国家税务总局, 海关总署, 教育部)
_NATIONAL = re.compile(r"^(中华人民共和国|国务院|国家|中国)|^[\u4e00-\u9fff]{1,8}(部|总署|署)$")
# a vertically managed local branch: 国家税务总局淮安市税务局 is a local department
_NATIONAL_BRANCH = re.compile(r"^(国家[\u4e00-\u9fff]*?总?局|中国人民银行)")


def normalise(name: str | None) -> str:
    """NFKC, all whitespace removed, brackets of every width written as （）."""
    text = unicodedata.normalize("NFKC", name or "")
    text = re.sub(r"\s+", "", text)
    return re.sub(r"[(\[【〔［]", "（", re.sub(r"[)\]】〕］]", "）", text))


def _next_division(text: str) -> str | None:
    """The shortest leading division of ``text`` (淮安市 of 淮安市洪泽区…), or None."""
    for end in range(2, len(text) + 1):
        candidate = text[:end]
        m = _DIVISION_END.search(candidate)
        if not m:
            continue
        suffix, place, rest = m.group(), candidate[:m.start()], text[end:]
        if not place or not _PLACE.match(place) or _NOT_A_PLACE.search(place):
            continue
        if len(place) == 1 and not _SHORT_PLACE.match(candidate):
            continue
        if suffix == "州" and rest[:1] in ("市", "区", "县"):  # 徐州市, 通州区: not 徐州, 通州
            continue
        if suffix in ("街道", "苏木", "镇", "乡") and not _TOWNSHIP_ORGAN.match(rest):
            continue
        return candidate
    return None


def divisions(name: str) -> tuple[list[str], str]:
    """Split a (normalised) name into its leading divisions and the organ after them."""
    found, rest = [], name
    while (division := _next_division(rest)) is not None:
        found.append(division)
        rest = rest[len(division):]
    return found, rest


def _depth(chain: list[str]) -> tuple[int, bool]:
    """1 provincial .. 4 township for the lowest division, and whether its government could
    make 规章 (设区的市 / 自治州 / 省; not 地区 or 盟, whose 行政公署 is no 设区的市)."""
    depth, power = 0, False
    for division in chain:
        if division in _MUNICIPALITIES or division.endswith(("省", "自治区", "特别行政区")):
            depth, power = 1, True
        elif division.endswith(("地区", "盟")):
            depth, power = 2, False
        elif division.endswith("州") and depth < 2:  # 自治州, or 恩施州 for short
            depth, power = 2, True
        elif division.endswith("市") and depth < 2:  # 设区的市, or a 县级市 we cannot tell
            depth, power = 2, True
        elif division.endswith(("街道", "苏木", "镇", "乡")):
            depth, power = 4, False
        else:  # 县, 区, 旗, 自治县, or a 市 under a 市
            depth, power = max(depth, 3), False
    return depth, power


def level(name: str | None) -> AgencyLevel:
    """The agency's tier, kind and whether it may make 规章, read from its name."""
    text = normalise(name)
    if not text:
        return UNKNOWN
    chain, organ = divisions(text)
    if not chain:
        branch = _NATIONAL_BRANCH.match(text)
        if branch and divisions(text[branch.end():])[0]:
            chain, organ = divisions(text[branch.end():])  # 国家税务总局淮安市|税务局
        elif _NATIONAL.search(text):
            kind = "government" if text in ("国务院", "中华人民共和国国务院") else "department"
            return AgencyLevel("national", kind, True)
        else:
            return UNKNOWN
    depth, government_power = _depth(chain)
    tier = TIERS[depth]
    # a bare place ("某某街道") stands for its government
    if not organ or _GOVERNMENT.match(organ):
        kind = "government"
    elif _DEPARTMENT.search(organ):
        kind = "department"
    else:
        kind = "unknown"
    if tier in ("county", "township"):
        power = False  # nothing below 设区的市
    elif kind == "department" and government_power and _GOVERNMENT_OFFICE.match(organ):
        power = None  # the office may be reporting for its government: cannot tell
    elif kind == "department":
        power = False  # no department of a local government
    elif kind == "government":
        power = government_power
    else:
        power = None
    return AgencyLevel(tier, kind, power)


def _boundary_suffixes(name: str) -> list[tuple[str, str]]:
    """(prefix, rest) for each way of dropping leading divisions while keeping at least one:
    淮安市洪泽区人民政府 -> [("淮安市", "洪泽区人民政府")]; "人民政府" alone is never a rest."""
    chain, _ = divisions(name)
    out, cut = [], 0
    for division in chain[:-1]:
        cut += len(division)
        out.append((name[:cut], name[cut:]))
    return out


def resolve(names: Iterable[str], aliases: Mapping[str, str] | None = None) -> dict[str, str]:
    """Map every name to its agency's canonical name (normalised; the fullest spelling).

    Aliases apply first (exact, after normalising). Then a name that is another with its
    parent divisions dropped is the same agency, unless the dropped prefixes disagree
    (南京市鼓楼区人民政府 and 徐州市鼓楼区人民政府 both end with 鼓楼区人民政府: it stays alone).
    """
    table = {normalise(k): normalise(v) for k, v in (aliases or {}).items()}

    def aliased(text: str) -> str:
        seen = set()
        while text in table and text not in seen:  # chains allowed, cycles stop
            seen.add(text)
            text = table[text]
        return text

    originals = list(names)
    spelled = {original: aliased(normalise(original)) for original in originals}
    present = set(spelled.values())

    prefixes: dict[str, dict[str, str]] = {}  # shorter name -> {prefix: longer name}
    for longer in present:
        for prefix, shorter in _boundary_suffixes(longer):
            if shorter in present:
                prefixes.setdefault(shorter, {})[prefix] = longer

    parent = {n: n for n in present}

    def find(n: str) -> str:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for shorter, longer_by_prefix in prefixes.items():
        ps = list(longer_by_prefix)
        # unambiguous when the prefixes nest (淮安市 inside 江苏省淮安市), not 南京市 vs 徐州市
        if all(p.endswith(q) or q.endswith(p) for p in ps for q in ps):
            for longer in longer_by_prefix.values():
                parent[find(shorter)] = find(longer)

    groups: dict[str, list[str]] = {}
    for n in present:
        groups.setdefault(find(n), []).append(n)
    canonical = {root: min(members, key=lambda m: (-len(m), m)) for root, members in groups.items()}
    return {original: canonical[find(spelled[original])] for original in originals}


def load_aliases(path: str | Path | None = None) -> dict[str, str]:
    """Read an alias table (alias,canonical,note; '#' comments and blank lines allowed);
    default: the configured one (``gongkai.config.aliases_file``)."""
    path = config.aliases_file(path)
    aliases: dict[str, str] = {}
    header_seen = False
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue

        def fail(message: str) -> ValueError:
            return ValueError(f"{path}:{number}: {message}")

        try:
            row = next(csv.reader([line], strict=True))
        except csv.Error as exc:
            raise fail(f"not a CSV row ({exc})") from None
        cells = [c.strip() for c in row]
        if not header_seen:
            if cells[:2] != ["alias", "canonical"] or cells[2:] not in ([], ["note"]):
                raise fail(f"expected the header alias,canonical,note, got {line!r}")
            header_seen = True
            continue
        if len(cells) not in (2, 3):
            raise fail(f"expected alias,canonical[,note], got {len(cells)} columns")
        alias, canonical = normalise(cells[0]), normalise(cells[1])
        if not alias or not canonical:
            raise fail("alias and canonical must both be given")
        if alias == canonical:
            raise fail(f"{alias!r} is its own alias")
        if aliases.get(alias, canonical) != canonical:
            raise fail(f"{alias!r} already maps to {aliases[alias]!r}")
        aliases[alias] = canonical
    return aliases
