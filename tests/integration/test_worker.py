"""``vcissue worker`` as a real process over a deployment (SQLite and PostgreSQL): killed
with SIGKILL in the middle of a delivery, then restarted, it loses no notice and sends
again only the one that was in flight (at least once; receivers drop it by its id).
``vcissue worker --once`` and ``vcissue notices`` from the command line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from tests.cli import PASSPHRASE, staff_key, vcissue
from tests.integration.conftest import POSTGRES_URL, Backend
from tests.integration.test_cli import init
from tests.receivers import Hook, webhook_receiver
from vcissue.notify.signing import verify_webhook
from vcissue.store import open_store

SECRET = "kill-test-secret"


def deployment(tmp_path: Path, backend: Backend, hook: Hook, **notify: str) -> dict[str, str]:
    """A deployment on ``backend`` whose [notify] posts every event to ``hook``; returns
    the environment its commands run with."""
    config = init(tmp_path)
    url = backend.url if backend.pg_schema is None else f"{POSTGRES_URL}?schema={backend.pg_schema}"
    (tmp_path / "partner.secret").write_text(SECRET + "\n")
    options = {"lease": '"PT1S"', "poll": '"PT1S"', "retry_after": '"PT1S"', **notify}
    with config.open("a") as handle:
        handle.write("[notify]\n" + "".join(f"{k} = {v}\n" for k, v in options.items()))
        handle.write(
            f'[[notify.webhooks]]\nname = "partner"\nurl = "{hook.url}"\n'
            'secret_file = "partner.secret"\n'
        )
    backend.open()  # the deployment's store: a fresh file or PostgreSQL schema
    text = config.read_text()
    store = text.index("[store]")
    line = text.index("url = ", store)
    end = text.index("\n", line)
    config.write_text(text[:line] + f'url = "{url}"' + text[end:])
    env = {"VCISSUE_STORE_URL": url}
    return env


def test_sigkill_during_delivery_loses_nothing_and_repeats_only_the_one_in_flight(
    backend: Backend, tmp_path: Path
) -> None:
    root = tmp_path / "body"
    root.mkdir()
    with webhook_receiver() as hook:
        env = deployment(root, backend, hook)
        key = staff_key(root, "registrar", "issuer")
        for n in range(5):
            out = vcissue(
                "issue", "--qualification", "ecomentor", "--holder-name", f"Holder {n}",
                cwd=root, env={**env, "VCISSUE_API_KEY": key},
            )  # fmt: skip
            assert out.returncode == 0, out.stderr
        hook.hold_after = 2  # two go through; the third is held mid-delivery
        worker = subprocess.Popen(
            [sys.executable, "-m", "vcissue.cli", "worker"],
            cwd=root,
            env={**os.environ, **env, "VCISSUE_KEY_PASSPHRASE": PASSPHRASE},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 120
            while len(hook.requests) < 3 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert len(hook.requests) == 3, worker.stderr
            in_flight = hook.requests[-1][0]["Vcissue-Event-Id"]
            worker.send_signal(signal.SIGKILL)
            assert worker.wait(30) == -signal.SIGKILL
        finally:
            if worker.poll() is None:
                worker.kill()
            hook.hold_after = None
            hook.release.set()
        time.sleep(1.2)  # the in-flight delivery's lease runs out
        again = vcissue("worker", "--once", cwd=root, env=env)
        assert again.returncode == 0, again.stderr
    events = [verify_webhook(SECRET.encode(), h, body)["id"] for h, body in hook.requests]
    store = open_store(env["VCISSUE_STORE_URL"])
    try:
        outbox = [event.id for event in store.read(lambda tx: tx.events())]
        states = Counter(d.state for d in store.read(lambda tx: tx.deliveries()))
    finally:
        store.close()
    assert set(events) == set(outbox) and len(outbox) == 5  # none lost
    repeated = [event for event, count in Counter(events).items() if count > 1]
    assert repeated == [in_flight] and len(events) == 6  # only the one in flight, once more
    assert states == {"sent": 5}


def test_worker_once_and_the_dead_letters_from_the_command_line(
    backend: Backend, tmp_path: Path
) -> None:
    with webhook_receiver() as hook:
        env = deployment(tmp_path, backend, hook, max_attempts="1")
        key = staff_key(tmp_path, "registrar", "issuer")
        issued = vcissue(
            "issue", "--qualification", "ecomentor", "--holder-name", "Ana",
            cwd=tmp_path, env={**env, "VCISSUE_API_KEY": key},
        )  # fmt: skip
        assert issued.returncode == 0, issued.stderr
        hook.statuses[:] = [500]
        first = vcissue("worker", "--once", cwd=tmp_path, env=env)
        assert first.returncode == 0, first.stderr
        assert "0 sent" in first.stdout and "1 dead letters" in first.stdout
        dead = vcissue("notices", "list", "--state", "dead", cwd=tmp_path, env=env)
        assert "webhook:partner  POST partner: HTTP 500" in dead.stdout
        retried = vcissue("notices", "retry", cwd=tmp_path, env=env)
        assert retried.stdout.startswith("1 dead letters back")
        second = vcissue("worker", "--once", cwd=tmp_path, env=env)
        assert "1 sent" in second.stdout
        listed = vcissue("notices", "list", cwd=tmp_path, env=env)
        assert listed.stdout.startswith("sent") and len(hook.requests) == 2
