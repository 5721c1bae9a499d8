#!/usr/bin/env python3
"""Builds the fuzz targets and runs each for a bounded time.

    python3 fuzz/run.py [--seconds N | --runs N] [--release] [TARGET ...]

Why not ``cargo fuzz build``: it sets ``RUSTFLAGS`` for the whole graph
and builds for an explicit ``--target``, so every dependency is compiled a
second time, instrumented, in its own directory. Here only the project's
own crates get libFuzzer's coverage instrumentation (per-package profile
``rustflags``, an unstable cargo feature unlocked for cargo alone, see
``cargo_env``), and the build goes to the workspace's ``target/``
with the workspace's lock file and dev profile, so every dependency
artifact that ``cargo build -p scm-cli`` left there is used as it is.
The fuzzer then steers by the branches of our code (parsers, signature
checks, scoping), which is what the targets are about; the libraries
under it run uninstrumented.

For the dependencies to be shared, the fuzz crate's feature set must be
what the main build resolves: ``fuzz/Cargo.lock`` is the workspace's lock
file copied at build time (plus libfuzzer-sys), and libfuzzer-sys is held
at 0.4.3, the last release whose build script does not turn on ``cc``'s
``parallel`` feature (with it, every C build script in the graph, ring and
SQLite among them, and all that depends on them, would be rebuilt).

``--release`` builds with the release profile instead (optimised, our
crates still instrumented and with debug assertions and overflow checks),
sharing what ``cargo build --release -p scm-cli`` built: for long runs,
where an unoptimised JSON parser under the webhook targets would spend
most of the time.

Each target runs on its seed corpus (``fuzz/seed.py`` writes it) for
``--seconds`` (default ``FUZZ_SECONDS`` or 15) or ``--runs`` executions;
the executions are printed, and a crash (or a leak, a timeout, an
out-of-memory) fails the run with the end of libFuzzer's output and the
crashing input kept under ``fuzz/artifacts/<target>/``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUZZ = ROOT / "fuzz"
MANIFEST = FUZZ / "Cargo.toml"
TARGET_DIR = ROOT / "target"

# What `cargo fuzz build --sanitizer none --dev` passes, for our crates only.
INSTRUMENT = [
    "-Cpasses=sancov-module",
    "-Cllvm-args=-sanitizer-coverage-level=4",
    "-Cllvm-args=-sanitizer-coverage-inline-8bit-counters",
    "-Cllvm-args=-sanitizer-coverage-pc-table",
    "-Cllvm-args=-sanitizer-coverage-trace-compares",
    "-Cllvm-args=-sanitizer-coverage-stack-depth",
    "-Cllvm-args=-simplifycfg-branch-fold-threshold=0",
    "--cfg=fuzzing",
    "-Clink-dead-code",
    "-Cdebug-assertions",
    "-Coverflow-checks",
]


def cargo_env() -> dict[str, str]:
    """The stable cargo with its unstable options unlocked for itself only.

    Not ``RUSTC_BOOTSTRAP=1``: cargo hands its environment to build
    scripts, and some (proc-macro2, anyhow, thiserror) watch that variable
    and turn on nightly features when it is set, which rebuilds them and
    everything above them, in place of the workspace's own artifacts. The
    flags the project's crates get are all stable rustc options.
    """
    env = dict(os.environ, CARGO_INCREMENTAL="0")
    env.pop("RUSTC_BOOTSTRAP", None)
    env["__CARGO_TEST_CHANNEL_OVERRIDE_DO_NOT_USE_THIS"] = "nightly"
    return env


def metadata() -> dict:
    out = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--manifest-path", str(MANIFEST)],
        env=cargo_env(), check=True, capture_output=True, text=True,
    )  # fmt: skip
    result: dict = json.loads(out.stdout)
    return result


def targets(meta: dict) -> list[str]:
    fuzz = next(p for p in meta["packages"] if p["manifest_path"] == str(MANIFEST))
    return sorted(t["name"] for t in fuzz["targets"] if "bin" in t["kind"])


def build(meta: dict, profile: str) -> None:
    # Path packages (source null) are the project's: scm-fuzz and the
    # scm-* crates it reaches.
    ours = sorted(p["name"] for p in meta["packages"] if p["source"] is None)
    flags = json.dumps(INSTRUMENT)
    command = ["cargo", "-Zprofile-rustflags", "build", "--bins", "--manifest-path", str(MANIFEST),
               "--target-dir", str(TARGET_DIR)]  # fmt: skip
    if profile == "release":
        command.append("--release")
    for name in ours:
        command += ["--config", f"profile.{profile}.package.{name}.rustflags={flags}"]
    subprocess.run(command, env=cargo_env(), check=True)


def run(target: str, profile: str, seconds: int | None, runs: int | None) -> bool:
    corpus = FUZZ / "corpus" / target
    artifacts = FUZZ / "artifacts" / target
    corpus.mkdir(parents=True, exist_ok=True)
    artifacts.mkdir(parents=True, exist_ok=True)
    log = TARGET_DIR / "fuzz-logs" / f"{target}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    bound = f"-runs={runs}" if runs else f"-max_total_time={seconds}"
    command = [str(TARGET_DIR / ("release" if profile == "release" else "debug") / target), str(corpus), bound, "-rss_limit_mb=2048",
               "-print_final_stats=1", f"-artifact_prefix={artifacts}/"]  # fmt: skip
    with log.open("w") as out:
        code = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT).returncode
    text = log.read_text(errors="replace")
    if code != 0:
        print("".join(text.splitlines(keepends=True)[-60:]), end="")
        print(f"    {target}: FAILED (exit {code}; log {log.relative_to(ROOT)})")
        return False
    executed = re.search(r"^stat::number_of_executed_units:\s*(\d+)", text, re.MULTILINE)
    seconds_taken = re.search(r"Done (\d+) runs in (\d+) second", text)
    taken = f" in {seconds_taken.group(2)} s" if seconds_taken else ""
    count = f"{int(executed.group(1)):,}" if executed else "?"
    print(f"    {target}: {count} executions{taken}, no crash")
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    bound = parser.add_mutually_exclusive_group()
    bound.add_argument("--seconds", type=int, default=int(os.environ.get("FUZZ_SECONDS", "15")))
    bound.add_argument("--runs", type=int, help="executions per target instead of a time bound")
    parser.add_argument("--release", action="store_true", help="optimised build, for long runs")
    parser.add_argument("--no-build", action="store_true", help="run what the last build left")
    parser.add_argument("targets", nargs="*", help="default: every target")
    args = parser.parse_args()

    shutil.copyfile(ROOT / "Cargo.lock", FUZZ / "Cargo.lock")
    meta = metadata()
    every = targets(meta)
    unknown = set(args.targets) - set(every)
    if unknown:
        parser.error(f"no such target: {', '.join(sorted(unknown))} (targets: {', '.join(every)})")
    profile = "release" if args.release else "dev"
    if not args.no_build:
        build(meta, profile)
    results = [run(target, profile, args.seconds, args.runs) for target in (args.targets or every)]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
