"""`make bench`: one table (and var/bench/results.json) of quality, latency, throughput, start-up and
memory, each figure beside a baseline measured in the same run. Real servers, loopback, bounded.

Environment: BENCH_SKIP_TRAIN=1 skips the `rasa train` timing (the longest step)."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

from bot import settings
from bot.ops import supervisor as servers
from bot.ops.load import run_load
from bot.tools.evaluate import evaluate, load_questions

ROOT = settings.PROJECT_ROOT
OUT = settings.VAR_DIR / "bench"
PROJECT_DATA = ROOT / "tests" / "data"
DEV = PROJECT_DATA / "retrieval_dev.yml"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else 0.0


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


# ---------------------------------------------------------------- retrieval
def bench_retrieval(results: dict) -> None:
    from bot.retrieval.index import ensure_index
    from bot.retrieval.search import Retriever

    started = time.perf_counter()
    kb, index, _ = ensure_index(index_dir=Path(tempfile.mkdtemp()) / "index", force=True)
    build_s = time.perf_counter() - started
    retriever = Retriever(kb, index)
    questions = load_questions(DEV)
    results["quality"] = {mode: evaluate(retriever, questions, mode).as_dict() for mode in ("bm25", "dense", "hybrid")}

    texts = [q.q for q in questions]
    retriever.embedder._cache.clear()
    cold = []
    for text in texts:  # every query new to the embedding cache
        t = time.perf_counter()
        retriever.search(text)
        cold.append(time.perf_counter() - t)
    warm = []
    for _ in range(3):  # repeated questions: embedding cached
        for text in texts:
            t = time.perf_counter()
            retriever.search(text)
            warm.append(time.perf_counter() - t)
    results["search_25_guides"] = {
        "passages": index.size,
        "index_build_s": round(build_s, 2),
        "uncached_p50_ms": ms(pct(cold, 50)),
        "uncached_p95_ms": ms(pct(cold, 95)),
        "cached_p50_ms": ms(pct(warm, 50)),
        "cached_p95_ms": ms(pct(warm, 95)),
    }
    bench_synthetic(results, retriever, texts)


def bench_synthetic(results: dict, retriever, queries: list[str], n: int = 100_000) -> None:
    """100k synthetic passages: vectors are real passage vectors plus noise (so the index works on a
    realistic distribution without embedding 100k texts); texts recombine real sentences for BM25."""
    import faiss

    from bot.retrieval.index import make_dense_index, make_lexical_index

    rng = np.random.default_rng(7)
    base = np.stack([retriever.index.dense.reconstruct(i) for i in range(retriever.index.size)])
    picks = rng.integers(0, len(base), n)
    vectors = base[picks] + rng.normal(0, 0.08, (n, base.shape[1])).astype(np.float32)
    faiss.normalize_L2(vectors)
    token_lists = [
        retriever.normalizer.tokens(retriever.index.passages[i].search_text) for i in range(retriever.index.size)
    ]
    lexical_tokens = [token_lists[picks[i]] + token_lists[(picks[i] * 7 + i) % len(token_lists)][:20] for i in range(n)]
    query_vectors = retriever.embedder.encode(queries)
    query_tokens = [retriever.normalizer.tokens(q) for q in queries]

    out: dict[str, object] = {"passages": n}
    flat_ids = None
    for kind, approximate in (("flat", False), ("hnsw", True)):
        t = time.perf_counter()
        index = make_dense_index(vectors, approximate=approximate)
        out[f"{kind}_build_s"] = round(time.perf_counter() - t, 2)
        lat, ids_all = [], []
        for vector in query_vectors:
            t = time.perf_counter()
            _, ids = index.search(vector[None, :], 10)
            lat.append(time.perf_counter() - t)
            ids_all.append(ids[0])
        out[f"{kind}_p50_ms"], out[f"{kind}_p95_ms"] = ms(pct(lat, 50)), ms(pct(lat, 95))
        if kind == "flat":
            flat_ids = ids_all
        else:
            overlap = [len(set(a) & set(b)) / 10 for a, b in zip(ids_all, flat_ids or [])]
            out["hnsw_recall_at_10_vs_flat"] = round(statistics.fmean(overlap), 4)
    t = time.perf_counter()
    bm25 = make_lexical_index(lexical_tokens)
    out["bm25_build_s"] = round(time.perf_counter() - t, 2)
    lat = []
    vocab = set(t for toks in lexical_tokens[:5000] for t in toks)
    for tokens in query_tokens:
        known = [t for t in tokens if t in vocab] or tokens[:1]
        t = time.perf_counter()
        scores = bm25.get_scores(known)
        np.argpartition(-scores, 50)[:50]
        lat.append(time.perf_counter() - t)
    out["bm25_p50_ms"], out["bm25_p95_ms"] = ms(pct(lat, 50)), ms(pct(lat, 95))
    out["auto_choice_above_threshold"] = (
        type(make_dense_index(vectors[:10], approximate=None)).__name__
        + f" below {settings.APPROX_INDEX_THRESHOLD}, IndexHNSWFlat above"
    )
    results["search_100k"] = out


# ---------------------------------------------------------------- servers
def post(url: str, sender: str, message: str) -> float:
    data = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    t = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        body = json.loads(response.read())
    elapsed = time.perf_counter() - t
    if not body:
        raise RuntimeError(f"empty reply to {message!r}")
    return elapsed


def start(tmp: Path):
    action_port, rasa_port = servers.free_port(), servers.free_port()
    actions = servers.action_server(action_port, log_path=tmp / "actions.log")
    rasa = servers.rasa_server(
        rasa_port, action_port, tmp / "tracker.db", "http://localhost:8080", log_path=tmp / "rasa.log", token="bench"
    )
    t = time.perf_counter()
    actions.start()
    rasa.start()
    actions.wait_ready(300)
    rasa.wait_ready(300)
    url = f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"
    post(url, "bench-cold", "what is the z-route?")
    return actions, rasa, url, time.perf_counter() - t


def answer_quality(url: str) -> dict[str, str]:
    """What the user reads: facts in the reply (dev, second dev batch, hold-out) and dialogue turns passed
    (dev, the fresh dev batch, hold-out, the fresh hold-out)."""
    from bot.tools import dialogues, facts

    data = PROJECT_DATA
    out = {}
    for name in ("facts_dev", "facts_dev_more", "facts_holdout"):
        out[name] = facts.score(facts.load_fact_questions(data / f"{name}.yml"), facts.rest_asker(url)).line()
    for name in (
        "dialogues_dev",
        "dialogues_dev2",
        "dialogues_holdout",
        "dialogues_holdout2",
        "dialogues_holdout3",
        "dialogues_holdout4",
    ):
        out[name] = dialogues.score(dialogues.load_dialogues(data / f"{name}.yml"), dialogues.rest_sender(url)).line()
    return out


def turn_latencies(url: str) -> dict[str, dict[str, float]]:
    """One user, 40 rounds of each turn kind; p50/p95 and the ratio to the plain turn."""
    turns: dict[str, list[float]] = {
        "plain (greet, no action server)": [],
        "retrieval (question)": [],
        "form (counter finder step)": [],
        "quiz (KNM round start)": [],
        "quiz (KNM answer graded)": [],
    }
    questions = [q.q for q in load_questions(DEV) if q.guides][:40]
    for i in range(40):
        sender = f"bench-1u-{i}"
        turns["plain (greet, no action server)"].append(post(url, sender, "hello"))
        turns["retrieval (question)"].append(post(url, sender, questions[i % len(questions)]))
        turns["form (counter finder step)"].append(post(url, sender, "/ask_counter"))
        post(url, sender, "/stop")
        turns["quiz (KNM round start)"].append(post(url, sender, '/practise_knm{"knm_theme":"mixed"}'))
        turns["quiz (KNM answer graded)"].append(post(url, sender, "b"))
        post(url, sender, "stop")
    plain_p50 = pct(turns["plain (greet, no action server)"], 50)
    return {
        name: {"p50_ms": ms(pct(v, 50)), "p95_ms": ms(pct(v, 95)), "x_plain_p50": round(pct(v, 50) / plain_p50, 2)}
        for name, v in turns.items()
    }


def bench_servers(results: dict) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="wegwijzer-bench-"))
    actions, rasa, url, cold_s = start(tmp)
    try:
        results["start"] = {"cold_start_to_first_answer_s (trained model)": round(cold_s, 1)}
        for _ in range(5):  # warm-up
            post(url, "bench-warm", "hello")
            post(url, "bench-warm", "how does the speaking exam work?")
        results["turn_latency_1_user"] = turn_latencies(url)
        results["answer_quality"] = answer_quality(url)
        results["throughput"] = {}
        for users in (1, 10, 20, 50):
            load = asyncio.run(run_load(url.rsplit("/webhooks", 1)[0], users=users, turns=10, max_seconds=300))
            results["throughput"][str(users)] = load.summary()
        results["memory_mb_after_warmup"] = {"rasa": rss_mb(rasa.proc.pid), "action_server": rss_mb(actions.proc.pid)}
    finally:
        rasa.stop()
        actions.stop()
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------- per-turn growth
# One conversation, the same 6-message cycle over and over: greeting, question, thanks, counter finder
# start, its first answer (the act question follows, the form stays active), stop.
GROWTH_CYCLE = ["hello", "what is the z-route?", "thanks", "/ask_counter", '/inform{"need":"pay_or_loan"}', "/stop"]
GROWTH_WINDOWS = (1, 97, 199, 289)  # first turn of each 12-turn window (two whole cycles, same mix)


def growth_windows(latencies: list[float], width: int = 12) -> dict[str, float]:
    """Median latency (ms) of each window of `width` turns starting at the 1-based GROWTH_WINDOWS turns."""
    out = {}
    for first in GROWTH_WINDOWS:
        part = latencies[first - 1 : first - 1 + width]
        if len(part) == width:
            out[f"turns_{first}-{first + width - 1}_p50_ms"] = ms(statistics.median(part))
    return out


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time used so far by these processes (all their threads), from /proc."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def growth_cpu_windows(cumulative: list[float], width: int = 12) -> dict[str, float]:
    """CPU ms per turn (Rasa + action server) in each window: robust to other load on the machine, unlike latency."""
    out = {}
    for first in GROWTH_WINDOWS:
        if first - 1 + width < len(cumulative):
            used = cumulative[first - 1 + width] - cumulative[first - 1]
            out[f"turns_{first}-{first + width - 1}_cpu_ms_per_turn"] = ms(used / width)
    return out


def measure_growth(url: str, turns: int = 300, fresh: int = 30, pids: list[int] | None = None) -> dict:
    """Drive one conversation for `turns` turns; also the plain turn (a fresh sender's greeting) p50."""
    sender = f"bench-growth-{time.time_ns()}"
    for message in GROWTH_CYCLE:  # warm-up on another sender
        post(url, sender + "-warm", message)
    latencies, cumulative = [], [cpu_seconds(pids or [])]
    for i in range(turns):
        latencies.append(post(url, sender, GROWTH_CYCLE[i % len(GROWTH_CYCLE)]))
        cumulative.append(cpu_seconds(pids or []))
    plain = [post(url, f"{sender}-fresh-{i}", "hello") for i in range(fresh)]
    out: dict = {"turns": turns, "message_cycle": GROWTH_CYCLE, **growth_windows(latencies)}
    medians = [v for k, v in out.items() if k.startswith("turns_") and k.endswith("_p50_ms")]
    out["ratio_last_to_first"] = round(medians[-1] / medians[0], 2)
    if pids:
        cpu = growth_cpu_windows(cumulative)
        out.update(cpu)
        per_turn = list(cpu.values())
        out["cpu_ratio_last_to_first"] = round(per_turn[-1] / max(per_turn[0], 0.01), 2)
    out["plain_turn_fresh_sender_p50_ms"] = ms(pct(plain, 50))
    return out


def bench_growth(results: dict) -> None:
    """Per-turn growth: does a turn cost more when the conversation is long? (issue 18: ≤ 1.5×)"""
    tmp = Path(tempfile.mkdtemp(prefix="wegwijzer-growth-"))
    actions, rasa, url, _ = start(tmp)
    try:
        turns = int(os.environ.get("BENCH_GROWTH_TURNS", "300"))
        results["per_turn_growth"] = measure_growth(url, turns, pids=[rasa.proc.pid, actions.proc.pid])
    finally:
        rasa.stop()
        actions.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def growth_rows(results: dict) -> list[tuple]:
    g = results.get("per_turn_growth")
    if not g:
        return []
    windows = {
        k.removeprefix("turns_").removesuffix("_p50_ms"): v
        for k, v in g.items()
        if k.startswith("turns_") and k.endswith("_p50_ms")
    }
    cpu = [v for k, v in g.items() if k.endswith("_cpu_ms_per_turn")]
    rows = [
        (
            f"one conversation, {g['turns']} turns: turn p50 by position (ms)",
            " / ".join(f"{v}" for v in windows.values()),
            "turns " + ", ".join(windows),
        ),
        ("per-turn growth: last window / first window", f"x{g['ratio_last_to_first']}", "goal ≤ x1.5"),
    ]
    if cpu:
        rows.append(
            (
                "same windows: CPU ms per turn, Rasa + action server",
                " / ".join(f"{v}" for v in cpu),
                f"x{g['cpu_ratio_last_to_first']} (not disturbed by other load)",
            )
        )
    return rows


def bench_train(results: dict) -> None:
    if os.environ.get("BENCH_SKIP_TRAIN"):
        results["start"]["rasa_train_s"] = "skipped (BENCH_SKIP_TRAIN)"
        return
    out = Path(tempfile.mkdtemp(prefix="wegwijzer-train-"))
    t = time.perf_counter()
    subprocess.run(
        [str(servers.RASA_BIN), "train", "--force", "--out", str(out), "--quiet"],
        cwd=ROOT,
        env=servers.base_env(),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    train_s = time.perf_counter() - t
    shutil.rmtree(out, ignore_errors=True)
    results["start"]["rasa_train_s"] = round(train_s, 1)
    cold = results["start"]["cold_start_to_first_answer_s (trained model)"]
    results["start"]["cold_start_with_retraining_s"] = round(train_s + cold, 1)


# ---------------------------------------------------------------- side by side with stock Rasa
# A stock bot: `rasa init --no-prompt` (Rasa's starter project, trained by rasa init itself) in a temp dir, same
# .venv-rasa, same machine, started with `rasa run` (its defaults: in-memory tracker and lock store, no action
# server: the starter bot has no custom actions). Ours and stock get the same plain-turn load, one after the other.
STOCK_PLAIN_TURNS = 40
STOCK_USERS = 20


def build_stock_bot(tmp: Path) -> tuple[Path, float]:
    """The starter project in tmp/stock, trained; (its models folder, seconds for init + training)."""
    project = tmp / "stock"
    project.mkdir(parents=True, exist_ok=True)  # rasa init wants the folder to exist
    t = time.perf_counter()
    subprocess.run(
        [str(servers.RASA_BIN), "init", "--no-prompt", "--init-dir", str(project)],
        cwd=tmp,
        env=servers.base_env(),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=1800,
    )
    models = project / "models"
    if not any(models.glob("*.tar.gz")):
        raise RuntimeError(f"rasa init trained no model in {models}")
    return models, time.perf_counter() - t


def start_stock(project_models: Path, tmp: Path) -> tuple[servers.Service, str, float]:
    """`rasa run` on the stock bot; (service, REST url, seconds from start to its first answer)."""
    port = servers.free_port()
    project = project_models.parent
    cmd = [str(servers.RASA_BIN), "run", "--enable-api", "--port", str(port), "--model", str(project_models)]
    cmd += ["--endpoints", str(project / "endpoints.yml"), "--credentials", str(project / "credentials.yml")]
    rasa = servers.Service("rasa-stock", cmd, f"http://127.0.0.1:{port}/", servers.base_env(), tmp / "stock.log")
    t = time.perf_counter()
    rasa.start()
    try:
        rasa.wait_ready(300)
        url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
        post(url, "bench-cold", "hello")
    except BaseException:
        rasa.stop()
        raise
    return rasa, url, time.perf_counter() - t


def plain_side(url: str, rasa_pid: int) -> dict:
    """Plain turns (greetings) on one server: 1-user p50/p95 over fresh senders, then STOCK_USERS users x 10."""
    for i in range(5):  # warm-up
        post(url, f"bench-warm-{i}", "hello")
    one = [post(url, f"bench-plain-{time.time_ns()}", "hello") for _ in range(STOCK_PLAIN_TURNS)]
    load = asyncio.run(
        run_load(url.rsplit("/webhooks", 1)[0], users=STOCK_USERS, turns=10, max_seconds=300, plain=True)
    )
    return {
        "plain_p50_ms": ms(pct(one, 50)),
        "plain_p95_ms": ms(pct(one, 95)),
        f"users_{STOCK_USERS}": load.summary(),
        "rasa_rss_mb": rss_mb(rasa_pid),
    }


def ratio(ours: float, stock: float) -> float:
    return round(ours / stock, 2) if stock else float("nan")


def bench_stock(results: dict) -> None:
    """Ours vs stock Rasa (`rasa init`), same plain-turn load: ratios for plain p50, 20-user throughput and p95,
    and cold start (server start to first answer, trained model)."""
    tmp = Path(tempfile.mkdtemp(prefix="wegwijzer-stock-"))
    try:
        models, init_s = build_stock_bot(tmp)
        actions, rasa, url, ours_cold = start(tmp)
        try:
            ours = {"cold_start_s": round(ours_cold, 1), **plain_side(url, rasa.proc.pid)}
        finally:
            rasa.stop()
            actions.stop()
        stock_rasa, stock_url, stock_cold = start_stock(models, tmp)
        try:
            assert stock_rasa.proc is not None
            stock = {"cold_start_s": round(stock_cold, 1), **plain_side(stock_url, stock_rasa.proc.pid)}
        finally:
            stock_rasa.stop()
        key = f"users_{STOCK_USERS}"
        results["vs_stock_rasa"] = {
            "ours": ours,
            "stock": {**stock, "init_and_train_s": round(init_s, 1)},
            "ratio_ours_to_stock": {
                "plain_p50": ratio(ours["plain_p50_ms"], stock["plain_p50_ms"]),
                f"throughput_{key}": ratio(ours[key]["turns_per_second"], stock[key]["turns_per_second"]),
                f"p95_{key}": ratio(ours[key]["p95_ms"], stock[key]["p95_ms"]),
                "cold_start": ratio(ours["cold_start_s"], stock["cold_start_s"]),
            },
            "note": "ours: our start() (action server + Rasa, SQLite tracker store); stock: rasa init's bot, "
            "in-memory tracker store, no action server; plain turns = greetings (bot/ops/load_script.PLAIN)",
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def stock_rows(results: dict) -> list[tuple]:
    v = results.get("vs_stock_rasa")
    if not v:
        return []
    ours, stock, r = v["ours"], v["stock"], v["ratio_ours_to_stock"]
    key = f"users_{STOCK_USERS}"
    return [
        (
            "vs stock Rasa: plain turn p50, 1 user (ms)",
            ours["plain_p50_ms"],
            f"stock {stock['plain_p50_ms']} (x{r['plain_p50']})",
        ),
        (
            f"vs stock Rasa: {STOCK_USERS} users plain, turns/s",
            ours[key]["turns_per_second"],
            f"stock {stock[key]['turns_per_second']} (x{r[f'throughput_{key}']})",
        ),
        (
            f"vs stock Rasa: {STOCK_USERS} users plain, p95 (ms)",
            ours[key]["p95_ms"],
            f"stock {stock[key]['p95_ms']} (x{r[f'p95_{key}']})",
        ),
        (
            "vs stock Rasa: cold start to first answer (s)",
            ours["cold_start_s"],
            f"stock {stock['cold_start_s']} (x{r['cold_start']})",
        ),
    ]


def main_stock(results: dict) -> int:
    """`python -m bot.ops.bench --only stock`: the side-by-side section alone (var/bench/stock.json)."""
    bench_stock(results)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "stock.json").write_text(json.dumps(results, indent=2))
    for row in [("figure", "value", "stock Rasa (ours / stock)"), *stock_rows(results)]:
        print(" | ".join(str(c) for c in row))
    return 0


# ---------------------------------------------------------------- report
def table(results: dict) -> str:
    rows = [("figure", "value", "baseline (same run)")]
    q = results["quality"]
    for metric in ("recall@1", "recall@3", "mrr", "abstain_accuracy"):
        rows.append(
            (
                f"retrieval {metric}: hybrid",
                q["hybrid"][metric],
                f"bm25 {q['bm25'][metric]} / dense {q['dense'][metric]}",
            )
        )
    s = results["search_25_guides"]
    rows.append(
        (
            "search p50/p95, 25 guides, uncached (ms)",
            f"{s['uncached_p50_ms']} / {s['uncached_p95_ms']}",
            f"cached query embedding {s['cached_p50_ms']} / {s['cached_p95_ms']}",
        )
    )
    rows.append(("index build, 25 guides (s)", s["index_build_s"], f"{s['passages']} passages"))
    b = results["search_100k"]
    rows.append(
        (
            "dense search p50/p95, 100k, HNSW (ms)",
            f"{b['hnsw_p50_ms']} / {b['hnsw_p95_ms']}",
            f"flat {b['flat_p50_ms']} / {b['flat_p95_ms']}",
        )
    )
    rows.append(
        (
            "HNSW recall@10 vs flat, 100k",
            b["hnsw_recall_at_10_vs_flat"],
            f"build {b['hnsw_build_s']}s vs flat {b['flat_build_s']}s",
        )
    )
    rows.append(("BM25 p50/p95, 100k (ms)", f"{b['bm25_p50_ms']} / {b['bm25_p95_ms']}", f"build {b['bm25_build_s']}s"))
    for name, v in results["turn_latency_1_user"].items():
        rows.append(
            (
                f"REST turn p50/p95, 1 user, {name} (ms)",
                f"{v['p50_ms']} / {v['p95_ms']}",
                f"x{v['x_plain_p50']} of plain p50",
            )
        )
    for users, v in results["throughput"].items():
        rows.append(
            (
                f"{users} concurrent users: turns/s, p95 ms, errors",
                f"{v['turns_per_second']}, {v['p95_ms']}, {v['errors']}",
                f"p50 {v['p50_ms']} ms, mismatches {v['mismatches']}",
            )
        )
    for name, line in results.get("answer_quality", {}).items():
        rows.append((f"answer quality over REST: {name}", line, "reply text only, citation lines removed"))
    rows.extend(growth_rows(results))
    rows.extend(stock_rows(results))
    st = results["start"]
    for key, value in st.items():
        rows.append((key, value, ""))
    mem = results["memory_mb_after_warmup"]
    rows.append(("RSS after warm-up (MB): action server", mem["action_server"], f"rasa {mem['rasa']}"))
    width = [max(len(str(r[i])) for r in rows) for i in range(3)]
    lines = [" | ".join(str(c).ljust(width[i]) for i, c in enumerate(r)) for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in width))
    return "\n".join(lines)


def main_growth(results: dict) -> int:
    """`python -m bot.ops.bench --only growth`: the per-turn growth section alone (var/bench/growth.json)."""
    bench_growth(results)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "growth.json").write_text(json.dumps(results, indent=2))
    rows = [("figure", "value", "baseline (same run)"), *growth_rows(results)]
    rows.append(("plain turn p50, fresh sender (ms)", results["per_turn_growth"]["plain_turn_fresh_sender_p50_ms"], ""))
    for row in rows:
        print(" | ".join(str(c) for c in row))
    return 0


