"""CPU instructions per call of /v1/responses against /v1/chat/completions, in one run of one
serving process under callgrind (see bench/instructions.py for why instructions, not seconds).

    .venv/bin/python bench/instructions_responses.py [--calls 300] [--warmup 100] [--stream]
                                                     [--store]

Both endpoints get the same message for the same model on the fake provider; the calls
alternate in blocks (chat, responses, chat, responses), each block dumped apart, so a drift of
the process (caches warming, the usage recorder's batches) lands on both. Without ``--store``
the Responses calls send ``store: false`` (the path alone); with it they are stored, one
database write each, as the default is.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import httpx
import orjson
from instructions import _control, _total_instructions
from procs import Cleanup, StartError
from served import start_served
from targets import EXPECTED, MESSAGE, request_body

BLOCKS = 2  # blocks per endpoint


def _responses_body(model: str, stream: bool, store: bool) -> str:
    body: dict[str, object] = {"model": model, "input": MESSAGE, "store": store}
    if stream:
        body["stream"] = True
    return orjson.dumps(body).decode()


def _calls(client: httpx.Client, url: str, body: str, count: int) -> None:
    for _ in range(count):
        response = client.post(url, content=body)
        if response.status_code != 200 or EXPECTED.split()[-1] not in response.text:
            raise StartError(f"bad answer {response.status_code}: {response.text[:300]}")


def _dumped(work: Path, seen: set[Path]) -> int:
    """The counts of the dump written since ``seen`` (callgrind zeroes them at each dump)."""
    time.sleep(0.5)
    new = [p for p in work.glob("cg.out*") if p not in seen]
    seen.update(new)
    scratch = work / "last"
    scratch.mkdir(exist_ok=True)
    for old in scratch.glob("*"):
        old.unlink()
    for dump in new:
        shutil.copy(dump, scratch / dump.name)
    return _total_instructions(scratch)


def measure(args: argparse.Namespace, work: Path, cleanup: Cleanup) -> dict[str, float]:
    served = start_served(work, cleanup, callgrind=True)
    base_url, slug, member_key = served.base_url, served.slug, served.member_key
    paths = {
        "chat": (base_url + "/v1/chat/completions", request_body(slug, args.stream)),
        "responses": (
            base_url + "/v1/responses",
            _responses_body(slug, args.stream, args.store),
        ),
    }
    headers = {"authorization": f"Bearer {member_key}", "content-type": "application/json"}
    totals = dict.fromkeys(paths, 0)
    seen: set[Path] = set()
    with httpx.Client(headers=headers, timeout=120) as client:
        for url, body in paths.values():
            _calls(client, url, body, args.warmup)
        _control("--instr=on", str(served.pid))
        _control("--dump", str(served.pid))  # drop what the switch itself counted
        _dumped(work, seen)
        for _ in range(BLOCKS):
            for name, (url, body) in paths.items():
                _calls(client, url, body, args.calls // BLOCKS)
                _control("--dump", str(served.pid))
                totals[name] += _dumped(work, seen)
        _control("--instr=off", str(served.pid))
    return {name: total / (args.calls // BLOCKS * BLOCKS) for name, total in totals.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--stream", action="store_true")
    parser.add_argument("--store", action="store_true", help="store the responses (a DB write)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        print("valgrind (with callgrind_control) is needed: apt-get install valgrind")
        return 1
    with tempfile.TemporaryDirectory(prefix="modelyard-instr-") as tmp, Cleanup() as cleanup:
        per_call = measure(args, Path(tmp), cleanup)
    mode = ("stream" if args.stream else "plain") + (" + store" if args.store else "")
    chat, responses = per_call["chat"], per_call["responses"]
    print(
        f"{mode}\tchat {chat / 1e6:.3f} M\tresponses {responses / 1e6:.3f} M instructions per "
        f"call\tratio {responses / chat:.3f} ({args.calls} calls each)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
