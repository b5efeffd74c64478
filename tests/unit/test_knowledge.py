"""The knowledge checker: the real knowledge/ passes, and every kind of broken content is refused.

Broken content lives in tests/fixtures/knowledge_errors/: one fixture per error kind, listed in cases.yml.
Each case is applied to a temporary copy of knowledge/; the real folder is never touched.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from bot import settings
from bot.knowledge import (
    KnowledgeError,
    build_passages,
    check_knowledge,
    content_hash,
    load_knowledge,
    url_problem,
)
from bot.knowledge.knm import load_question_bank

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = ROOT / "knowledge"
GUIDES = KNOWLEDGE / "guides"
FIXTURES = ROOT / "tests" / "fixtures" / "knowledge_errors"
CASES = yaml.safe_load((FIXTURES / "cases.yml").read_text(encoding="utf-8"))
KNM_FIXTURES = ROOT / "tests" / "fixtures" / "knm_errors"
KNM_CASES = yaml.safe_load((KNM_FIXTURES / "cases.yml").read_text(encoding="utf-8"))

FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


# --------------------------------------------------------------------------- helpers


def _tree_digest(root: Path) -> dict[str, str]:
    """Every file under root (README included) -> sha256 of its bytes."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


REAL_DIGEST = _tree_digest(KNOWLEDGE)


def _hub_titles() -> list[str]:
    hub = yaml.safe_load((KNOWLEDGE / "hub.yml").read_text(encoding="utf-8"))
    return [g["title"] for g in hub["guides"]]


def _front_matter(path: Path) -> dict:
    match = FRONT_MATTER.match(path.read_text(encoding="utf-8"))
    assert match, f"{path.name}: no front matter"
    return yaml.safe_load(match.group(1))


def _copy_knowledge(tmp_path: Path) -> Path:
    dest = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, dest)
    return dest


def _apply_case(case: dict, knowledge_dir: Path) -> None:
    target = knowledge_dir / case["replaces"]
    if case.get("adds"):
        assert not target.exists(), f"{case['name']}: 'adds' but {case['replaces']} already exists"
    else:
        assert target.is_file(), f"{case['name']}: {case['replaces']} does not exist in knowledge/"
    if case["file"] is None:
        target.unlink()
    else:
        shutil.copyfile(FIXTURES / case["file"], target)


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEGWIJZER_")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def real_kb():
    return load_knowledge(KNOWLEDGE)


@pytest.fixture(autouse=True)
def _real_knowledge_untouched():
    yield
    assert _tree_digest(KNOWLEDGE) == REAL_DIGEST, "a test modified the real knowledge/ folder"


# --------------------------------------------------------------------------- the real knowledge


def test_real_knowledge_has_no_problems():
    assert check_knowledge(KNOWLEDGE) == []


def test_real_knowledge_matches_hub_exactly(real_kb):
    hub_titles = _hub_titles()
    assert len(hub_titles) == 25
    assert len(set(hub_titles)) == 25, "hub.yml lists a title twice"
    assert [g.title for g in real_kb.hub.guides] == hub_titles
    files = sorted(GUIDES.glob("*.md"))
    assert len(files) == 25, "one guide file per hub title"
    assert len(real_kb.guides) == 25
    assert sorted(g.title for g in real_kb.guides) == sorted(hub_titles)
    assert len({g.slug for g in real_kb.guides}) == 25


def test_guide_file_names_are_slugs_of_titles(real_kb):
    # README: <slug> = the title in lowercase, words joined by '-', punctuation dropped.
    for guide in real_kb.guides:
        expected = re.sub(r"[^a-z0-9]+", "-", guide.title.lower()).strip("-")
        assert guide.slug == expected, f"{guide.slug}.md should be named {expected}.md"


