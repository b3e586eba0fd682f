"""LaTeXML-like HTML pages of the fake papers, as arXiv serves them at `/html/<id>v<version>/`.

Each page carries what the real ones do around the paper (arXiv's header, an unsupported-packages
banner, a navigation bar, a footer), sections with citations, inline and display math (MathML with TeX
alt text), nested itemize paragraphs, figures with relative image links and sub-panels, a table with
its caption, footnotes, a bibliography and an appendix. The results section states numbers the cards
may quote; the bibliography and appendix hold numbers they must not.
"""

from __future__ import annotations

from html import escape

from tests.fakes.papers import FakePaper

# The smallest valid PNG (1 by 1 pixel, transparent): what the fake serves for every figure image.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63fcffff3f0300050001fe8d2fc5f20000000049454e44ae426082"
)

METHOD_MARK = "a two-stage retriever with a calibrated verifier"
RESULT_SENTENCE = "reaches 68.7% accuracy on 3 benchmarks, 12.4 points above the strongest baseline"
BIBLIOGRAPHY_NUMBER = "4242"  # only in the bibliography and appendix: never a number the model read


def _p(text: str, pid: str) -> str:
    return f'<div class="ltx_para" id="{pid}"><p class="ltx_p">{text}</p></div>'


def _section(number: int, title: str, body: str) -> str:
    return (
        f'<section class="ltx_section" id="S{number}"><h2 class="ltx_title ltx_title_section">'
        f'<span class="ltx_tag ltx_tag_section">{number} </span>{escape(title)}</h2>{body}</section>'
    )


def _math(tex: str) -> str:
    return (
        f'<math alttext="{escape(tex)}" class="ltx_Math" display="inline"><semantics><mrow><mi>x</mi>'
        f'</mrow><annotation encoding="application/x-tex">{escape(tex)}</annotation></semantics></math>'
    )


