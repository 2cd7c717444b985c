"""arena.settings: YAML files and KEY=VALUE overrides, typed by the config dataclass they fill."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field

import pytest

from arena.errors import ArenaError, SettingsError
from arena.settings import load_config, parse_overrides, parse_value, save_config, text_parser

# Settings files are read by the training commands, whose extra brings PyYAML.
needs_yaml = pytest.mark.skipif(importlib.util.find_spec("yaml") is None,
                                reason='settings files are YAML: pip install -e ".[train]"')


@dataclass
class Recipe:
    run: str = "run"
    timesteps: int = 1000
    learning_rate: float = 3e-4
    size: int | None = None
    plot: bool = False
    net_arch: list[int] = field(default_factory=lambda: [64, 64])
    rewards: dict[str, float] = field(default_factory=dict)


def test_without_a_dataclass_values_are_json_where_they_can_be_and_text_otherwise():
    assert parse_overrides(["size=6", "rule=exact_five", "fast=true", "arch=[1, 2]", "empty="]) == {
        "size": 6, "rule": "exact_five", "fast": True, "arch": [1, 2], "empty": ""}
    assert parse_value("1.5") == 1.5 and parse_value("x y") == "x y"


def test_a_dataclass_types_each_value_by_its_field():
    assert parse_overrides(["timesteps=8e5", "learning_rate=1e-3", "size=none", "plot=yes", "run=007",
                            "net_arch=[32, 32]", 'rewards={"fruit": 1}'], Recipe) == {
        "timesteps": 800_000, "learning_rate": 0.001, "size": None, "plot": True, "run": "007",
        "net_arch": [32, 32], "rewards": {"fruit": 1.0}}


@pytest.mark.parametrize("pair, words", [
    ("size", ["--setting 'size'", "write it as KEY=VALUE", "e.g. --setting size=6"]),
    ("learning_rat=0.1", ["unknown setting 'learning_rat' for Recipe", "did you mean 'learning_rate'"]),
    ("timesteps=1.5", ["timesteps: expected a whole number"]),
    ("plot=maybe", ["plot: expected true or false"]),
    ("net_arch=64", ["net_arch: expected a list"]),
])
def test_a_bad_override_names_the_flag_the_key_and_the_fix(pair, words):
    with pytest.raises(SettingsError) as error:
        parse_overrides([pair], Recipe, flag="--setting")
    assert all(word in str(error.value) for word in words)
    assert isinstance(error.value, ArenaError) and isinstance(error.value, ValueError)


@needs_yaml
def test_a_yaml_file_fills_the_dataclass_and_overrides_win(tmp_path):
    path = tmp_path / "recipe.yaml"
    path.write_text("timesteps: 5000\nlearning_rate: 1e-3\nnet_arch: [16, 16]\n")  # YAML reads 1e-3 as text
    config = load_config(Recipe, path, timesteps=7000, run=None)
    assert (config.timesteps, config.learning_rate, config.net_arch, config.run) == (7000, 0.001, [16, 16], "run")
    save_config(config, tmp_path / "again.yaml")
    assert load_config(Recipe, tmp_path / "again.yaml") == config


@needs_yaml
@pytest.mark.parametrize("text, words", [
    ("timesteps: lots\n", ["recipe.yaml: timesteps: expected a whole number"]),
    ("learning_rat: 0.1\n", ["recipe.yaml: unknown setting 'learning_rat'", "did you mean 'learning_rate'"]),
    ("- 1\n- 2\n", ["recipe.yaml: expected `key: value` lines", "got a list"]),
    ("a: [1,\n", ["recipe.yaml: not valid YAML at line 2"]),
])
def test_a_bad_file_names_the_file_the_key_and_the_fix(tmp_path, text, words):
    path = tmp_path / "recipe.yaml"
    path.write_text(text)
    with pytest.raises(SettingsError) as error:
        load_config(Recipe, path)
    assert all(word in str(error.value) for word in words)


@needs_yaml
def test_a_missing_file_says_so(tmp_path):
    with pytest.raises(SettingsError, match="missing.yaml: cannot read it"):
        load_config(Recipe, tmp_path / "missing.yaml")


def test_a_field_parser_serves_as_an_argparse_type():
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=text_parser(Recipe, "size"))
    assert parser.parse_args(["--size", "9"]).size == 9
    with pytest.raises(SystemExit):
        parser.parse_args(["--size", "big"])


@needs_yaml
@pytest.mark.parametrize("pool, words", [
    ("rival: {wieght: 4, agent: BrawlerAgent}", "opponents: rival has wieght; an opponent has a weight and one of"),
    ("rival: {agent: BrawlrAgent}", "no agent 'BrawlrAgent' in arena.envs.fighting; try BrawlerAgent"),
    ("snapshots: {power: 3}", "opponents: snapshots has power; an opponent has a weight and one of"),
    ("rival: {submission: SUBMISSIONS/greedy}", "opponents: rival's submission SUBMISSIONS/greedy plays othello, not"),
    ("rival: {submission: SUBMISSIONS/rival}", "opponents: rival's submission SUBMISSIONS/rival: no such file or folder"),
])
def test_a_training_pool_names_the_opponent_and_what_is_wrong(tmp_path, submissions, pool, words):
    from arena.train.config import TrainConfig

    path = tmp_path / "train.yaml"
    path.write_text("opponents:\n  " + pool.replace("SUBMISSIONS", str(submissions)) + "\n")
    with pytest.raises(SettingsError) as error:
        load_config(TrainConfig, path)
    assert f"settings file {path}: " + words.replace("SUBMISSIONS", str(submissions)) in str(error.value)
