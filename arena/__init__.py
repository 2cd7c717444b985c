"""arena: multi-agent game environments, a safe match and tournament harness, and training tools.

    import arena
    result = arena.run_match("submissions/random", "submissions/greedy", env="othello", video_path="match.mp4")
    print(result.winner, result.outcome)

Environments live in `arena.envs` (`arena.envs.make("othello")`), agents in `arena.agents`.
"""

__version__ = "0.1.0"

__all__ = ["__version__", "run_match", "play_match"]


def __getattr__(name: str):
    # Importing arena stays cheap: the harness loads only when these are first used.
    if name == "run_match":
        from arena.play import run_match

        return run_match
    if name == "play_match":
        from arena.match import play_match

        return play_match
    raise AttributeError(f"module 'arena' has no attribute {name!r}")
