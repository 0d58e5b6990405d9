"""The launcher's KRaft cluster ids are ones `kafka-storage format` accepts."""

from __future__ import annotations

import re

from deploy.local.apache_kafka import random_cluster_id


def test_cluster_ids_are_22_url_safe_characters_never_starting_with_a_dash() -> None:
    # One plain base64url UUID in 64 starts with "-", which the storage tool's
    # argument parser takes for an option: 2,000 draws would meet ~31 of them.
    ids = [random_cluster_id() for _ in range(2000)]
    assert all(re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_-]{21}", cid) for cid in ids)
    assert len(set(ids)) == len(ids)
