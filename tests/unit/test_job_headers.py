"""The job message's headers are a queue wire format (storage/queues.py): the app path
(sandbox/jobs.py) and the admin path (control_plane/api/queues.py) build them alike,
and jobs already in JetStream keep being read, so the names must not change."""

from __future__ import annotations

import re

import pytest

from storage.queues import QueueError, job_headers


def test_headers_of_an_enqueue_with_options() -> None:
    h = job_headers("mail", "id-1", {"retries": 3, "retryDelay": 250.7, "timeout": 0,
                                     "workers": 9, "idempotencyKey": "k"})
    enqueued = h.pop("Brygge-Enqueued")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", enqueued)
    assert h == {"Brygge-Job-Id": "id-1", "Brygge-Topic": "mail", "Brygge-Retries": "3",
                 "Brygge-Retry-Delay-Ms": "250", "Brygge-Timeout-Ms": "0"}


@pytest.mark.parametrize("bad", [-1, True, "3", 10**9 + 1])
def test_a_bad_option_is_named(bad: object) -> None:
    with pytest.raises(QueueError, match="enqueue option retries must be a number >= 0"):
        job_headers("t", "j", {"retries": bad})


def test_an_absent_option_is_left_out() -> None:
    assert "Brygge-Retries" not in job_headers("t", "j", {"retries": None})