def test_hub_titles_equal_guide_front_matter_titles():
    """Read the front matter directly (not through the loader) and compare with hub.yml."""
    hub = yaml.safe_load((KNOWLEDGE / "hub.yml").read_text(encoding="utf-8"))
    hub_by_title = {g["title"]: g for g in hub["guides"]}
    metas = [_front_matter(p) for p in sorted(GUIDES.glob("*.md"))]
    assert sorted(m["title"] for m in metas) == sorted(hub_by_title)
    for meta in metas:
        expected = hub_by_title[meta["title"]]
        for field in ("topic", "label", "summary"):
            assert meta[field] == expected[field], f"{meta['title']}: {field} differs from hub.yml"
        assert expected["topic"] in hub["topics"]


# --------------------------------------------------------------------------- broken knowledge


def test_cases_manifest_is_consistent():
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), "duplicate case name"
    for case in CASES:
        assert set(case) <= {"name", "file", "replaces", "expect", "also", "adds"}, case["name"]
        assert case["expect"], case["name"]
        if case["file"] is not None:
            assert (FIXTURES / case["file"]).is_file(), case["file"]
            assert Path(case["file"]).suffix == Path(case["replaces"]).suffix, case["name"]
        if not case.get("adds"):
            assert (KNOWLEDGE / case["replaces"]).is_file(), case["replaces"]
    used = {c["file"] for c in CASES if c["file"]}
    on_disk = {p.name for p in FIXTURES.iterdir() if p.name != "cases.yml"}
    assert on_disk == used, f"fixtures not listed in cases.yml: {sorted(on_disk - used)}"


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_checker_reports_broken_case(case, tmp_path):
    knowledge_dir = _copy_knowledge(tmp_path)
    _apply_case(case, knowledge_dir)

    problems = check_knowledge(knowledge_dir)
    assert any(case["expect"] in p for p in problems), f"expected {case['expect']!r} in {problems}"
    also = case.get("also", [])
    for extra in also:
        assert any(extra in p for p in problems), f"expected {extra!r} in {problems}"
    unexpected = [p for p in problems if case["expect"] not in p and not any(a in p for a in also)]
    assert not unexpected, f"fixture fails for more than one reason: {unexpected}"

    with pytest.raises(KnowledgeError) as exc_info:
        load_knowledge(knowledge_dir)
    assert exc_info.value.problems == problems


# --------------------------------------------------------------------------- command line


def test_cli_check_knowledge_fails_on_broken_dir(tmp_path):
    case = next(c for c in CASES if c["name"] == "url_not_https")
    knowledge_dir = _copy_knowledge(tmp_path)
    _apply_case(case, knowledge_dir)
    # --knowledge is an option of the main parser, so it goes before the sub-command.
    result = _cli("--knowledge", str(knowledge_dir), "check-knowledge")
    assert result.returncode != 0
    assert "knowledge check FAILED" in result.stderr
    assert case["expect"] in result.stderr
    assert "knowledge OK" not in result.stdout


def test_cli_check_knowledge_passes_on_real_dir():
    result = _cli("--knowledge", str(KNOWLEDGE), "check-knowledge")
    assert result.returncode == 0, result.stderr
    assert "knowledge OK: 25 guides" in result.stdout
    assert "FAILED" not in result.stderr


def test_cli_check_knowledge_defaults_to_real_dir():
    result = _cli("check-knowledge")
    assert result.returncode == 0, result.stderr
    assert "knowledge OK: 25 guides" in result.stdout


# --------------------------------------------------------------------------- KNM practice bank


def test_real_question_bank_is_big_enough_and_covers_every_theme():
    bank = load_question_bank(KNOWLEDGE)
    assert [t.slug for t in bank.themes] == list(settings.KNM_THEMES)
    assert len(bank.questions) >= 120
    for theme in bank.themes:
        assert len(theme.questions) >= 10, theme.slug
        # the right option is not always in the same place
        assert len({q.answer for q in theme.questions}) >= 3, theme.slug
    for question in bank.questions:
        assert question.theme and question.right_option in question.options
        assert url_problem(question.source_url) is None


