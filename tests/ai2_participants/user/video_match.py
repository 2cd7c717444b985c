# Benchmark an agent against the stock opponents and keep a video, as in the starter's demo_match.py.
# Only the star import: Enum, partial, Optional, os, math and friends come with it.

from arena.compat.ai2.environment.agent import *


class Opponent(Enum):
    CONSTANT = 0
    RANDOM = 1
    BASED = 2
    CLOCKWORK = 3


OPPONENTS = {
    Opponent.CONSTANT: partial(ConstantAgent),
    Opponent.RANDOM: partial(RandomAgent),
    Opponent.BASED: partial(BasedAgent),
    Opponent.CLOCKWORK: partial(ClockworkAgent, action_sheet=[(30, ['d']), (5, ['space']), (20, ['a', 'j'])]),
}


def benchmark(agent_factory: Type[Agent], opponent: Opponent, max_timesteps: int = 30 * 20,
              video_path: Optional[str] = None) -> MatchStats:
    stats = run_match(agent_factory, OPPONENTS[opponent], max_timesteps=max_timesteps, video_path=video_path,
                      agent_1_name='mine', agent_2_name=opponent.name.lower(), resolution=CameraResolution.LOW)
    print(f"vs {opponent.name}: {stats.player1_result} in {math.ceil(stats.match_time)} s, "
          f"damage done {stats.player1.damage_done:.0f}, taken {stats.player1.damage_taken:.0f}")
    return stats


def record_frames(folder: str, frames: int = 20) -> List[str]:
    # Step the raw env and save what it draws, turned upright the way run_match does before writing video.
    os.makedirs(folder, exist_ok=True)
    env = WarehouseBrawl(mode=RenderMode.RGB_ARRAY, resolution=CameraResolution.LOW)
    observations, _ = env.reset()
    players = [BasedAgent(), RandomAgent()]
    for agent in players:
        agent.get_env_info(env)
    paths = []
    for t in range(frames):
        actions = {i: players[i].predict(observations[i]) for i in env.agents}
        observations, rewards, terminated, truncated, info = env.step(actions)
        img = env.render()
        img = np.rot90(img, k=-1)
        img = np.fliplr(img)
        path = os.path.join(folder, f"frame_{t:03d}.png")
        Image.fromarray(np.ascontiguousarray(img)).save(path)
        paths.append(path)
    env.close()
    return paths
