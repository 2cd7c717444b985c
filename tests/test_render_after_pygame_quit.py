"""Rendering goes on after other code quits pygame, as Gymnasium's wrappers and tools do.

Gymnasium's `HumanRendering.close()` and `utils.play.play()` end with `pygame.quit()`, which frees every
font; an env drawing its text with a font made before then raised "Library not initialized" at its next
frame, or crashed the process once pygame was initialized again. Each case runs in a process of its own,
so that such a crash fails it alone.
"""

import subprocess
import sys
import textwrap

import pytest

ENV_IDS = [("arena/Othello-v0", {"size": 6}), ("arena/Gomoku-v0", {"size": 7}), ("arena/Fighting-v0", {}),
           ("arena/Snake-v0", {"num_snakes": 2, "height": 8, "width": 8}), ("arena/CartPoleRelay-v0", {})]


def run_alone(code: str) -> None:
    run = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], check=False, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]


@pytest.mark.parametrize(("env_id", "options"), ENV_IDS, ids=[env_id for env_id, _ in ENV_IDS])
def test_an_episode_shown_after_another_was_shown_and_closed(env_id, options):
    # Each episode in its own window, closed at its end, as Gymnasium's docs show.
    run_alone(f"""
        import gymnasium
        import numpy as np
        from gymnasium.wrappers import HumanRendering

        import arena.envs

        for episode in range(3):
            env = HumanRendering(gymnasium.make({env_id!r}, render_mode="rgb_array", **{options!r}))
            env.action_space.seed(episode)
            observation, _ = env.reset(seed=episode)
            for _ in range(3):
                mask = observation.get("action_mask") if isinstance(observation, dict) else None
                action = env.action_space.sample() if mask is None else int(np.flatnonzero(mask)[0])
                observation, _, terminated, truncated, _ = env.step(action)
                if terminated or truncated:
                    break
            env.close()
        """)


@pytest.mark.parametrize("name", ["othello", "gomoku", "fighting", "snake", "cartpole_relay"])
def test_a_frame_drawn_after_pygame_quit_and_init_again_is_the_same(name):
    run_alone(f"""
        import pygame

        import arena.envs

        env = arena.envs.make({name!r}, render_mode="rgb_array")
        env.reset(seed=0)
        first = env.render()
        pygame.quit()
        assert (env.render() == first).all()
        pygame.init()
        assert (env.render() == first).all()
        """)
