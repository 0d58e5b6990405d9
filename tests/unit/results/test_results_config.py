"""The results service's own settings: read from a mapping, documented, in compose."""

from __future__ import annotations

from pathlib import Path

import yaml

from services.results.config import VARIABLES, ResultsConfig, ResultsSettings

ROOT = Path(__file__).resolve().parents[3]


def test_an_empty_environment_gives_the_defaults() -> None:
    config = ResultsConfig.from_env({})
    assert config == ResultsConfig()
    assert config.topics == ("inagara.reviews",) and config.consumer_group == "inagara.results"
    assert ResultsSettings().database_url == "sqlite:///var/results.db"


def test_every_variable_is_read() -> None:
    config = ResultsConfig.from_env(
        {
            "RESULTS_CONSUMER_GROUP": "g",
            "RESULTS_TOPICS": "a, b",
            "NOTIFICATION_PUBLIC_URL": "https://notif.example.go.id/",
            "REVIEW_PUBLIC_URL": "https://penilaian.example.go.id",
            "INAGARA_TIME_ZONE": "Asia/Makassar",
        }
    )
    assert config == ResultsConfig(
        consumer_group="g",
        topics=("a", "b"),
        notification_public_url="https://notif.example.go.id/",
        review_public_url="https://penilaian.example.go.id",
        time_zone="Asia/Makassar",
    )
    assert config.privacy_url == "https://notif.example.go.id/privasi"
    assert config.objection_url("p-1") == (
        "https://penilaian.example.go.id/publik/keberatan?proposal=p-1"
    )


def test_every_variable_is_documented_and_in_compose() -> None:
    documented = (ROOT / "docs" / "CONFIGURATION.md").read_text()
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    environment = compose["x-service-env"]
    for name in VARIABLES:
        assert f"`{name}`" in documented, name
        assert name in environment, name