def main_turns(results: dict) -> int:
    """Only the one-user turn latencies per turn kind (plain, retrieval, form, KNM quiz): a few minutes."""
    tmp = Path(tempfile.mkdtemp(prefix="wegwijzer-bench-"))
    actions, rasa, url, _ = start(tmp)
    try:
        results["turn_latency_1_user"] = turn_latencies(url)
    finally:
        rasa.stop()
        actions.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\nWegwijzer turn latencies — {results['machine']} — {results['date']}\n")
    for name, v in results["turn_latency_1_user"].items():
        print(f"{name:40} p50 {v['p50_ms']:>7} ms  p95 {v['p95_ms']:>7} ms  x{v['x_plain_p50']} of plain p50")
    return 0


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    results: dict = {
        "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}",
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }
    args = sys.argv[1:] if argv is None else argv
    if args[:2] == ["--only", "growth"]:
        return main_growth(results)
    if args[:2] == ["--only", "stock"]:
        return main_stock(results)
    if args[:2] == ["--only", "turns"]:
        return main_turns(results)
    bench_retrieval(results)
    bench_servers(results)
    bench_growth(results)
    bench_stock(results)
    bench_train(results)
    results["bench_seconds"] = round(time.perf_counter() - started, 1)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    print(f"\nWegwijzer benchmark — {results['machine']} — {results['date']}\n")
    print(table(results))
    print(f"\n(bench took {results['bench_seconds']} s; full results in {OUT / 'results.json'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
