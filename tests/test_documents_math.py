"""Formulas in books read as a careful reader would (issue 27): MathML in EPUBs and HTML, LaTeX
`$…$` in Markdown. Real files through read_document(), no model."""

from __future__ import annotations

from pathlib import Path

import pytest

from kokoro_cli.documents import read_document
from kokoro_cli.documents.latex import markdown_spans, read_tex
from tests.book_fixtures import simple_epub, write_zip

M = '<math xmlns="http://www.w3.org/1998/Math/MathML"{}>{}</math>'


def mathml(body: str, alttext: str | None = None) -> str:
    return M.format(f' alttext="{alttext}"' if alttext is not None else "", body)


def sup(base: str, exponent: str) -> str:
    return f"<msup>{base}{exponent}</msup>"


X, Y, N2, N3 = "<mi>x</mi>", "<mi>y</mi>", "<mn>2</mn>", "<mn>3</mn>"
# (MathML, what is read): each common element, and the operators around them
CASES = [
    (sup(X, N2) + "<mo>+</mo>" + sup(Y, N2) + "<mo>=</mo>" + sup("<mi>z</mi>", N2),
     "x squared plus y squared equals z squared"),
    (sup(X, N3) + "<mo>−</mo>" + sup(X, "<mi>n</mi>"), "x cubed minus x to the power of n"),
    (sup("<mi>e</mi>", "<mrow><mi>i</mi><mi>π</mi></mrow>"), "e to the power of i pi"),
    ("<msub><mi>a</mi><mi>n</mi></msub><mo>≤</mo><msub><mi>x</mi><mn>1</mn></msub>",
     "eigh sub n is less than or equal to x sub 1"),
    ("<mfrac><mi>a</mi><mi>b</mi></mfrac>", "eigh over b"),
    ("<mfrac><mn>1</mn><mn>2</mn></mfrac><mo>×</mo><mfrac><mn>3</mn><mn>4</mn></mfrac>",
     "one half times three quarters"),
    ("<mfrac><mrow><mi>x</mi><mo>+</mo><mn>1</mn></mrow><mi>y</mi></mfrac>",
     "the fraction x plus 1, over y"),
    ("<msqrt><mi>x</mi><mo>+</mo><mn>1</mn></msqrt>", "the square root of x plus 1"),
    ("<mroot><mn>8</mn><mn>3</mn></mroot><mo>=</mo><mn>2</mn>", "the cube root of 8 equals 2"),
    ("<mi>f</mi><mo>&#x2061;</mo><mo>(</mo><mi>x</mi><mo>)</mo><mo>≠</mo><mn>0</mn>",
     "f of x is not equal to 0"),
    ("<mrow><mo>|</mo><mi>x</mi><mo>−</mo><mn>1</mn><mo>|</mo></mrow><mo>&lt;</mo><mi>ε</mi>",
     "the absolute value of x minus 1, is less than epsilon"),
    ("<munderover><mo>∑</mo><mrow><mi>i</mi><mo>=</mo><mn>1</mn></mrow><mi>n</mi></munderover>"
     "<msub><mi>x</mi><mi>i</mi></msub>", "the sum from i equals 1 to n of x sub i"),
    ("<mi>x</mi><mo>∈</mo><mi mathvariant='double-struck'>R</mi>",
     "x is in the real numbers"),
    ("<mover><mi>x</mi><mo>¯</mo></mover><mo>±</mo><mn>2.5</mn><mi>σ</mi>",
     "x bar plus or minus 2.5 sigma"),
    ("<mn>90</mn><mo>&#xb0;</mo>", "90 degrees"),
    # as tex4ht writes them (the IDPF's linear-algebra sample): a matrix in mfenced with
    # negative entries, an empty exponent, an empty (broken) accent, A^t and A^*
    ("<mi>B</mi><mo>=</mo><mfenced separators='' open='[' close=']'><mrow><mtable>"
     "<mtr><mtd><mo>−</mo><mn>1</mn></mtd><mtd><mn>2</mn></mtd></mtr>"
     "<mtr><mtd><mn>1</mn></mtd><mtd><mo>−</mo><mn>6</mn></mtd></mtr></mtable></mrow></mfenced>",
     "B equals the matrix with rows minus 1, 2; 1, minus 6"),
    ("<msup><mrow><mi>ℂ</mi></mrow><mrow/></msup><mo>,</mo><msup><mi>ℂ</mi><mi>m</mi></msup>",
     "the complex numbers, C m"),
    ("<mover><mi>u</mi><mi/></mover><mo>,</mo><mover><mrow><mi>u</mi></mrow><mo>¯</mo></mover>",
     "u, u bar"),
    ("<msup><mi>A</mi><mi>t</mi></msup><mo>=</mo><msup><mi>A</mi><mo>∗</mo></msup>",
     "eigh transpose equals eigh star"),
]  # fmt: skip


