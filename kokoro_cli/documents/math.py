"""Formulas read aloud as a careful reader would: "x squared plus y squared equals z squared".

Both MathML (in EPUB and HTML) and LaTeX (in Markdown, see latex.py) become the same small tree
of MathML element names, and `read()` speaks it: mi, mn, mo, mtext, mrow, msup ("squared",
"cubed", "to the power of"), msub ("sub"), msubsup, munder/mover/munderover (sums, integrals,
limits, accents), mfrac ("over", "one half"), msqrt, mroot, mfenced, mtable (row by row), and
the wrappers (mstyle, semantics, ...). What it cannot read (mmultiscripts, elementary-school
layouts, unknown elements) makes read() return None: the caller then tries the formula's alt
text or counts it as skipped, so no formula is silently half read.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

WRAPPERS = {"math", "mrow", "mstyle", "mpadded", "menclose", "merror", "mphantom", "maction",
            "semantics", "none", "mprescripts"}  # fmt: skip
HIDDEN = {"annotation", "annotation-xml", "mphantom", "none", "mprescripts"}
VOID = {"mspace", "none", "mprescripts", "malignmark", "maligngroup", "mglyph"}
SCRIPTS = {"msup", "msub", "msubsup", "munder", "mover", "munderover"}
KNOWN = WRAPPERS | HIDDEN | VOID | SCRIPTS | {
    "mi", "mn", "mo", "mtext", "ms", "mfrac", "msqrt", "mroot", "mfenced", "mtable", "mtr",
    "mlabeledtr", "mtd",
}  # fmt: skip

# Letters espeak would read as words: a lone "a" is the article. "eigh" is the letter's name.
LETTERS = {"a": "eigh", "A": "eigh"}
GREEK = dict(zip(
    "αβγδεϵζηθϑικλμνξοπϖρϱσςτυφϕχψω",
    "alpha beta gamma delta epsilon epsilon zeta eta theta theta iota kappa lambda mu nu xi "
    "omicron pi pi rho rho sigma sigma tau upsilon phi phi chi psi omega".split(),
    strict=True,
))  # fmt: skip
GREEK |= {
    c: f"capital {n}"
    for c, n in zip(
        "ΓΔΘΛΞΠΣΥΦΨΩ",
        "gamma delta theta lambda xi pi sigma upsilon phi psi omega".split(),
        strict=True,
    )
}
SETS = {"ℝ": "the real numbers", "ℕ": "the natural numbers", "ℤ": "the integers",
        "ℚ": "the rational numbers", "ℂ": "the complex numbers"}  # fmt: skip
SET_LETTERS = {"R": "the real numbers", "N": "the natural numbers", "Z": "the integers",
               "Q": "the rational numbers", "C": "the complex numbers"}  # fmt: skip
FUNCTIONS = {
    "sin": "sine", "cos": "cosine", "tan": "tangent", "cot": "cotangent", "sec": "secant",
    "csc": "cosecant", "sinh": "hyperbolic sine", "cosh": "hyperbolic cosine",
    "tanh": "hyperbolic tangent", "arcsin": "arc sine", "arccos": "arc cosine",
    "arctan": "arc tangent", "log": "log", "ln": "natural log", "lg": "log", "exp": "exp",
    "det": "determinant", "max": "max", "min": "min", "sup": "supremum", "inf": "infimum",
    "gcd": "g c d", "lim": "limit", "dim": "dimension", "ker": "kernel", "arg": "arg",
}  # fmt: skip
FUNCTION_LETTERS = set("fghFGHφψP")  # f(x) is "f of x"; a(b + c) is a product
OPERATORS = {
    "+": "plus", "-": "minus", "−": "minus", "±": "plus or minus", "∓": "minus or plus",
    "×": "times", "·": "times", "⋅": "times", "∙": "times", "*": "times", "∗": "times",
    "÷": "divided by", "/": "over", "=": "equals", "≠": "is not equal to",
    "≈": "is approximately equal to", "≡": "is equivalent to", "∼": "is similar to",
    "≅": "is congruent to", "<": "is less than", ">": "is greater than",
    "≤": "is less than or equal to", "⩽": "is less than or equal to",
    "≥": "is greater than or equal to", "⩾": "is greater than or equal to",
    "≪": "is much less than", "≫": "is much greater than", "∝": "is proportional to",
    "→": "to", "⟶": "to", "↦": "maps to", "⇒": "implies", "⟹": "implies",
    "⇔": "if and only if", "⟺": "if and only if", "∈": "is in", "∉": "is not in",
    "∋": "contains", "⊂": "is a subset of", "⊆": "is a subset of or equal to",
    "⊃": "is a superset of", "⊇": "is a superset of or equal to", "∪": "union",
    "∩": "intersection", "∖": "minus", "∅": "the empty set", "∀": "for all",
    "∃": "there exists", "∄": "there is no", "¬": "not", "∧": "and", "∨": "or", "∞": "infinity",
    "∂": "partial", "∇": "nabla", "∑": "the sum", "∏": "the product", "∫": "the integral",
    "∬": "the double integral", "∮": "the contour integral", "!": "factorial",
    "%": "percent", "′": "prime", "″": "double prime", "…": "dot dot dot",
    "⋯": "dot dot dot", "⋮": "dot dot dot", "∘": "composed with", "⊥": "is perpendicular to",
    "∥": "is parallel to", ":": "colon", "⊗": "tensor", "⊕": "direct sum",
    "△": "triangle", "∠": "angle", "°": "degrees", "\u2061": "", "\u2062": "",
    "\u2063": ",", "\u2064": "and", ",": ",", ";": ";", ".": "", "'": "prime",
}  # fmt: skip
BINARY = {w for w in OPERATORS.values() if w not in ("", ",", ";", "prime", "degrees")}
BINARY |= {"over", "choose", "the fraction", "the square root of", "to the power of"}
RELATIONS = set("=≠≈≡∼≅<>≤≥⩽⩾≪≫∝→⟶↦⇒⟹⇔⟺∈∉∋⊂⊆⊃⊇⊥∥:")
LARGE = {"∑": "the sum", "∏": "the product", "∫": "the integral", "∬": "the double integral",
         "∮": "the contour integral", "⋃": "the union", "⋂": "the intersection"}  # fmt: skip
OPEN, CLOSE = "([{⟨⌊⌈", ")]}⟩⌋⌉"
ACCENTS = {"¯": "bar", "‾": "bar", "_": "bar", "^": "hat", "ˆ": "hat", "~": "tilde",
           "˜": "tilde", "˙": "dot", "¨": "double dot", "→": "vector", "⃗": "vector"}  # fmt: skip
ORDINALS = {2: ("half", "halves"), 3: ("third", "thirds"), 4: ("quarter", "quarters"),
            5: ("fifth", "fifths"), 6: ("sixth", "sixths"), 7: ("seventh", "sevenths"),
            8: ("eighth", "eighths"), 9: ("ninth", "ninths"), 10: ("tenth", "tenths")}  # fmt: skip
NUMBERS = "zero one two three four five six seven eight nine".split()
# Alt text that only says there is none: never read aloud.
PLACEHOLDER = re.compile(
    r"(?:no |missing )?(?:alt(?:ernative|ernate)?[ -]?text|description)(?: (?:is )?(?:not )?"
    r"(?:available|provided|missing))?|image|img|figure|equation|formula|math(?:ml)?"
    r"(?: (?:equation|expression|formula))?|null|none|undefined|todo|n/?a|[\W_]*",
    re.IGNORECASE,
)
PROSE = re.compile(r"[^\W\d_][\w’'\- ,.]*", re.UNICODE)


class Unreadable(Exception):
    """A formula holds something read() does not know how to say."""


@dataclass
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)
    text: str = ""

    def content(self) -> list[Node]:
        """The children that are shown (annotations and phantoms are not)."""
        return [c for c in self.children if c.tag not in HIDDEN]

    def plain(self) -> str:
        return self.text + "".join(c.plain() for c in self.content())


def read(node: Node) -> str | None:
    """The spoken form of a formula, or None when part of it cannot be read."""
    try:
        words = _say(node)
    except (Unreadable, RecursionError):  # nesting deeper than any real formula: hostile
        return None
    text = re.sub(r"\s+", " ", " ".join(words))
    text = re.sub(r"\s+([,;])", r"\1", text)
    text = re.sub(r"([,;])(?:\s*[,;])+", r"\1", text)
    return text.strip(" ,;") or None


def real_alt(alt: str) -> str:
    """`alt` when it says something, "" for placeholders like "Alternative text not available"."""
    alt = " ".join(alt.split())
    return "" if PLACEHOLDER.fullmatch(alt) else alt


def is_prose(alt: str) -> bool:
    """Whether alt text is written to be read (words), not LaTeX or symbols."""
    return bool(PROSE.fullmatch(alt)) and len(re.findall(r"[^\W\d_]{2,}", alt)) >= 2


def _say(node: Node) -> list[str]:
    tag = node.tag
    if tag not in KNOWN:
        raise Unreadable(tag)
    kids = node.content()
    if tag in HIDDEN or tag in VOID:
        return []
    if tag == "semantics":
        return _say(kids[0]) if kids else []
    if tag in WRAPPERS:
        return _row(kids)
    if tag == "mi":
        return [_identifier(node)]
    if tag == "mn":
        return [unicodedata.normalize("NFKC", node.plain()).strip()]
    if tag == "mo":
        return [_operator(node.plain())]
    if tag in ("mtext", "ms"):
        return [node.plain()]
    if tag == "mfenced":
        return _fenced(node, kids)
    if tag == "mfrac":
        return _fraction(node, _args(kids, 2))
    if tag == "msqrt":
        return ["the square root of", *_group(_row(kids))]
    if tag == "mroot":
        base, index = _args(kids, 2)
        return [_root(index), *_group(_say(base))]
    if tag in SCRIPTS:
        return _scripts(tag, kids)
    if tag == "mtable":
        return _table(kids)
    if tag in ("mtr", "mlabeledtr"):
        cells = kids[1:] if tag == "mlabeledtr" else kids
        return _cells(cells)
    if tag == "mtd":
        return _row(kids)
    raise Unreadable(tag)


def _args(kids: list[Node], n: int) -> list[Node]:
    if len(kids) != n:
        raise Unreadable(f"{n} arguments expected")
    return kids


def _simple(words: list[str]) -> bool:
    """Short and without operators ("x", "x sub i", "sine x"): needs no comma after it."""
    said = " ".join(w for w in words if w not in (",", ";"))
    return len(said.split()) <= 3 and not any(w in BINARY for w in words)


def unwrap(node: Node) -> Node:
    """The only child of a one-child mrow ({2} in LaTeX), else the node."""
    while node.tag == "mrow" and len(node.content()) == 1:
        node = node.content()[0]
    return node


def _group(words: list[str]) -> list[str]:
    """A compound argument ends with a comma, so what follows is not heard as part of it."""
    return words if _simple(words) else [*words, ","]


def _identifier(node: Node) -> str:
    raw = node.plain().strip()
    if node.attrs.get("mathvariant") == "double-struck" and raw in "RNZQC" and raw:
        raw = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ"}[raw]
    if raw in SETS:
        return SETS[raw]
    text = unicodedata.normalize("NFKC", raw)
    if text in GREEK:
        return GREEK[text]
    if text in FUNCTIONS:
        return FUNCTIONS[text]
    if text in OPERATORS:
        return OPERATORS[text]
    return LETTERS.get(text, text)


def _operator(text: str) -> str:
    text = text.strip()
    if text in OPEN or text in CLOSE or text == "‖":
        return ""
    if text in "|∣":  # a bar without its pair: P(A | B)
        return "given"
    if text in OPERATORS:
        return OPERATORS[text]
    norm = unicodedata.normalize("NFKC", text)
    if norm in OPERATORS:
        return OPERATORS[norm]
    if re.fullmatch(r"[^\W\d_]+", norm):  # "mod", "if", "and": words
        return FUNCTIONS.get(norm, norm)
    raise Unreadable(f"operator {text!r}")


def _is_mo(node: Node, chars: str) -> bool:
    return node.tag == "mo" and node.plain().strip() in set(chars) and node.plain().strip() != ""


def _row(kids: list[Node]) -> list[str]:
    """A row of items: fences grouped ("f of x", "the absolute value of x"), the rest in order."""
    words: list[str] = []
    i = 0
    while i < len(kids):
        kid = kids[i]
        if _is_mo(kid, OPEN) or _is_mo(kid, "|‖"):
            end = _closing(kids, i)
            if end is not None:
                inner = _row(kids[i + 1 : end])
                bar = kid.plain().strip()
                whole = i == 0 and end == len(kids) - 1
                previous = kids[i - 1] if i else None
                middle = [k for k in kids[i + 1 : end] if k.tag != "mo" or k.plain().strip()]
                if len(middle) == 1 and unwrap(middle[0]).tag == "mtable":
                    words += ["the matrix with rows", *inner, ","]
                elif bar == "|":
                    words += ["the absolute value of", *_group(inner)]
                elif bar == "‖":
                    words += ["the norm of", *_group(inner)]
                elif previous is not None and _applies(previous):
                    words += ["of", *_group(inner)]
                elif whole or _simple(inner):
                    words += inner
                else:
                    times = previous is not None and previous.tag != "mo"  # 2(x + 1)
                    words += [*(["times"] if times else []), "the quantity", *_group(inner)]
                i = end + 1
                continue
        words += _say(kid)
        i += 1
    return words


def _closing(kids: list[Node], start: int) -> int | None:
    """The index of the fence closing the one at `start` (nested fences counted)."""
    opener = kids[start].plain().strip()
    closer = CLOSE[OPEN.index(opener)] if opener in OPEN else opener
    depth = 0
    for j in range(start + 1, len(kids)):
        if _is_mo(kids[j], closer) and depth == 0:
            return j
        if opener in OPEN and _is_mo(kids[j], opener):
            depth += 1
        elif opener in OPEN and _is_mo(kids[j], closer):
            depth -= 1
    return None


def _applies(node: Node) -> bool:
    """Whether `node` is a function applied to the fenced group after it: f(x), sin(x)."""
    if node.tag == "mo" and node.plain().strip() == "\u2061":
        return True
    if node.tag in ("msub", "msup") and node.content():
        return _applies(node.content()[0])
    text = node.plain().strip()
    return node.tag == "mi" and (text in FUNCTION_LETTERS or text in FUNCTIONS)


def _fenced(node: Node, kids: list[Node]) -> list[str]:
    if len(kids) == 1 and unwrap(kids[0]).tag == "mtable":
        return ["the matrix with rows", *_say(kids[0]), ","]
    separators = (node.attrs.get("separators", ",") or " ").split() or [","]
    words: list[str] = []
    for k, kid in enumerate(kids):
        if k:
            words.append(_operator(separators[min(k - 1, len(separators) - 1)]) or ",")
        words += _say(kid)
    return words


def _fraction(node: Node, kids: list[Node]) -> list[str]:
    kids = [unwrap(k) for k in kids]
    top, bottom = _say(kids[0]), _say(kids[1])
    if node.attrs.get("linethickness", "").strip() in ("0", "0px", "0pt", "0em"):
        return [*_group(top), "choose", *_group(bottom)]
    if kids[0].tag == "mn" and kids[1].tag == "mn":
        n, d = kids[0].plain().strip(), kids[1].plain().strip()
        if n.isdigit() and d.isdigit() and int(d) in ORDINALS and 0 < int(n) < 10:
            return [NUMBERS[int(n)], ORDINALS[int(d)][int(n) > 1]]
    if _simple(top) and _simple(bottom):
        return [*top, "over", *bottom]
    return ["the fraction", *top, ", over", *_group(bottom)]


def _root(index: Node) -> str:
    said = " ".join(_say(index))
    if said == "2":
        return "the square root of"
    if said == "3":
        return "the cube root of"
    return f"the {said}th root of" if said.isdigit() else f"the root of order {said} of"


def _power(exponent: list[str], compound_base: bool) -> list[str]:
    said = " ".join(exponent)
    lead = [", all"] if compound_base else []
    if said == "2":
        return [*lead, "squared"]
    if said == "3":
        return [*lead, "cubed"]
    if said in ("prime", "double prime"):
        return [said]
    if said in ("T", "⊤"):
        return ["transpose"]
    if said == "times":  # A^*, z^*: the star, not a product
        return ["star"]
    if said == "degrees" or said == "composed with":  # 90^∘
        return ["degrees"]
    return [*lead, "to the power of", *_group(exponent)]


def _large(base: Node) -> str | None:
    text = unicodedata.normalize("NFKC", base.plain().strip())
    if base.tag in ("mo", "mi") and text in LARGE:
        return LARGE[text]
    if base.tag == "mi" and text in ("lim", "max", "min", "sup", "inf"):
        return "the " + FUNCTIONS[text]
    return None


def _scripts(tag: str, kids: list[Node]) -> list[str]:
    count = 3 if tag in ("msubsup", "munderover") else 2
    base, *rest = [unwrap(k) for k in _args(kids, count)]
    large = _large(base)
    if large:
        if count == 3:
            return [large, "from", *_say(rest[0]), "to", *_group(_say(rest[1])), "of"]
        if tag in ("msup", "mover"):
            return [large, "to", *_group(_say(rest[0])), "of"]
        under = _say(rest[0])
        if large == "the limit":
            under = ["approaches" if w == "to" else w for w in under]
            return [large, "as", *_group(under), "of"]
        return [large, "over", *_group(under), "of"]
    said = _say(base)
    if not rest[-1].plain().strip():  # an empty script (ℂ^{}, a broken accent)
        if count == 2:
            return said
        tag, rest = "msub", rest[:1]
    if len(rest) == 2 and not rest[0].plain().strip():
        tag, rest = "msup", rest[1:]
    set_letter = {v: k for k, v in SET_LETTERS.items()}.get(" ".join(said))
    if set_letter and tag == "msup":  # ℂ^m is "C m"
        return [set_letter, *_group(_say(rest[0]))]
    upper = len(" ".join(said)) == 1 and " ".join(said).isupper() or said == ["eigh"]
    if tag == "msup" and upper and rest[0].plain().strip() in ("t", "T", "⊤"):
        return [*said, "transpose"]
    compound = not _simple(said)
    if tag == "mover":
        accent = ACCENTS.get(rest[0].plain().strip())
        if accent == "vector":
            return ["vector", *said]
        if accent:
            return [*said, accent]
        return [*said, "with", *_group(_say(rest[0])), "above"]
    if tag == "munder":
        return [*said, "with", *_group(_say(rest[0])), "below"]
    if tag == "msub":
        return [*said, "sub", *_group(_say(rest[0]))]
    if tag == "msup":
        return [*said, *_power(_say(rest[0]), compound)]
    sub, sup = _say(rest[0]), _say(rest[1])
    return [*said, "sub", *_group(sub), *_power(sup, False)]


def _cells(cells: list[Node]) -> list[str]:
    words: list[str] = []
    for k, cell in enumerate(cells):
        said = _say(cell)
        first = unwrap(cell.content()[0]) if cell.content() else None
        relation = first is not None and first.tag == "mo" and first.plain().strip() in RELATIONS
        if k and said and not relation:
            words.append(",")  # a matrix's next entry; "= 2" in an aligned equation runs on
        words += said
    return words


def _table(rows: list[Node]) -> list[str]:
    words: list[str] = []
    for k, row in enumerate(rows):
        if k:
            words.append(";")
        words += _say(row)
    return words
