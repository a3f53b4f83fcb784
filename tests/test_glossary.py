"""The glossary of appendix A2: its data and its pure search and rendering functions."""

import re
import subprocess
import sys

import pytest

from rnncourse import course_map, glossary
from rnncourse.glossary import CHAPTERS, TERMS, Term, search

CJK = re.compile(r"[\u4e00-\u9fff]")

#: The course's chapter notebooks, one per part, as the course map names them (not the
#: appendices: A1 and A2 teach no term).
COURSE_FILES = [c.file for c in course_map.CHAPTERS if c.chapter[0].isdigit()]


def test_chapters_are_the_course_files_with_the_maps_titles():
    assert list(CHAPTERS) == COURSE_FILES
    assert all(CHAPTERS[c.file] == c.title for c in course_map.CHAPTERS if c.file in CHAPTERS)


def test_every_chapter_link_names_a_course_file():
    for term in TERMS:
        assert term.chapter in COURSE_FILES, term
    links = re.findall(r"\]\(([^)]+)\)", glossary.table_markdown())
    assert len(links) == len(TERMS)
    assert set(links) <= set(COURSE_FILES)


def test_terms_are_in_course_order_of_their_parts():
    order = [COURSE_FILES.index(t.chapter) for t in TERMS]
    assert order == sorted(order)


def test_no_duplicate_english_terms():
    names = [t.english.casefold() for t in TERMS]
    duplicates = {n for n in names if names.count(n) > 1}
    assert not duplicates


def test_every_entry_is_complete_and_has_chinese_text():
    assert len(TERMS) >= 60
    for term in TERMS:
        assert isinstance(term, Term)
        assert term.english.strip() and term.definition.strip(), term
        assert CJK.search(term.chinese), f"{term.english}: no Chinese characters"
        assert not CJK.search(term.english), f"{term.english}: Chinese in the English column"


def test_definitions_fit_a_markdown_table():
    for term in TERMS:
        for text in (term.english, term.chinese, term.definition):
            assert "|" not in text and "\n" not in text, term.english
        assert term.definition.count("$") % 2 == 0, f"{term.english}: unbalanced $"
        assert term.definition.count("`") % 2 == 0, f"{term.english}: unbalanced backtick"


def test_terms_the_source_articles_use_are_present():
    chinese = " ".join(t.chinese for t in TERMS)
    for word in [
        "遗忘门",
        "输入门",
        "输出门",
        "隐藏状态",
        "梯度消失",
        "梯度爆炸",
        "通过时间的反向传播",
        "循环神经网络",
        "长短期记忆",
        "门控循环单元",
        "更新门",
        "重置门",
        "细胞状态",
        "记忆单元",
        "双向",
        "堆叠",
        "深层",
        "序列到序列",
        "注意力机制",
        "词嵌入",
        "独热编码",
        "激活函数",
        "损失函数",
        "交叉熵",
        "均方误差",
        "梯度裁剪",
        "截断",
        "教师强制",
        "过拟合",
        "正则化",
        "Dropout",
    ]:
        assert word in chinese, word


def test_search_english_ignores_case():
    found = search("Forget")
    assert [t.english for t in found] == ["forget gate", "forget-gate bias"]
    assert search("forget") == search("FORGET")


def test_search_chinese():
    found = search("遗忘门")
    assert {t.english for t in found} == {"forget gate", "forget-gate bias"}
    assert [t.english for t in search("门控循环单元")] == ["gated recurrent unit (GRU)"]
    assert "reset gate" in [t.english for t in search("重置")]


def test_search_several_words_must_all_match():
    found = search("gate 遗忘")
    assert {t.english for t in found} == {"forget gate", "forget-gate bias"}
    assert search("gate 注意力") == []
    assert {t.english for t in search("  update   门 ")} == {"update gate"}


def test_search_empty_returns_everything_and_unknown_returns_nothing():
    assert search("") == TERMS
    assert search("   ") == TERMS
    assert search("") is not TERMS  # a new list: the caller may change it
    assert search("no such term xyz") == []


def test_search_does_not_look_into_definitions():
    # "tanh" appears in many definitions but names only one entry
    assert [t.english for t in search("tanh")] == ["tanh (hyperbolic tangent)"]


def test_search_on_a_given_list_and_bad_input():
    few = TERMS[:3]
    assert search("", few) == few
    assert search("batch", few) == [TERMS[0]]
    with pytest.raises(TypeError, match="query must be a string"):
        search(None)


def test_chapter_label():
    assert glossary.chapter_label("00_welcome.ipynb") == "00 Welcome"
    part = course_map.part("05a")
    assert glossary.chapter_label(part.file) == f"05a {part.title}"
    with pytest.raises(ValueError, match="CHAPTERS"):
        glossary.chapter_label("99_nothing.ipynb")


def test_table_markdown_has_one_row_per_entry():
    few = search("gate")
    table = glossary.table_markdown(few)
    lines = table.splitlines()
    assert lines[0] == "| English | 中文 | definition | chapter |"
    assert len(lines) == 2 + len(few)
    assert all(line.count("|") == 5 for line in lines)
    lstm = course_map.part("04a")
    assert f"[04a {lstm.title}]({lstm.file})" in table


def test_table_html_escapes_and_formats_code():
    entry = Term("a<b", "小于", "use `x & y` here", "00_welcome.ipynb")
    out = glossary.table_html([entry])
    assert "a&lt;b" in out and "<code>x &amp; y</code>" in out
    assert 'href="00_welcome.ipynb"' in out
    assert out.count("<tr>") == 2  # header and one row
    assert "No term matches" in glossary.table_html([])


def test_filtered_html_changes_with_the_query():
    # what the notebook's search box shows: the table of search(query)
    everything = glossary.table_html(search(""))
    gates = glossary.table_html(search("门"))
    assert everything.count("<tr>") == len(TERMS) + 1
    assert gates.count("<tr>") == len(search("门")) + 1 < len(TERMS) + 1
    assert "遗忘门" in gates and "词嵌入" not in gates


def test_glossary_imports_nothing_heavy():
    code = (
        "import sys, rnncourse.glossary; "
        "heavy = [m for m in ('matplotlib', 'plotly', 'ipywidgets', 'IPython') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
