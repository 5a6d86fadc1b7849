#!/usr/bin/env python3
"""Runs the `unit` tests of a configured build folder, as `ctest -L unit` would, but each GoogleTest
binary in a few shard processes instead of one process per test.

Why: under the sanitizers a process start costs about 0.15 s of CPU (ASan start-up and the leak
check at exit); with one process per test (gtest_discover_tests), that start-up was most of the
sanitizer stage of scripts/test.sh. Sharding also lets the tests that wait (timeouts, peers) overlap
with the ones that compute.

What it keeps from ctest: the test list (ctest --show-only=json-v1, so exactly the tests ctest
would run), each test's working directory and environment, a time limit, its fixtures (the tests
that set up a fixture the shards need, such as the PostgreSQL server, run through ctest before
them, and those that clean it up after them), and a count check: the number of tests the shards
ran must equal the number ctest lists, so no test can be dropped silently. Tests that are not
GoogleTest cases (the layering and log-event checks) run through ctest itself. Every failed,
crashed or skipped test is named; the exit status is 1 when any failed.

Usage: scripts/run_unit_tests.py BUILD_DIR [--jobs N] [--timeout SECONDS]
"""
import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import time
from collections import OrderedDict

TESTS_PER_SHARD = 40
MAX_SHARDS = 8


def ctest_tests(build_dir):
    out = subprocess.run(
        ["ctest", "--test-dir", build_dir, "-L", "unit", "--show-only=json-v1"],
        check=True, capture_output=True, text=True).stdout
    return json.loads(out)["tests"]


def properties(test):
    return {p["name"]: p["value"] for p in test.get("properties", [])}


def gtest_name(command):
    for arg in command[1:]:
        if arg.startswith("--gtest_filter="):
            return arg[len("--gtest_filter="):]
    return None


def fixture_tests(tests):
    """The names of the tests setting up and cleaning up each fixture: {fixture: (setups, cleanups)}."""
    out = {}
    for test in tests:
        props = properties(test)
        for key, index in (("FIXTURES_SETUP", 0), ("FIXTURES_CLEANUP", 1)):
            for fixture in props.get(key, []) or []:
                out.setdefault(fixture, ([], []))[index].append(test["name"])
    return out


def group_tests(tests, fixtures):
    """GoogleTest cases grouped by (binary, working directory, environment); the other tests;
    the fixtures the grouped cases need."""
    groups = OrderedDict()
    others = []
    needed = set()
    for test in tests:
        command = test.get("command") or []
        name = gtest_name(command) if command else None
        props = properties(test)
        required = set(props.get("FIXTURES_REQUIRED", []) or [])
        setups_and_cleanups = {n for f in fixtures.values() for n in f[0] + f[1]}
        if test["name"] in setups_and_cleanups:
            continue
        # ctest makes a test that needs a fixture depend on its set-up: run first here too.
        if set(props.get("DEPENDS", []) or []) <= setups_and_cleanups:
            props.pop("DEPENDS", None)
        unsupported = set(props) - {"LABELS", "WORKING_DIRECTORY", "SKIP_REGULAR_EXPRESSION",
                                    "ENVIRONMENT", "TIMEOUT", "FIXTURES_REQUIRED"}
        needed |= required & set(fixtures)
        if name is None or unsupported or not required <= set(fixtures):
            others.append(test["name"])
            continue
        env = tuple(props.get("ENVIRONMENT", []))
        key = (command[0], props.get("WORKING_DIRECTORY", "."), env)
        groups.setdefault(key, []).append(name)
    return groups, others, needed


def run_ctest(build_dir, names):
    """Runs the named tests through ctest (with -FA: no fixture pulled in); its result."""
    pattern = "^(" + "|".join(re.escape(n) for n in names) + ")$"
    return subprocess.run(["ctest", "--test-dir", build_dir, "-R", pattern, "-FA", ".*",
                           "--output-on-failure"], capture_output=True, text=True)


SUMMARY = re.compile(r"^\[==========\] (\d+) tests? from \d+ test suites? ran")
FAILED = re.compile(r"^\[  FAILED  \] (\S+)(?:, where| \(\d+ ms\))")
SKIPPED = re.compile(r"^\[  SKIPPED \] (\S+)(?: \(\d+ ms\))")


