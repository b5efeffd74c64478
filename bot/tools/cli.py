"""Command line: python -m bot {search,eval,index,check-knowledge,tune,feedback-report,gaps,...}."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def _retriever(args: argparse.Namespace):
    from bot import settings
    from bot.retrieval.search import retriever_for

    return retriever_for(Path(args.knowledge or settings.KNOWLEDGE_DIR), Path(args.index or settings.INDEX_DIR))


def cmd_check_knowledge(args: argparse.Namespace) -> int:
    from bot import settings
    from bot.knowledge import check_knowledge, load_knowledge

    root = Path(args.knowledge or settings.KNOWLEDGE_DIR)
    problems = check_knowledge(root)
    if problems:
        print(f"knowledge check FAILED: {len(problems)} problem(s) in {root}", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    from bot.knowledge.knm import load_question_bank

    kb = load_knowledge(root)
    bank = load_question_bank(root)
    sections = sum(len(g.sections) for g in kb.guides)
    faq = sum(len(g.faq) for g in kb.guides)
    print(
        f"knowledge OK: {len(kb.guides)} guides, {sections} sections, {faq} guide FAQ pairs, "
        f"{len(kb.faq)} hub FAQ entries, {len(kb.glossary)} glossary terms, {len(kb.counters.needs)} counter needs, "
        f"{len(bank.questions)} KNM practice questions in {len(bank.themes)} themes"
    )
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    from bot import settings
    from bot.retrieval.index import ensure_index

    _, index, rebuilt = ensure_index(
        knowledge_dir=Path(args.knowledge or settings.KNOWLEDGE_DIR),
        index_dir=Path(args.index or settings.INDEX_DIR),
        force=args.force,
    )
    from bot.retrieval.normalize import common_words

    common_words()  # cache the frequent-word list beside the index, so servers start without the big file
    state = "built" if rebuilt else "up to date"
    print(
        f"index {state}: {index.size} passages, {index.manifest['dense_index']}, "
        f"build {index.manifest['build_seconds']}s"
    )
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    retriever = _retriever(args)
    if args.json:
        result = retriever.search(args.question, mode=args.mode, k=args.k)
        print(json.dumps(result.as_dict(), ensure_ascii=False))
        return 0
    from bot.dialogue.assistant import Assistant

    for reply in Assistant(retriever).answer_question(args.question).replies:
        print(reply.text)
        for button in reply.buttons:
            print(f"  [{button.title}]")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    if args.facts:
        return cmd_eval_facts(args)
    from bot.retrieval.search import Mode
    from bot.tools.evaluate import evaluate, load_questions

    retriever = _retriever(args)
    questions = load_questions(Path(args.file))
    modes: list[Mode] = ["bm25", "dense", "hybrid"] if args.mode == "all" else [args.mode]
    metrics = None
    for mode in modes:
        metrics = evaluate(retriever, questions, mode)
        if args.verbose:
            for q, expected, got, abstained in metrics.misses:
                print(
                    f"  MISS [{mode}] {q!r}\n      expected={expected}\n      got={'ABSTAIN ' if abstained else ''}{got}"
                )
        if len(modes) > 1:
            print(f"{mode:>6}: {metrics.line()}")
    assert metrics is not None
    print(metrics.line())
    return 0


def cmd_eval_facts(args: argparse.Namespace) -> int:
    from bot.tools.facts import load_fact_questions, offline_asker, rest_asker, score

    questions = load_fact_questions(Path(args.file))
    result = score(questions, rest_asker(args.rest) if args.rest else offline_asker())
    if args.verbose:
        for r in result.results:
            if not r.found:
                print(
                    f"  MISS {r.question.q[:150]!r}\n      want={r.question.must_contain} "
                    f"not={r.question.must_not_contain}\n      got={r.answer[:400]!r}"
                )
    print(result.abstain_line())
    print(result.line())
    if args.min is not None and result.ratio() < args.min:
        print(f"facts_in_answer ratio {result.ratio():.3f} is below the threshold {args.min}")
        return 1
    return 0


def cmd_dialogues(args: argparse.Namespace) -> int:
    from bot import settings
    from bot.tools.dialogues import load_dialogues, rest_sender, score

    args.url = args.url or f"http://localhost:{settings.RASA_PORT}/webhooks/rest/webhook"
    result = score(load_dialogues(Path(args.file)), rest_sender(args.url))
    for turn in result.turns:
        if args.verbose or not turn.passed:
            mark = "ok  " if turn.passed else "FAIL"
            print(f"{mark} {turn.dialogue}#{turn.index} > {turn.sent[:120]}")
            if not turn.passed:
                print(f"       {'; '.join(turn.problems)}\n       reply: {turn.reply[:300]!r}")
    print(result.line())
    if args.min is not None and result.ratio() < args.min:
        print(f"turns_passed ratio {result.ratio():.3f} is below the threshold {args.min}")
        return 1
    return 0


def cmd_tune(args: argparse.Namespace) -> int:
    """Pick the abstention threshold that maximises abstain accuracy on a question file."""
    from bot.tools.evaluate import load_questions

    retriever = _retriever(args)
    rows = [(q.guides is None, retriever.search(q.q).dense_top) for q in load_questions(Path(args.file))]
    best = max(
        (sum((dense < t) == oos for oos, dense in rows), -abs(t - 0.4), t) for t in (x / 100 for x in range(20, 70))
    )
    print(f"best: ABSTAIN_MIN_DENSE={best[2]:.2f} abstain_accuracy={best[0] / len(rows):.3f}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    # --knowledge/--index work before or after the subcommand (SUPPRESS keeps one from erasing the other).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--knowledge", default=argparse.SUPPRESS, help="knowledge folder (default: knowledge/)")
    common.add_argument("--index", default=argparse.SUPPRESS, help="index folder (default: var/index/)")
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="Wegwijzer knowledge and retrieval tools", parents=[common]
    )
    parser.set_defaults(verbose=False)  # (not knowledge/index: their Action objects are shared with `common`)
    _add_parser = (sub := parser.add_subparsers(dest="command", required=True)).add_parser
    sub.add_parser = lambda *a, **k: _add_parser(*a, parents=[common], **k)  # type: ignore[method-assign]

    p = sub.add_parser("check-knowledge", help="validate knowledge/; non-zero exit with one line per problem")
    p.set_defaults(func=cmd_check_knowledge)

    p = sub.add_parser("index", help="build the search index if knowledge changed")
    p.add_argument("--force", action="store_true", help="rebuild even if up to date")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("search", help="search the knowledge base")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--mode", choices=["hybrid", "bm25", "dense"], default="hybrid")
    p.add_argument("-k", type=int, default=3)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("eval", help="evaluate retrieval on a question file")
    p.add_argument("file")
    p.add_argument("--mode", choices=["hybrid", "bm25", "dense", "all"], default="hybrid")
    p.add_argument("-v", "--verbose", action="store_true")
    p.add_argument("--facts", action="store_true", help="score the reply text against must_contain regexes")
    p.add_argument("--rest", help="with --facts: ask a running assistant (Rasa REST webhook URL) instead")
    p.add_argument("--min", type=float, help="with --facts: exit 1 when the facts ratio is below this")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("dialogues", help="play multi-turn dialogues against a running assistant (REST)")
    p.add_argument("file")
    p.add_argument("--url", default=None, help="Rasa REST webhook (default: http://localhost:$RASA_PORT/...)")
    p.add_argument("--min", type=float, help="exit 1 when the share of passed turns is below this")
    p.add_argument("-v", "--verbose", action="store_true", help="print every turn, not only the failed ones")
    p.set_defaults(func=cmd_dialogues)

    p = sub.add_parser("tune", help="tune abstention thresholds on a question file")
    p.add_argument("file")
    p.set_defaults(func=cmd_tune)

    p = sub.add_parser("fit-ranker", help="fit the answer-sentence ranker on fact questions (the dev set only)")
    p.add_argument("files", nargs="+")
    p.add_argument("--out", help="weights file (default: settings.RANKER_WEIGHTS)")
    p.add_argument("--dialogues", nargs="*", help="dev dialogue files: their follow-up turns are examples too")
    p.add_argument("-c", type=float, default=0.3, help="inverse regularisation strength")
    p.add_argument("--dry-run", action="store_true", help="print the weights, write nothing")
    p.set_defaults(func=lambda a: __import__("bot.tools.fit_ranker", fromlist=["main"]).main(a))

    p = sub.add_parser("forget", help="erase every stored event of one conversation")
    p.add_argument("sender_id")
    p.add_argument("--db", help="tracker store: SQLite file or postgresql:// URL (default: TRACKER_DB, var/tracker.db)")
    p.set_defaults(func=lambda a: __import__("bot.tools.privacy", fromlist=["main_forget"]).main_forget(a))

    p = sub.add_parser("purge", help="erase conversations whose last message is older than DAYS")
    p.add_argument("--older-than", type=float, required=True, metavar="DAYS")
    p.add_argument("--db", help="tracker store: SQLite file or postgresql:// URL (default: TRACKER_DB, var/tracker.db)")
    p.set_defaults(func=lambda a: __import__("bot.tools.privacy", fromlist=["main_purge"]).main_purge(a))

    p = sub.add_parser("feedback-report", help="worst-rated questions from the tracker store")
    p.add_argument("--db", help="tracker store URL or SQLite file (default: from endpoints.yml)")
    p.add_argument("--limit", type=int, default=20)
    p.set_defaults(func=lambda a: __import__("bot.tools.feedback", fromlist=["main"]).main(a))

    p = sub.add_parser("gaps", help="unanswered questions grouped by meaning, as a YAML draft for the dev sets")
    p.add_argument("--since", type=int, default=30, metavar="DAYS", help="the last DAYS days, today included")
    p.add_argument("--out", help="write the draft here (default: print it)")
    p.add_argument("--all", action="store_true", help="every distinct question an item (default: one per group)")
    p.add_argument("--db", help="tracker store: SQLite file or postgresql:// URL (default: TRACKER_DB, var/tracker.db)")
    p.set_defaults(func=lambda a: __import__("bot.tools.gaps", fromlist=["main"]).main(a))
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    for name in ("knowledge", "index"):
        setattr(args, name, getattr(args, name, None))
    try:
        return args.func(args)
    except Exception as exc:  # a clear error, not a traceback
        from bot.knowledge import KnowledgeError

        if isinstance(exc, KnowledgeError):
            print("knowledge base is broken; run `python -m bot check-knowledge`:", file=sys.stderr)
            for problem in exc.problems:
                print(f"  - {problem}", file=sys.stderr)
            return 2
        raise