def latexml_page(paper: FakePaper, version: int, *, huge: bool = False, injection: str | None = None) -> str:
    """The HTML version of a fake paper (about 8 KB; `huge` pads its results to about 400 KB)."""
    title = escape(" ".join(paper.title.split()))
    topic = escape(" ".join(paper.title.split()[:6]))
    cite = (
        '<cite class="ltx_cite ltx_citemacro_citep">'
        '(<a class="ltx_ref" href="#bib.bib7">Smith et al., 2021</a>)</cite>'
    )
    intro = "".join(
        _p(text, f"S1.p{i}")
        for i, text in enumerate(
            [
                f"Work on {topic} has grown quickly {cite}, yet the field lacks careful evaluation.",
                (
                    "Benchmarks are the shared instrument of a research community: they decide which "
                    "methods are adopted, which are forgotten, and which questions are asked next. When a "
                    "benchmark rewards the wrong behaviour, whole lines of work drift with it, and the drift "
                    "is hard to notice from inside, because every paper reports progress on the same numbers."
                ),
                (
                    "We study this gap and make the contributions listed below."
                    '<ul class="ltx_itemize"><li class="ltx_item"><div class="ltx_para"><p class="ltx_p">'
                    "A new analysis of existing benchmarks.</p></div></li></ul>"
                ),
            ],
            start=1,
        )
    )
    figure = (
        '<figure class="ltx_figure" id="S1.F1"><div class="ltx_flex_figure">'
        '<figure class="ltx_figure ltx_figure_panel" id="S1.F1.sf1"><img src="x1.png" '
        'class="ltx_graphics" alt="Refer to caption" width="598" height="337"></figure></div>'
        '<figcaption class="ltx_caption"><span class="ltx_tag ltx_tag_figure">Figure 1: </span>'
        f"Overview of the pipeline for {topic}.</figcaption></figure>"
    )
    tikz = (
        '<figure class="ltx_figure" id="S3.F2"><svg class="ltx_picture" width="10" height="10"></svg>'
        '<figcaption class="ltx_caption"><span class="ltx_tag ltx_tag_figure">Figure 2: </span>'
        "A diagram drawn in TikZ (no image file).</figcaption></figure>"
    )
    results_figure = (
        '<figure class="ltx_figure" id="S4.F3"><img src="extracted/5011/figures/results.png" '
        'class="ltx_graphics" alt="Refer to caption"><figcaption class="ltx_caption">'
        '<span class="ltx_tag ltx_tag_figure">Figure 3: </span>Accuracy against model size.</figcaption>'
        "</figure>"
    )
    method_text = (
        f"Our method is {METHOD_MARK}. The verifier scores each candidate with "
        + _math(r"s(x)=\sigma(w^{\top}h_{x})")
        + ' and the loss is <table class="ltx_equation ltx_eqn_table"><tr><td>'
        + _math(r"\mathcal{L}=-\sum_{i}\log p(y_{i}\mid x_{i})")
        + '</td><td class="ltx_eqn_eqno">(1)</td></tr></table>'
        + '<span class="ltx_note ltx_role_footnote"><sup>1</sup>Footnote: trained for 77777 steps.</span>'
    )
    if injection:
        method_text += " " + escape(injection)
    method = _p(method_text, "S3.p1") + _p(
        "Candidates are retrieved from a frozen index and re-ranked before the verifier reads them. "
        "The retriever is trained on question and passage pairs, the verifier on the retriever's own "
        "mistakes, so that it learns exactly the confusions the first stage makes. At inference time "
        "the verifier's score is calibrated on held-out questions before it is compared to a threshold.",
        "S3.p2",
    )
    results = _p(f"On the main evaluation, the method {RESULT_SENTENCE}.", "S4.p1") + _p(
        "Gains hold across model sizes, and the verifier matters most for the smallest models, whose "
        "first-stage answers are the least reliable. Removing calibration costs most of the gain, which "
        "shows that the verifier's raw scores are not comparable across questions.",
        "S4.p2",
    )
    if huge:
        filler = "Additional analysis of per-category behaviour, repeated for every category we study. " * 40
        results += "".join(_p(filler, f"S4.p{i}") for i in range(3, 120))
    table = (
        '<figure class="ltx_table" id="S4.T1"><figcaption class="ltx_caption">'
        '<span class="ltx_tag ltx_tag_table">Table 1: </span>Accuracy (%) on the three benchmarks.'
        '</figcaption><table class="ltx_tabular"><tr><td>Ours</td><td>68.7</td></tr>'
        "<tr><td>Baseline</td><td>56.3</td></tr></table></figure>"
    )
    body = (
        _section(1, "Introduction", intro + figure)
        + _section(
            2, "Related Work", _p(f"Earlier studies of {topic} used smaller benchmarks {cite}.", "S2.p1")
        )
        + _section(3, "Method", method + tikz)
        + _section(4, "Experiments", results + results_figure + table)
        + _section(
            5, "Conclusion", _p("A calibrated verifier is a cheap way to make evaluation honest.", "S5.p1")
        )
    )
    bibliography = (
        '<section class="ltx_bibliography" id="bib"><h2 class="ltx_title">References</h2>'
        '<ul class="ltx_biblist"><li class="ltx_bibitem" id="bib.bib7">J. Smith. A study. '
        f"Journal {BIBLIOGRAPHY_NUMBER}, 2021.</li></ul></section>"
    )
    appendix = (
        '<section class="ltx_appendix" id="A1"><h2 class="ltx_title">Appendix A Hyper-parameters</h2>'
        + _p(f"We used a batch size of {BIBLIOGRAPHY_NUMBER}.", "A1.p1")
        + "</section>"
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body>"
        '<header class="desktop_header"><a href="https://arxiv.org/">arXiv</a> Back to abstract page</header>'
        '<div class="package-alerts ltx_document" role="status">This paper uses packages that do not yet '
        "convert to HTML.</div>"
        '<div class="ltx_page_main"><div class="ltx_page_content">'
        '<article class="ltx_document ltx_authors_1line">'
        f'<h1 class="ltx_title ltx_title_document">{title}</h1><div class="ltx_authors">'
        f'<span class="ltx_personname">{escape(", ".join(paper.authors))}</span></div>'
        f'<div class="ltx_abstract"><h6 class="ltx_title ltx_title_abstract">Abstract</h6>'
        f'<p class="ltx_p">{escape(paper.abstract)}</p></div>'
        f"{body}{bibliography}{appendix}</article></div>"
        f'<nav class="ltx_page_navbar"><a href="#S1">1 Introduction</a></nav></div>'
        '<footer class="ltx_page_footer">Generated by LaTeXML on 1 Jan 2026</footer>'
        f"<!-- paper {paper.arxiv_id}v{version} --></body></html>"
    )