def run_shard(binary, workdir, env_items, names, index, count, timeout, log_dir):
    env = dict(os.environ)
    for item in env_items:
        key, _, value = item.partition("=")
        env[key] = value
    env["GTEST_TOTAL_SHARDS"] = str(count)
    env["GTEST_SHARD_INDEX"] = str(index)
    # One long filter (the names are plain Suite.Test identifiers); the environment keeps it off
    # the command line.
    env["GTEST_FILTER"] = ":".join(names)
    log_path = os.path.join(log_dir, f"{os.path.basename(binary)}-{index}-of-{count}.log")
    started = time.monotonic()
    with open(log_path, "w") as log:
        try:
            status = subprocess.run([binary, "--gtest_also_run_disabled_tests"], cwd=workdir,
                                    env=env, stdout=log, stderr=subprocess.STDOUT,
                                    timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            status = "timeout"
    elapsed = time.monotonic() - started
    ran, failed, skipped = 0, [], []
    with open(log_path, errors="replace") as log:
        for line in log:
            if m := SUMMARY.match(line):
                ran = int(m.group(1))
            elif m := FAILED.match(line):
                failed.append(m.group(1))
            elif m := SKIPPED.match(line):
                skipped.append(m.group(1))
    return {"binary": os.path.basename(binary), "index": index, "count": count, "status": status,
            "ran": ran, "failed": sorted(set(failed)), "skipped": sorted(set(skipped)),
            "seconds": elapsed, "log": log_path}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build_dir")
    parser.add_argument("--jobs", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--timeout", type=int, default=900, help="seconds per shard")
    args = parser.parse_args()

    tests = ctest_tests(args.build_dir)
    fixtures = fixture_tests(tests)
    groups, others, needed = group_tests(tests, fixtures)
    # The fixtures' set-up tests run first (the PostgreSQL server), their clean-up ones last.
    setups = [n for f in sorted(needed) for n in fixtures[f][0]]
    cleanups = [n for f in sorted(needed) for n in fixtures[f][1]]
    if setups:
        started = run_ctest(args.build_dir, setups)
        if started.returncode != 0:
            print(started.stdout[-3000:], started.stderr[-3000:])
            print("unit tests: a fixture's set-up failed: FAILED")
            return 1
    expected = sum(len(names) for names in groups.values())
    log_dir = os.path.join(args.build_dir, "Testing", "unit-shards")
    os.makedirs(log_dir, exist_ok=True)

    jobs = []
    for (binary, workdir, env), names in groups.items():
        count = max(1, min(MAX_SHARDS, -(-len(names) // TESTS_PER_SHARD)))
        jobs.extend((binary, workdir, env, names, i, count) for i in range(count))
    # The biggest binaries first, so the long shards do not start last.
    jobs.sort(key=lambda j: -len(j[3]) / j[5])

    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run_shard, *job, args.timeout, log_dir) for job in jobs]
        other_run = None
        if others:
            pattern = "^(" + "|".join(re.escape(n) for n in others) + ")$"
            # -FA: the fixtures they need are up already (set up above).
            other_run = subprocess.run(
                ["ctest", "--test-dir", args.build_dir, "-L", "unit", "-R", pattern, "-FA", ".*",
                 "--output-on-failure"], capture_output=True, text=True)
        for future in concurrent.futures.as_completed(futures):
            r = future.result()
            results.append(r)
            state = "ok" if r["status"] == 0 else f"FAILED ({r['status']})"
            print(f"{r['binary']} shard {r['index'] + 1}/{r['count']}: {r['ran']} tests, "
                  f"{r['seconds']:.1f} s, {state}", flush=True)

    ok = True
    if cleanups:
        stopped = run_ctest(args.build_dir, cleanups)
        if stopped.returncode != 0:
            ok = False
            print(stopped.stdout[-3000:], stopped.stderr[-3000:])
    ran = sum(r["ran"] for r in results)
    for r in results:
        if r["status"] != 0:
            ok = False
            print(f"\n== {r['binary']} shard {r['index'] + 1}/{r['count']} failed "
                  f"(status {r['status']}); failed tests: {', '.join(r['failed']) or 'none named'}"
                  f"; log: {r['log']}")
            with open(r["log"], errors="replace") as log:
                print("".join(log.readlines()[-60:]))
        for name in r["skipped"]:
            print(f"skipped: {r['binary']} {name}")
    if ran != expected:
        ok = False
        print(f"\n== the shards ran {ran} tests but ctest lists {expected} GoogleTest unit tests")
    if other_run is not None:
        print(other_run.stdout[-3000:])
        if other_run.returncode != 0:
            ok = False
            print(other_run.stderr[-3000:])
    print(f"unit tests: {ran} GoogleTest cases in {len(results)} shard processes"
          f" and {len(others)} other tests: {'passed' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