def test_real_question_bank_files_say_they_are_not_duo_exam_items():
    for path in sorted((KNOWLEDGE / "knm").glob("*.yml")):
        header = path.read_text(encoding="utf-8").split("\ntheme:")[0]
        assert "NOT DUO's exam questions" in header and "inburgeren.nl" in header, path.name


def test_knm_cases_manifest_is_consistent():
    names = [c["name"] for c in KNM_CASES]
    assert len(names) == len(set(names)), "duplicate case name"
    for case in KNM_CASES:
        assert set(case) <= {"name", "file", "replaces", "expect", "also"}, case["name"]
        assert (KNOWLEDGE / case["replaces"]).is_file(), case["replaces"]
        if case["file"] is not None:
            assert (KNM_FIXTURES / case["file"]).is_file(), case["file"]
    used = {c["file"] for c in KNM_CASES if c["file"]}
    on_disk = {p.name for p in KNM_FIXTURES.iterdir() if p.name != "cases.yml"}
    assert on_disk == used, f"fixtures not listed in cases.yml: {sorted(on_disk ^ used)}"


@pytest.mark.parametrize("case", KNM_CASES, ids=[c["name"] for c in KNM_CASES])
def test_checker_reports_broken_knm_case(case, tmp_path):
    knowledge_dir = _copy_knowledge(tmp_path)
    target = knowledge_dir / case["replaces"]
    if case["file"] is None:
        target.unlink()
    else:
        shutil.copyfile(KNM_FIXTURES / case["file"], target)

    problems = check_knowledge(knowledge_dir)
    assert any(case["expect"] in p for p in problems), f"expected {case['expect']!r} in {problems}"
    also = case.get("also", [])
    unexpected = [p for p in problems if case["expect"] not in p and not any(a in p for a in also)]
    assert not unexpected, f"fixture fails for more than one reason: {unexpected}"

    load_knowledge(knowledge_dir)  # the guides are untouched: only the bank is refused
    with pytest.raises(KnowledgeError) as exc_info:
        load_question_bank(knowledge_dir)
    assert exc_info.value.problems == problems


# --------------------------------------------------------------------------- passages


def test_passages_point_to_existing_guides_with_official_https_sources(real_kb):
    titles = {g.title for g in real_kb.guides}
    passages = build_passages(real_kb)
    assert passages
    for p in passages:
        assert p.guide and p.guide in titles, f"{p.id}: unknown guide {p.guide!r}"
        assert urlparse(p.source_url).scheme == "https", f"{p.id}: {p.source_url}"
        assert url_problem(p.source_url) is None, f"{p.id}: {p.source_url}"
        assert p.text.strip() and p.search_text.strip(), p.id


def test_passage_ids_are_unique(real_kb):
    ids = [p.id for p in build_passages(real_kb)]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, duplicates


def test_passages_are_stable_across_loads():
    first = build_passages(load_knowledge(KNOWLEDGE))
    second = build_passages(load_knowledge(KNOWLEDGE))
    assert [p.id for p in first] == [p.id for p in second]
    assert first == second


def test_content_hash_changes_when_a_guide_changes(tmp_path):
    knowledge_dir = _copy_knowledge(tmp_path)
    before = content_hash(knowledge_dir)
    assert before == content_hash(KNOWLEDGE), "hash depends only on content, not on the folder location"
    assert content_hash(knowledge_dir) == before, "hash is deterministic"

    guide = knowledge_dir / "guides" / "what-is-the-b1-route-for-integration.md"
    text = guide.read_text(encoding="utf-8")
    guide.write_text(text.replace("For many people it is", "For many people, it is", 1), encoding="utf-8")
    assert guide.read_text(encoding="utf-8") != text
    assert content_hash(knowledge_dir) != before


def test_content_hash_ignores_the_editing_readme(tmp_path):
    knowledge_dir = _copy_knowledge(tmp_path)
    before = content_hash(knowledge_dir)
    readme = knowledge_dir / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\nA note for editors.\n", encoding="utf-8")
    assert content_hash(knowledge_dir) == before
