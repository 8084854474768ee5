"""LaTeX math (`$x^2$` in Markdown, TeX alt text in EPUBs) to the MathML-named tree math.read()
speaks. Covers what books write inline: scripts, \\frac, \\sqrt, \\binom, \\left( \\right),
Greek letters, the common operators and relations, \\text, font commands, \\sum/\\int/\\lim
with limits, and the matrix/cases/aligned environments. Anything else (a macro we do not
know) raises math.Unreadable: the formula is then counted as skipped, never read in part.

Also here: finding the `$…$` that are clearly math in Markdown prose, not "$5 and $10".
"""

from __future__ import annotations

import re

from kokoro_cli.documents.math import Node, Unreadable, read, unwrap

_TOKEN = re.compile(r"\\[A-Za-z]+\*?|\\.|\d+(?:\.\d+)?|\s+|.", re.S)
GREEK_COMMANDS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "θ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "varpi": "π", "rho": "ρ",
    "varrho": "ρ", "sigma": "σ", "varsigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ",
    "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ",
    "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ",
    "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω", "infty": "∞", "emptyset": "∅", "varnothing": "∅",
    "partial": "∂", "nabla": "∇", "ell": "l", "hbar": "ħ",
}  # fmt: skip
OPERATOR_COMMANDS = {
    "cdot": "·", "times": "×", "div": "÷", "pm": "±", "mp": "∓", "ast": "∗", "le": "≤",
    "leq": "≤", "ge": "≥", "geq": "≥", "leqslant": "≤", "geqslant": "≥", "ne": "≠", "neq": "≠",
    "approx": "≈", "equiv": "≡", "sim": "∼", "cong": "≅", "ll": "≪", "gg": "≫", "propto": "∝",
    "to": "→", "rightarrow": "→", "longrightarrow": "→", "mapsto": "↦", "Rightarrow": "⇒",
    "implies": "⇒", "Leftrightarrow": "⇔", "iff": "⇔", "in": "∈", "notin": "∉", "ni": "∋",
    "subset": "⊂", "subseteq": "⊆", "supset": "⊃", "supseteq": "⊇", "cup": "∪", "cap": "∩",
    "setminus": "∖", "forall": "∀", "exists": "∃", "nexists": "∄", "neg": "¬", "lnot": "¬",
    "land": "∧", "wedge": "∧", "lor": "∨", "vee": "∨", "circ": "∘", "perp": "⊥",
    "parallel": "∥", "mid": "∣", "otimes": "⊗", "oplus": "⊕", "angle": "∠", "triangle": "△",
    "ldots": "…", "cdots": "⋯", "dots": "…", "vdots": "⋮", "prime": "′", "sum": "∑",
    "prod": "∏", "int": "∫", "iint": "∬", "oint": "∮", "bigcup": "⋃", "bigcap": "⋂",
    "colon": ":", "degree": "°", "lvert": "|", "rvert": "|", "vert": "|", "|": "‖",
    "lVert": "‖", "rVert": "‖", "langle": "⟨", "rangle": "⟩", "lfloor": "⌊", "rfloor": "⌋",
    "lceil": "⌈", "rceil": "⌉", "{": "{", "}": "}", "lbrace": "{", "rbrace": "}", "%": "%",
}  # fmt: skip
FUNCTION_COMMANDS = {
    "sin", "cos", "tan", "cot", "sec", "csc", "sinh", "cosh", "tanh", "arcsin", "arccos",
    "arctan", "log", "ln", "lg", "exp", "det", "max", "min", "sup", "inf", "gcd", "lim", "dim",
    "ker", "arg", "mod", "bmod",
}  # fmt: skip
SPACES = {",", ";", ":", "!", " ", "quad", "qquad", "thinspace", "medspace", "thickspace",
          "enspace", "displaystyle", "textstyle", "scriptstyle", "limits", "nolimits", "left",
          "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "middle"}  # fmt: skip
FONTS = {"mathrm", "mathit", "mathbf", "mathsf", "mathtt", "boldsymbol", "bm", "mathcal",
         "mathfrak", "mathscr", "mathnormal", "operatorname", "mathbb"}  # fmt: skip
TEXTS = {"text", "textrm", "textit", "textbf", "mbox", "hbox", "textsf", "texttt"}
ACCENT_COMMANDS = {"bar": "¯", "overline": "¯", "hat": "^", "widehat": "^", "tilde": "~",
                   "widetilde": "~", "dot": "˙", "ddot": "¨", "vec": "→",
                   "overrightarrow": "→"}  # fmt: skip
FRACTIONS = {"frac", "dfrac", "tfrac", "cfrac"}
TABLES = {"matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix", "smallmatrix",
          "cases", "aligned", "align", "align*", "gathered", "array", "split"}  # fmt: skip
TABLE_FENCES = {"pmatrix": "()", "bmatrix": "[]", "Bmatrix": "{}", "vmatrix": "||",
                "Vmatrix": "‖‖", "cases": "{"}  # fmt: skip

# Markdown: $…$ is math when it hugs its content ("$x$", not "$ 5"), does not close right
# before a digit ("$5 and $10") and holds no blank line; $$…$$, \(…\) and \[…\] always are.
MARKDOWN_MATH = re.compile(
    r"\$\$(?P<display>.+?)\$\$"
    r"|\\\((?P<paren>.+?)\\\)"
    r"|\\\[(?P<bracket>.+?)\\\]"
    r"|(?<![\\$\w])\$(?P<inline>[^\s$](?:[^$\n]|\n(?!\s*\n))*?(?<![\s\\]))\$(?![\d$])",
    re.S,
)
_CODE = re.compile(r"^(?P<fence>`{3,}|~{3,}).*?^(?P=fence)[ \t]*$|(?P<ticks>`+).+?(?P=ticks)",
                   re.S | re.M)  # fmt: skip
_LOOKS_TEX = re.compile(r"\\[A-Za-z]+|[\^_{}]")


def looks_like_tex(text: str) -> bool:
    return bool(_LOOKS_TEX.search(text))


def read_tex(tex: str) -> str | None:
    """The spoken form of a LaTeX formula, or None when it cannot be read whole."""
    try:
        return read(parse(tex))
    except (Unreadable, RecursionError):  # braces nested thousands deep: hostile
        return None


def parse(tex: str) -> Node:
    """The tree of a LaTeX formula (math.Unreadable for what this reader does not know)."""
    tokens = [t for t in _TOKEN.findall(tex) if not t.isspace()]
    parser = _Parser(tokens)
    row = parser.row(stop=())
    if parser.pos < len(tokens):
        raise Unreadable(f"unbalanced {tokens[parser.pos]!r}")
    return Node("math", children=row)


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise Unreadable("the formula ends too early")
        self.pos += 1
        return token

    def row(self, stop: tuple[str, ...]) -> list[Node]:
        items: list[Node] = []
        while (token := self.peek()) is not None and token not in stop:
            if token in ("^", "_", "'"):
                items.append(self.scripts(self.base(items)))
                continue
            atom = self.atom()
            if atom is not None:
                items.append(atom)
        return items

    @staticmethod
    def base(items: list[Node]) -> Node:
        """What a script applies to: the last item, or the whole group it closes: in
        (a+b)^2 the ^ follows ")", and the base is "(a+b)"."""
        if not items:
            return Node("mrow")
        last = items.pop()
        closer = last.text if last.tag == "mo" else ""
        if closer and closer in ")]}|":
            opener = "([{|"[")]}|".index(closer)]
            depth = 0
            for k in range(len(items) - 1, -1, -1):
                text = items[k].text if items[k].tag == "mo" else ""
                if text == closer and closer != "|":
                    depth += 1
                elif text == opener and depth:
                    depth -= 1
                elif text == opener:
                    group = [*items[k:], last]
                    del items[k:]
                    return Node("mrow", children=group)
        return last

    def argument(self) -> Node:
        token = self.take()
        if token == "{":
            inner = self.row(stop=("}",))
            self.take()
            return Node("mrow", children=inner)
        self.pos -= 1
        atom = self.atom()
        return atom if atom is not None else Node("mrow")

    def scripts(self, base: Node) -> Node:
        sub = sup = None
        primes = ""
        while (token := self.peek()) in ("^", "_", "'"):
            self.take()
            if token == "'":
                primes += "′"
            elif token == "^":
                sup = self.argument()
            else:
                sub = self.argument()
        if primes:
            prime = Node("mo", text=primes)
            sup = prime if sup is None else Node("mrow", children=[prime, sup])
        if sub is not None and sup is not None:
            return Node("msubsup", children=[base, sub, sup])
        if sub is not None:
            return Node("msub", children=[base, sub])
        return Node("msup", children=[base, sup or Node("mrow")])

    def atom(self) -> Node | None:
        token = self.take()
        if token == "{":
            inner = self.row(stop=("}",))
            self.take()
            return Node("mrow", children=inner)
        if token == "}":
            raise Unreadable("unbalanced }")
        if token[0].isdigit():
            return Node("mn", text=token)
        if token.isalpha():
            return Node("mi", text=token)
        if token == "&":
            raise Unreadable("& outside a table")
        if not token.startswith("\\"):
            return Node("mo", text=token)
        return self.command(token[1:])

    def command(self, name: str) -> Node | None:
        if name in SPACES or name == "\\":
            return None
        if name in GREEK_COMMANDS:
            return Node("mi", text=GREEK_COMMANDS[name])
        if name in OPERATOR_COMMANDS:
            return Node("mo", text=OPERATOR_COMMANDS[name])
        if name in FUNCTION_COMMANDS:
            return Node("mi", text=name.lstrip("b"))
        if name in FRACTIONS or name == "binom":
            top, bottom = self.argument(), self.argument()
            attrs = {"linethickness": "0"} if name == "binom" else {}
            return Node("mfrac", attrs, [top, bottom])
        if name == "sqrt":
            if self.peek() == "[":
                self.take()
                index = self.row(stop=("]",))
                self.take()
                return Node("mroot", children=[self.argument(), Node("mrow", children=index)])
            return Node("msqrt", children=[self.argument()])
        if name in TEXTS:
            return Node("mtext", text=self.raw_group())
        if name in FONTS:
            inner = unwrap(self.argument())
            letters = [c.text for c in inner.children if c.tag == "mi" and c.text.isalpha()]
            if len(letters) > 1 and len(letters) == len(inner.children):
                inner = Node("mi", text="".join(letters))  # \operatorname{rank}: one word
            if name == "mathbb":
                inner.attrs["mathvariant"] = "double-struck"
            return inner
        if name in ACCENT_COMMANDS:
            return Node("mover", children=[self.argument(), Node("mo", text=ACCENT_COMMANDS[name])])
        if name == "begin":
            return self.table()
        raise Unreadable(f"\\{name}")

    def raw_group(self) -> str:
        """The text of a {…} group as written (\\text{if } keeps its words)."""
        if self.take() != "{":
            raise Unreadable("\\text without braces")
        depth, words = 0, []
        while (token := self.take()) != "}" or depth:
            depth += {"{": 1, "}": -1}.get(token, 0)
            words.append(token)
        return " ".join(words)

    def table(self) -> Node:
        name = self.raw_group().replace(" ", "")
        if name not in TABLES:
            raise Unreadable(f"environment {name}")
        if name == "array" and self.peek() == "{":
            self.raw_group()  # the column spec
        rows: list[Node] = []
        cells: list[Node] = []
        while True:
            cell = self.row(stop=("&", "\\\\", "\\end"))
            cells.append(Node("mtd", children=cell))
            token = self.take()
            if token == "&":
                continue
            rows.append(Node("mtr", children=cells))
            cells = []
            if token == "\\end":
                self.raw_group()
                break
        rows = [r for r in rows if any(c.children for c in r.children)]
        table = Node("mtable", children=rows)
        fences = TABLE_FENCES.get(name, "")
        if not fences:
            return table
        parts = [Node("mo", text=fences[0]), table]
        if len(fences) > 1:
            parts.append(Node("mo", text=fences[1]))
        return Node("mrow", children=parts)


def clearly_math(tex: str) -> bool:
    """Whether inline `$…$` content is a formula rather than prose between two dollar signs."""
    bare = re.sub(r"\\(?:text\w*|mbox)\{[^{}]*\}|\\[A-Za-z]+", " ", tex)
    if re.search(r"[^\W\d_]{2,}\s+[^\W\d_]{2,}", bare):
        return False  # "5 and the tax is 3": words running on
    if looks_like_tex(tex) or re.search(r"[=+\-<>*/|!]", tex):
        return True
    return bool(re.fullmatch(r"\s*[^\W\d_]\d*(?:\s*,\s*[^\W\d_]\d*)*\s*|\s*\d+(?:\.\d+)?\s*", tex))


def markdown_spans(source: str) -> list[tuple[int, int, str, bool]]:
    """(start, end, tex, display) of each math span in Markdown `source`, outside code."""
    code = [(m.start(), m.end()) for m in _CODE.finditer(source)]
    indented = [
        (m.start(), m.end()) for m in re.finditer(r"(?:^(?: {4}|\t).*\n?)+", source, re.M)
        if m.start() == 0 or source[max(0, m.start() - 2) : m.start()] == "\n\n"
    ]  # fmt: skip
    blocked = code + indented
    spans = []
    for m in MARKDOWN_MATH.finditer(source):
        if any(a <= m.start() < b for a, b in blocked):
            continue
        tex = m["display"] or m["paren"] or m["bracket"] or m["inline"]
        if m["inline"] is not None and not clearly_math(tex):
            continue
        spans.append((m.start(), m.end(), tex, m["inline"] is None))
    return spans
