# Collect (observation, action) pairs from two scripted agents for behaviour cloning.
# Drives the env directly, the way the competition's run_match does.

from arena.compat.ai2.environment.agent import *


class FrameStack:
    def __init__(self, n_frames: int, obs_shape: Tuple[int]):
        self.n_frames = n_frames
        self.frames: List[np.ndarray] = [np.zeros(obs_shape, dtype=np.float32) for _ in range(n_frames)]

    def reset(self, obs: np.ndarray) -> np.ndarray:
        self.frames = [obs.copy() for _ in range(self.n_frames)]
        return np.concatenate(self.frames, axis=0)

    def push(self, obs: np.ndarray) -> np.ndarray:
        self.frames.pop(0)
        self.frames.append(obs.copy())
        return np.concatenate(self.frames, axis=0)


def collect_transitions(num_steps: int = 10000, max_timesteps: int = 30 * 90, frame_stack: int = 1):
    obs_list, acts_list, next_obs, dones = [], [], [], []
    env = WarehouseBrawl(resolution=CameraResolution.LOW, train_mode=True)
    env.max_timesteps = max_timesteps
    assert env.observation_space.shape == (64,) and env.action_space.shape == (10,)

    obs, _ = env.reset()
    policy1 = BasedAgent()
    policy2 = BasedAgent()
    policy1.get_env_info(env)
    policy2.get_env_info(env)
    stack = FrameStack(frame_stack, (env.observation_space.shape[0],))
    stacked = stack.reset(obs[0])

    step_count = 0
    games = 0
    while step_count < num_steps:
        action_1 = policy1.predict(obs[0])
        action_2 = policy2.predict(obs[1])
        obs_list.append(stacked)
        acts_list.append(action_1)

        obs, rewards, terminated, truncated, info = env.step({0: action_1, 1: action_2})
        stacked = stack.push(obs[0])
        next_obs.append(stacked)
        done = terminated or truncated
        dones.append(done)
        step_count += 1
        if done:
            games += 1
            obs, _ = env.reset()
            stacked = stack.reset(obs[0])
            policy1 = BasedAgent()
            policy2 = BasedAgent()
            policy1.get_env_info(env)
            policy2.get_env_info(env)

    stats = [env.get_stats(0), env.get_stats(1)]
    env.close()
    return np.array(obs_list), np.array(acts_list), np.array(next_obs), np.array(dones), games, stats