def epub_with(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "math.epub"
    write_zip(path, simple_epub(tmp_path, {"one.xhtml": "<h1>Math</h1>" + body}))
    return path


def paragraphs(path: Path) -> tuple[list[str], list[str]]:
    chapter = read_document(path).chapters[0]
    return list(chapter.paragraphs()), chapter.notes


def test_mathml_is_read_aloud(tmp_path: Path) -> None:
    body = "".join(f"<p>Say {mathml(m)}.</p>" for m, _ in CASES)
    said, notes = paragraphs(epub_with(tmp_path, body))
    assert said == [f"Say {reading}." for _, reading in CASES]
    assert notes == []


def test_the_issue_theorem_and_alt_text(tmp_path: Path) -> None:
    """ "Theorem ISRN Inconsistent Systems, r and n" kept its r and n; a placeholder alt text is
    never read, a real one is; what cannot be read is counted, not half read."""
    body = (
        f"<p>Theorem ISRN Inconsistent Systems, {mathml('<mi>r</mi>')} and "
        f"{mathml('<mi>n</mi>', 'Alternative text not available')}.</p>"
        f"<p>Its area is {mathml('<mi>π</mi><msup><mi>r</mi><mn>2</mn></msup>', 'pi r squared')}"
        ", as known.</p>"
        f"<p>A tensor {mathml('<mmultiscripts><mi>R</mi><mi>i</mi><none/></mmultiscripts>')}"
        " and "
        f"{mathml('<mmultiscripts><mi>T</mi></mmultiscripts>', 'alt text')} appear.</p>"
        f"<p>{mathml('<mmultiscripts><mi>Q</mi></mmultiscripts>', 'Q^{2}_{k}')}</p>"
    )
    said, notes = paragraphs(epub_with(tmp_path, body))
    assert said == [
        "Theorem ISRN Inconsistent Systems, r and n.",
        "Its area is pi r squared, as known.",
        "A tensor and appear.",
        "Q sub k squared",  # unreadable MathML, readable TeX alt text
    ]
    assert notes == ["2 formulas skipped"]


def test_latex_in_markdown(tmp_path: Path) -> None:
    (tmp_path / "m.md").write_text(
        "# Sums\n\n"
        "It costs $5 and $10, or $ 3 and $4.\n\n"
        "Let $x^2 + y_1^2 = r^2$ and $a_n$ be *small*; see $\\frac{1}{2}$.\n\n"
        "$$\\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}$$\n\n"
        "Code `$x_1$` is not math, nor is\n\n    $y^2$ indented.\n\n"
        "Unknown: $\\weird{x}$ here, and \\(\\sqrt{2}\\) there.\n",
        encoding="utf-8",
    )
    said, notes = paragraphs(tmp_path / "m.md")
    assert said == [
        "It costs $5 and $10, or $ 3 and $4.",
        "Let x squared plus y sub 1 squared equals r squared and eigh sub n be small; "
        "see one half.",
        "the sum from i equals 1 to n of i equals the fraction n times the quantity n plus 1, "
        "over 2",
        "Code $x_1$ is not math, nor is",
        "Unknown: here, and the square root of 2 there.",
    ]
    assert notes == ["1 code block skipped", "1 formula skipped"]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("$5 and $10", []),
        ("from $5 to $x$", ["x"]),
        ("price $5 and the tax is 3$", []),  # prose between dollars
        ("$x$, $y$ and $x, y$", ["x", "y", "x, y"]),
        ("escaped \\$x$ is text", []),
    ],
)
def test_which_dollars_are_math(text: str, found: list[str]) -> None:
    assert [tex for _, _, tex, _ in markdown_spans(text)] == found


def test_tex_readings() -> None:
    assert read_tex(r"\lim_{x \to 0} \frac{\sin x}{x} = 1") == (
        "the limit as x approaches 0 of sine x over x equals 1"
    )
    assert read_tex(r"f(x) = (a+b)^2") == "f of x equals eigh plus b, all squared"
    assert read_tex(r"\binom{n}{k}") == "n choose k"
    assert read_tex(r"A^T") == "eigh transpose"
    assert read_tex(r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}") == (
        "the matrix with rows 1, 2; 3, 4"
    )
    assert read_tex(r"\int_0^1 x\,dx") == "the integral from 0 to 1 of x d x"
    assert read_tex(r"\newcommand{x}") is None
    assert read_tex(r"\frac{1}{") is None


def test_hostile_nesting_is_counted_not_crashed(tmp_path: Path) -> None:
    """Formulas nested thousands deep (untrusted files): skipped and counted, no RecursionError."""
    deep = "<mrow>" * 5000 + "<mi>x</mi>" + "</mrow>" * 5000
    said, notes = paragraphs(epub_with(tmp_path, f"<p>a {mathml(deep)} b</p><p>next</p>"))
    assert (said, notes) == (["a b", "next"], ["1 formula skipped"])
    assert read_tex("{" * 5000 + "x" + "}" * 5000) is None
